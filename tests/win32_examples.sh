#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the build into a scratch prefix and builds every Win32 example
# (examples/win32/*.c) four ways with nothing but
# `pkg-config --cflags --libs shmap-win32`: as C11 and as C++17, each ANSI
# and UNICODE, with -Wall -Wextra -Werror; then runs each build and checks
# its output and exit code against what the program does on Windows.
# CC and CXX name the compilers (cc and c++ if unset).
set -eu
build=$1
src=$2
cc=${CC:-cc}
cxx=${CXX:-c++}
tmp=$(mktemp -d)
shm=
cleanup() {
	rm -rf "$tmp"
	if [ -n "$shm" ]; then rm -rf "$shm"; fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pcdir=$(dirname "$(find "$tmp/prefix" -name shmap-win32.pc)")
export PKG_CONFIG_PATH="$pcdir"
LD_LIBRARY_PATH=$(dirname "$(find "$tmp/prefix" -name libshmap-win32.so.0)")
export LD_LIBRARY_PATH
for h in windows.h Windows.h WinBase.h SDKDDKVer.h process.h tchar.h conio.h TlHelp32.h tlhelp32.h; do
	h=shmap-win32/$h
	test -f "$tmp/prefix/include/$h" || { echo "missing header $h"; exit 1; }
done
flags=$(pkg-config --cflags --libs shmap-win32)
# Every header spelling, together, as C and as C++, ANSI and UNICODE.
cat >"$tmp/allheaders.c" <<'EOF_H'
#include <SDKDDKVer.h>
#include <TlHelp32.h>
#include <Windows.h>
#include <WinBase.h>
#include <conio.h>
#include <process.h>
#include <tchar.h>
#include <windows.h>
#define NAME "n"
static int _cdecl old_cdecl(void) { return 0; }
static int _stdcall old_stdcall(void) { return 0; }
int _tmain(int argc, _TCHAR **argv)
{
	UNREFERENCED_PARAMETER(argv);
	TCHAR buf[64];
	wsprintf(buf, TEXT("%s%d"), TEXT(NAME), argc);
	if (argc > 99) {
		MessageBox(NULL, buf, TEXT("Process2"), MB_OK);
		_tperror(buf);
	}
	return lstrlen(buf) + _getpid() * 0 + (_kbhit() ? 0 : 0) +
	       old_cdecl() + old_stdcall();
}
EOF_H
for std in "$cc -std=c11" "$cxx -std=c++17 -x c++"; do
	for u in "" "-DUNICODE -D_UNICODE"; do
		$std -Wall -Wextra -Werror -fsyntax-only $u $(pkg-config --cflags shmap-win32) \
			"$tmp/allheaders.c" || { echo "header check failed: $std $u"; exit 1; }
	done
done

# A backing directory of our own, so a concurrent run cannot meet our names
# and we can see that every named object goes away with its last handle.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	shm=$(mktemp -d /dev/shm/shmap-w32ex.XXXXXX)
else
	shm=$tmp/shm
	mkdir "$shm"
fi
export SHMAP_DIR="$shm"

examples="named_writer named_reader struct_share parent_child single_instance file_view msdn_process1 msdn_process2
event_threads mutex_threads semaphore_threads named_mutex1 named_mutex2 redirect_parent child event_parent event_child view_guard"
variants="c-ansi c-unicode cxx-ansi cxx-unicode"
failures=0

# build VARIANT EXAMPLE: compiles examples/win32/EXAMPLE.c into $tmp/VARIANT.
build_one() {
	v=$1
	ex=$2
	case $v in
	c-*) cc_cmd="$cc -std=c11 -Wall -Wextra -Werror" ;;
	*) cc_cmd="$cxx -std=c++17 -Wall -Wextra -Werror -x c++" ;;
	esac
	case $v in
	*-unicode) defs="-DUNICODE -D_UNICODE" ;;
	*) defs="" ;;
	esac
	# As printed, redirect_parent gives an ANSI string to printf's "%S"
	# (a wide string): wrong on Windows too, and GCC says so.
	case $v-$ex in
	*-ansi-redirect_parent) defs="$defs -Wno-format" ;;
	esac
	mkdir -p "$tmp/$v"
	# shellcheck disable=SC2086
	if ! $cc_cmd $defs -o "$tmp/$v/$ex" "$src/examples/win32/$ex.c" $flags \
		>"$tmp/$v/$ex.build" 2>&1; then
		echo "FAIL $v $ex: does not build:"
		sed 's/^/    /' "$tmp/$v/$ex.build"
		return 1
	fi
	# The A/W macros pick the right calls: all of one kind, none of the other.
	if command -v nm >/dev/null 2>&1; then
		case $v in
		*-unicode) right=W wrong=A ;;
		*) right=A wrong=W ;;
		esac
		nm -u "$tmp/$v/$ex" | sed 's/@.*//' >"$tmp/$v/$ex.syms"
		aw='(FileMapping|Event|Mutex|Semaphore|Process|File)'
		# (child calls no function with A and W forms.)
		if grep -E "$aw$wrong\$" "$tmp/$v/$ex.syms" >/dev/null ||
			{ [ "$ex" != child ] &&
				! grep -E "$aw$right\$" "$tmp/$v/$ex.syms" >/dev/null; }; then
			echo "FAIL $v $ex: wrong A/W functions:"
			grep -E "$aw[AW]\$" "$tmp/$v/$ex.syms" | sed 's/^/    /'
			return 1
		fi
	fi
}

