#!/bin/sh
# SPDX-License-Identifier: MIT
# The entry point of a Win32 program built with
# `pkg-config --cflags --libs shmap-win32`: main, wmain(int, wchar_t **),
# a C wmain(void) and a C++ int wmain(), with windows.h or tchar.h, each
# links and runs with its arguments (and envp, the environment, when it
# takes a third parameter); a program with neither main nor wmain
# fails to link, naming wmain, as on Windows. A call Linux cannot honour
# fails to compile, saying why.
# CC and CXX name the compilers (cc and c++ if unset).
set -eu
build=$1
cc=${CC:-cc}
cxx=${CXX:-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
PKG_CONFIG_PATH=$(dirname "$(find "$tmp/prefix" -name shmap-win32.pc)")
export PKG_CONFIG_PATH
LD_LIBRARY_PATH=$(dirname "$(find "$tmp/prefix" -name libshmap-win32.so.0)")
export LD_LIBRARY_PATH
flags=$(pkg-config --cflags --libs shmap-win32)
cflags=$(pkg-config --cflags shmap-win32) # a compile alone links nothing
failures=0

# check NAME LANG EXPECT SOURCE [WHY]: builds SOURCE as LANG (c or c++);
# EXPECT is the exit code of "prog a b" (argc 3 gives 3), "nolink", or
# "nocompile" with WHY, a text the compiler's error must hold.
check() {
	name=$1 lang=$2 expect=$3
	printf '%s\n' "$4" >"$tmp/$name.src"
	case $lang in
	c) cc_cmd="$cc -std=c11 -Wall -Wextra -Werror -x c" ;;
	*) cc_cmd="$cxx -std=c++17 -Wall -Wextra -Werror -x c++" ;;
	esac
	if [ "$expect" = nocompile ]; then
		# shellcheck disable=SC2086
		if $cc_cmd -c -o "$tmp/$name.o" "$tmp/$name.src" $cflags \
			>"$tmp/$name.log" 2>&1; then
			echo "FAIL $name: compiles"
			failures=$((failures + 1))
		elif ! grep -F -- "$5" "$tmp/$name.log" >/dev/null; then
			echo "FAIL $name: the error does not say \"$5\":"
			sed 's/^/    /' "$tmp/$name.log"
			failures=$((failures + 1))
		else
			echo "ok   $name"
		fi
		return
	fi
	# shellcheck disable=SC2086
	if $cc_cmd -o "$tmp/$name" "$tmp/$name.src" $flags \
		>"$tmp/$name.log" 2>&1; then
		if [ "$expect" = nolink ]; then
			echo "FAIL $name: links"
			failures=$((failures + 1))
			return
		fi
		code=0
		"$tmp/$name" a b || code=$?
		if [ "$code" != "$expect" ]; then
			echo "FAIL $name: exit $code, expected $expect"
			failures=$((failures + 1))
			return
		fi
	elif [ "$expect" != nolink ]; then
		echo "FAIL $name: does not build:"
		sed 's/^/    /' "$tmp/$name.log"
		failures=$((failures + 1))
		return
	elif ! grep -q "undefined reference to .wmain" "$tmp/$name.log"; then
		echo "FAIL $name: the link error does not name wmain:"
		sed 's/^/    /' "$tmp/$name.log"
		failures=$((failures + 1))
		return
	fi
	echo "ok   $name"
}

check c-main c 3 '#include <windows.h>
int main(int argc, char **argv) { (void)argv; return argc; }'
check c-wmain c 3 '#include <windows.h>
int wmain(int argc, wchar_t **argv) { return argv[2][0] == L'"'"'b'"'"' ? argc : 9; }'
check c-tmain-unicode c 3 '#define _UNICODE
#include <windows.h>
#include <tchar.h>
int _tmain(int argc, _TCHAR **argv) { return argv[1][0] == L'"'"'a'"'"' ? argc : 9; }'
check c-wmain-void c 5 '#include <windows.h>
int wmain(void) { return 5; }'
check cxx-wmain cxx 3 '#include <windows.h>
int wmain(int argc, wchar_t *argv[]) { return argv[2][0] == L'"'"'b'"'"' ? argc : 9; }'
check cxx-wmain-tchar cxx 3 '#include <tchar.h>
int wmain(int argc, wchar_t *argv[]) { (void)argv; return argc; }'
check cxx-wmain-noargs cxx 6 '#include <windows.h>
int wmain() { return 6; }'
check cxx-wmain-noargs-tchar cxx 6 '#include <tchar.h>
int wmain() { return 6; }'
# envp: the environment, wide for wmain and _tmain with _UNICODE.
export SHMAP_ENVP_CHECK=ok
envp_body='for (; *envp; envp++) if (!wcscmp(*envp, L"SHMAP_ENVP_CHECK=ok")) return argc; return 9; }'
check c-wmain-envp c 3 '#include <windows.h>
int wmain(int argc, wchar_t **argv, wchar_t **envp) { (void)argv; '"$envp_body"
check c-tmain-envp-unicode c 3 '#define _UNICODE
#include <windows.h>
#include <tchar.h>
int _tmain(int argc, _TCHAR **argv, _TCHAR **envp) { (void)argv; '"$envp_body"
check cxx-wmain-envp cxx 3 '#include <windows.h>
int wmain(int argc, wchar_t *argv[], wchar_t *envp[]) { (void)argv; '"$envp_body"
check cxx-tmain-envp-tchar cxx 3 '#define _UNICODE
#include <tchar.h>
int _tmain(int argc, _TCHAR *argv[], _TCHAR *envp[]) { (void)argv; '"$envp_body"
check c-main-envp c 3 '#include <windows.h>
#include <tchar.h>
int _tmain(int argc, _TCHAR **argv, _TCHAR **envp) { (void)argv; for (; *envp; envp++) if (!strcmp(*envp, "SHMAP_ENVP_CHECK=ok")) return argc; return 9; }'
check c-neither c nolink '#include <windows.h>
int helper(void) { return 1; }'
check cxx-neither cxx nolink '#include <windows.h>
#include <tchar.h>
int helper() { return 1; }'
check c-neither-bare c nolink 'int helper(void) { return 1; }'
for lang in c cxx; do
	check $lang-suspend $lang nocompile '#include <windows.h>
int main(void) { return (int)SuspendThread(GetCurrentThread()); }' \
		'cannot stop one thread from another'
	check $lang-terminate-thread $lang nocompile '#include <windows.h>
int main(void) { return TerminateThread(GetCurrentThread(), 1); }' \
		'cannot end one thread from another'
	check $lang-thread-priority $lang nocompile '#include <windows.h>
int main(void) { return SetThreadPriority(GetCurrentThread(), 2); }' \
		'SetThreadPriority is not available on Linux'
	check $lang-get-thread-priority $lang nocompile '#include <windows.h>
int main(void) { return GetThreadPriority(GetCurrentThread()); }' \
		'GetThreadPriority is not available on Linux'
	check $lang-readfileex $lang nocompile '#include <windows.h>
int main(void) { OVERLAPPED ov; char b[4]; return ReadFileEx(NULL, b, 4, &ov, NULL); }' \
		'ReadFileEx is not available: completion routines need alertable waits'
done

[ "$failures" -eq 0 ]