# run OUT EXPECTED_RC CMD...: runs CMD with a timeout, output to OUT.
run() {
	out=$1
	want=$2
	shift 2
	rc=0
	timeout 60 "$@" >"$out" 2>&1 </dev/null || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL $label: exit code $rc, expected $want; output:"
		sed 's/^/    /' "$out"
		return 1
	fi
}

# expect OUT LINE...: each LINE appears (as a fixed string) in OUT.
expect() {
	out=$1
	shift
	for line in "$@"; do
		if ! grep -F -- "$line" "$out" >/dev/null; then
			echo "FAIL $label: no line \"$line\" in the output:"
			sed 's/^/    /' "$out"
			return 1
		fi
	done
}

# No named object outlives the programs that had it open.
no_leftovers() {
	left=$(ls -A "$shm")
	if [ -n "$left" ]; then
		echo "FAIL $label: objects left in the backing directory: $left"
		rm -rf "${shm:?}"/* "${shm:?}"/.[!.]* 2>/dev/null || true
		return 1
	fi
}

test_named() {
	d=$tmp/$1
	o=$d/named.out
	# One command runs both: the writer starts the reader.
	run "$o" 0 "$d/named_writer" &&
	expect "$o" \
		'Writer: wrote "Message from first process." into Local\MyFileMappingObject.' \
		'Started the reader: ' \
		'Reader: Message from first process.' \
		'Writer: the reader has read the message.' \
		'Writer: the reader exited with code 0.' &&
	no_leftovers || return 1
	# Without a writer there is nothing to open: ERROR_FILE_NOT_FOUND.
	run "$o" 1 "$d/named_reader" &&
	expect "$o" 'Could not open file mapping object (2).' || return 1
	# Two unrelated processes: the reader started by hand.
	w=$d/named_wait.out
	(
		rc=0
		timeout 60 "$d/named_writer" /wait >"$w" 2>&1 </dev/null || rc=$?
		echo "writer exit code $rc" >>"$w"
	) &
	pid=$!
	n=0
	until grep -F 'Waiting for named_reader' "$w" >/dev/null 2>&1; do
		n=$((n + 1))
		if [ $n -gt 300 ]; then
			echo "FAIL $label: named_writer /wait never got ready:"
			sed 's/^/    /' "$w"
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			return 1
		fi
		sleep 0.1
	done
	ok=0
	run "$o" 0 "$d/named_reader" &&
	expect "$o" 'Reader: Message from first process.' || ok=1
	wait "$pid" || true
	[ $ok -eq 0 ] &&
	expect "$w" 'Writer: the reader has read the message.' 'writer exit code 0' &&
	no_leftovers
}

test_struct_share() {
	d=$tmp/$1
	o=$d/struct_share.out
	run "$o" 0 "$d/struct_share" &&
	expect "$o" \
		'parent: wrote record name="sensor-7" updates=5 total=15000' \
		'name="sensor-7" updates=5 total=15000' \
		'child: FILE_MAP_WRITE view refused, error 5 (ERROR_ACCESS_DENIED)' \
		'parent: child exited with code 0' &&
	no_leftovers || return 1
	# The child alone finds no mapping.
	run "$o" 2 "$d/struct_share" child &&
	expect "$o" 'child: OpenFileMapping failed (2)'
}

test_parent_child() {
	d=$tmp/$1
	o=$d/parent_child.out
	run "$o" 0 "$d/parent_child" &&
	expect "$o" \
		'parent: starting ' \
		'child: inherited mapping ' \
		'child: request: "ping from the parent"' \
		'parent: reply: "pong from child ' \
		'parent: child exit code 20 (request length 20): ok' &&
	no_leftovers
}

test_single_instance() {
	d=$tmp/$1
	o=$d/single_instance.out
	run "$o" 0 "$d/single_instance" &&
	expect "$o" \
		'No other instance is running: this is the only one.' \
		'Another instance is already running. Exiting.' \
		'Second instance exited with code 1: it saw this instance running' \
		'After closing the mutex, a new instance exited with code 0: it ran as the only instance' &&
	no_leftovers || return 1
	n=$(grep -c 'No other instance is running' "$o")
	if [ "$n" != 2 ]; then
		echo "FAIL $label: $n instances ran alone, expected 2:"
		sed 's/^/    /' "$o"
		return 1
	fi
}

test_file_view() {
	d=$tmp/$1
	o=$d/file_view.out
	mkdir -p "$d/files"
	# The files go in a given directory ...
	run "$o" 0 "$d/file_view" "$d/files" &&
	expect "$o" \
		'Wrote 43 bytes to ' \
		'Upper-cased 43 bytes through the view' \
		'Read back: THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG' \
		'Mapping an empty file fails with error 1006 (ERROR_FILE_INVALID)' \
		'Deleted the temporary files' || return 1
	if [ -n "$(ls -A "$d/files")" ]; then
		echo "FAIL $label: files left behind: $(ls -A "$d/files")"
		return 1
	fi
	# ... or in the current one.
	(cd "$d/files" && run "$o" 0 "$d/file_view") &&
	expect "$o" 'Read back: THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG' || return 1
	if [ -n "$(ls -A "$d/files")" ]; then
		echo "FAIL $label: files left behind: $(ls -A "$d/files")"
		return 1
	fi
	no_leftovers
}

# hold D HOLDER OUT SECOND OUT2 LINE [READY]: runs HOLDER (which keeps its
# object until a key comes on its stdin, _getch) with its output in OUT,
# waits until the file READY exists if given (a SECOND that can create the
# object must not run before HOLDER has made it), runs SECOND (output in
# OUT2) until it prints LINE, then sends the key. HOLDER's exit code is
# appended to OUT.
hold() {
	d=$1
	rm -f "$d/key"
	mkfifo "$d/key"
	(
		rc=0
		timeout 60 "$d/$2" <"$d/key" >"$3" 2>&1 || rc=$?
		echo "$2 exit code $rc" >>"$3"
	) &
	pid=$!
	exec 9>"$d/key"
	n=0
	while [ -n "${7:-}" ] && [ ! -e "$7" ]; do
		n=$((n + 1))
		if [ $n -gt 300 ]; then
			echo "FAIL $label: $2 never made $7:"
			sed 's/^/    /' "$3"
			exec 9>&-
			wait "$pid" || true
			return 1
		fi
		sleep 0.1
	done
	n=0
	until timeout 60 "$d/$4" >"$5" 2>&1 </dev/null &&
		grep -F -- "$6" "$5" >/dev/null; do
		n=$((n + 1))
		if [ $n -gt 300 ]; then
			echo "FAIL $label: $4 never opened what $2 holds:"
			sed 's/^/    /' "$5" "$3"
			exec 9>&-
			wait "$pid" || true
			return 1
		fi
		sleep 0.1
	done
	printf x >&9
	exec 9>&-
	wait "$pid" || true
}

# Whether this user may create Global names (root, or the shmap-global
# group), as SeCreateGlobalPrivilege decides on Windows.
global_ok() {
	[ "$(id -u)" = 0 ] || id -nG | tr ' ' '\n' | grep -qx shmap-global
}

# MSDN's pair as printed: process1 creates "Global\MyFileMappingObject"
# and holds it until a key comes on its stdin (_getch); process2, run
# meanwhile, shows the message with MessageBox (on stderr). Without the
# privilege, process1 fails as on Windows, with ERROR_ACCESS_DENIED.
test_msdn() {
	d=$tmp/$1
	o=$d/msdn2.out
	p=$d/msdn1.out
	if ! global_ok; then
		run "$p" 1 "$d/msdn_process1" &&
		expect "$p" 'Could not create file mapping object (5).' &&
		no_leftovers
		return
	fi
	hold "$d" msdn_process1 "$p" msdn_process2 "$o" \
		'Process2: Message from first process.' &&
	expect "$p" 'msdn_process1 exit code 0' &&
	no_leftovers || return 1
	# Once process1 has gone, so has the name.
	run "$o" 1 "$d/msdn_process2" &&
	expect "$o" 'Could not open file mapping object (2).'
}

# "Using Event Objects": four threads wait on a manual-reset event; one
# SetEvent releases them all, and none reads before the write.
test_event_threads() {
	d=$tmp/$1
	o=$d/event_threads.out
	run "$o" 0 "$d/event_threads" &&
	expect "$o" 'Main thread writing to the shared buffer...' \
		'Main thread waiting for threads to exit...' \
		'All threads ended, cleaning up for application exit...' || return 1
	for what in 'waiting for write event...' 'reading from buffer' 'exiting'; do
		n=$(grep -c "^Thread [0-9]* $what\$" "$o")
		if [ "$n" != 4 ]; then
			echo "FAIL $label: $n threads printed \"$what\", expected 4:"
			sed 's/^/    /' "$o"
			return 1
		fi
	done
	w=$(grep -n 'Main thread writing' "$o" | cut -d: -f1)
	r=$(grep -n 'reading from buffer' "$o" | head -1 | cut -d: -f1)
	if [ "$r" -lt "$w" ]; then
		echo "FAIL $label: a thread read before the event was set:"
		sed 's/^/    /' "$o"
		return 1
	fi
	no_leftovers
}

# "Using Mutex Objects": two threads write twenty times each, one at a
# time, each write in the mutex and released in a __finally block.
test_mutex_threads() {
	d=$tmp/$1
	o=$d/mutex_threads.out
	run "$o" 0 "$d/mutex_threads" || return 1
	n=$(grep -c '^Thread [0-9]* writing to database...$' "$o")
	per=$(sed -n 's/^Thread \([0-9]*\) writing to database...$/\1/p' "$o" | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')
	if [ "$n" != 40 ] || [ "$per" != "20 20 " ]; then
		echo "FAIL $label: $n writes ($per per thread), expected 40 (20 20):"
		sed 's/^/    /' "$o" | head -50
		return 1
	fi
	no_leftovers
}

# "Using Semaphore Objects": twelve threads, a count of ten; every thread
# gets through exactly once.
test_semaphore_threads() {
	d=$tmp/$1
	o=$d/semaphore_threads.out
	run "$o" 0 "$d/semaphore_threads" || return 1
	n=$(grep -c '^Thread [0-9]*: wait succeeded$' "$o")
	u=$(grep '^Thread [0-9]*: wait succeeded$' "$o" | sort -u | wc -l)
	if [ "$n" != 12 ] || [ "$u" != 12 ]; then
		echo "FAIL $label: $n successful waits by $u threads, expected 12 by 12"
		return 1
	fi
	if grep -v -E '^Thread [0-9]+: wait (succeeded|timed out)$' "$o" >/dev/null; then
		echo "FAIL $label: unexpected output:"
		grep -v -E '^Thread [0-9]+: wait (succeeded|timed out)$' "$o" | head | sed 's/^/    /'
		return 1
	fi
}

# "Using Named Objects": the first process creates the named mutex and
# holds it; the second opens it; a second creator opens the existing one;
# after the first has gone, the name is gone.
test_named_mutex() {
	d=$tmp/$1
	o=$d/named_mutex2.out
	p=$d/named_mutex1.out
	hold "$d" named_mutex1 "$p" named_mutex2 "$o" \
		'OpenMutex successfully opened the mutex.' &&
	expect "$p" 'CreateMutex created a new mutex.' 'named_mutex1 exit code 0' &&
	no_leftovers || return 1
	run "$o" 0 "$d/named_mutex2" &&
	expect "$o" 'OpenMutex error: 2' || return 1
	# Two first processes: the second finds the first's mutex.
	q=$d/named_mutex1b.out
	hold "$d" named_mutex1 "$p" named_mutex1 "$q" \
		'CreateMutex opened an existing mutex' \
		"$shm/shmap.u$(id -u).NameOfMutexObject" &&
	expect "$p" 'CreateMutex created a new mutex.' &&
	no_leftovers
}

# "Creating a Child Process with Redirected Input and Output": the parent
# starts "child" from its own directory with pipes for its standard
# handles, feeds it a file and copies out what it writes back.
test_redirect() {
	d=$tmp/$1
	o=$d/redirect.out
	in=$d/redirect_in.txt
	printf 'first line of the input file\nsecond line, and the last\n' >"$in"
	(cd / && run "$o" 0 "$d/redirect_parent" "$in") &&
	expect "$o" '->Start of parent execution.' \
		'first line of the input file' 'second line, and the last' \
		' ** This is a message from the child process. ** ' \
		'->Contents of child process STDOUT:' \
		'->End of parent execution.' || return 1
	case $1 in
	*-unicode) expect "$o" "->Contents of $in written to child STDIN pipe." || return 1 ;;
	esac
	# No input file: ErrorExit's message box, the last error (none), exit 1.
	run "$o" 1 "$d/redirect_parent" &&
	expect "$o" 'Error: Please specify an input file.' \
		' failed with error 0: The operation completed successfully.' || return 1
	run "$o" 1 "$d/redirect_parent" "$d/no such file" &&
	expect "$o" 'Error: CreateFile failed with error 2: The system cannot find the file specified.' &&
	no_leftovers
}

# A parent that starts "../Debug/Process2.exe" with an empty command line
# and talks to it through a named mapping and two named events.
test_event_pair() {
	d=$tmp/$1
	o=$d/event_pair.out
	mkdir -p "$d/Debug"
	cp "$d/event_child" "$d/Debug/Process2"
	(cd "$d/Debug" && run "$o" 0 "$d/event_parent") &&
	expect "$o" 'Process1: started Process2 with an empty command line.' \
		'Process2: request: Hello from Process1' \
		'Process1: reply: Hello from Process2' \
		'Process1: Process2 exited with code 0.' &&
	no_leftovers || return 1
	run "$o" 2 "$d/event_child" &&
	expect "$o" 'Process2: OpenFileMapping failed (2).'
}

test_view_guard() {
	d=$tmp/$1
	o=$d/view_guard.out
	mkdir -p "$d/vg"
	run "$o" 0 "$d/view_guard" "$d/vg" &&
	expect "$o" \
		"Read 'g' from the view" \
		'Writing to the read-only view raised 0xC0000005 (EXCEPTION_ACCESS_VIOLATION), a write at offset 0' \
		'The __finally block unmapped the view (normal)' || return 1
	if [ -n "$(ls -A "$d/vg")" ]; then
		echo "FAIL $label: files left behind: $(ls -A "$d/vg")"
		return 1
	fi
}

for v in $variants; do
	broken=" "
	for ex in $examples; do
		if ! build_one "$v" "$ex"; then
			broken="$broken$ex "
			failures=$((failures + 1))
		fi
	done
	for t in named struct_share parent_child single_instance file_view msdn \
		event_threads mutex_threads semaphore_threads named_mutex redirect event_pair view_guard; do
		label="$v $t"
		case $t in
		named) needs="named_writer named_reader" ;;
		msdn) needs="msdn_process1 msdn_process2" ;;
		named_mutex) needs="named_mutex1 named_mutex2" ;;
		redirect) needs="redirect_parent child" ;;
		event_pair) needs="event_parent event_child" ;;
		*) needs=$t ;;
		esac
		skip=0
		for ex in $needs; do
			case $broken in *" $ex "*) skip=1 ;; esac
		done
		if [ $skip -eq 1 ]; then
			echo "skip $label: not built"
		elif "test_$t" "$v"; then
			echo "ok   $label"
		else
			failures=$((failures + 1))
		fi
	done
done

if [ $failures -ne 0 ]; then
	echo "win32 examples: $failures failure(s)"
	exit 1
fi
echo "win32 examples: all built 4 ways (C, C++; ANSI, UNICODE) and ran: ok"
