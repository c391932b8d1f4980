#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the build into a scratch prefix, moves it (an install is
# relocatable), then builds and runs programs against it as a user would:
# with pkg-config, and as a CMake project with find_package; last, the
# same project with the source tree as its part (add_subdirectory). CC and
# CXX name the compilers (cc and c++ if unset).
set -eu
build=$1
src=$2
cc=${CC:-cc}
cxx=${CXX:-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# quiet CMD...: runs CMD, showing its output only if it fails.
quiet() {
	"$@" >"$tmp/log" 2>&1 || { cat "$tmp/log"; echo "failed: $*"; exit 1; }
}
cmake --install "$build" --prefix "$tmp/installed" >/dev/null
if grep -rl "$tmp/installed" "$tmp/installed"; then
	echo "the install names its own prefix"
	exit 1
fi
mv "$tmp/installed" "$tmp/prefix"
pcdir=$(dirname "$(find "$tmp/prefix" -name shmap.pc)")
export PKG_CONFIG_PATH="$pcdir"
for h in shmap.h shmap/common.h shmap/object.h shmap/map.h shmap/guard.h shmap/sync.h; do
	test -f "$tmp/prefix/include/$h" || { echo "missing header $h"; exit 1; }
done
for m in man1/shmap.1 man7/shmap.7 man3/shmap_map_create.3 man3/shmap_view_write.3; do
	test -f "$tmp/prefix/share/man/$m" || { echo "missing man page $m"; exit 1; }
done
test -x "$tmp/prefix/bin/shmap" || { echo "missing tool"; exit 1; }
ls "$tmp"/prefix/lib*/libshmap.a "$tmp"/prefix/lib*/libshmap.so.0 >/dev/null
"$cc" -std=c11 -Wall -Wextra -Werror -o "$tmp/hello" "$src/examples/hello.c" \
	$(pkg-config --cflags --libs shmap)
LD_LIBRARY_PATH=$(dirname "$(find "$tmp/prefix" -name libshmap.so.0)") \
	"$tmp/hello" | grep -q "child read: hello from the parent"
# Or through an rpath to the prefix's libdir, as the README says.
"$cc" -std=c11 -o "$tmp/hello-rpath" "$src/examples/hello.c" \
	$(pkg-config --cflags --libs shmap) -Wl,-rpath,"$(pkg-config --variable=libdir shmap)"
"$tmp/hello-rpath" | grep -q "child read: hello from the parent"
# Strict C11 with -pedantic, and C++, compile against the headers.
"$cc" -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only $(pkg-config --cflags shmap) "$src/examples/hello.c"
"$cxx" -std=c++11 -Wall -Wextra -Werror -o "$tmp/consumer" "$src/tests/consumer.cpp" \
	$(pkg-config --cflags --libs shmap)
LD_LIBRARY_PATH=$(dirname "$(find "$tmp/prefix" -name libshmap.so.0)") \
	"$tmp/consumer" | grep -q "c++ consumer: ok"
# The static library links too.
"$cc" -std=c11 -o "$tmp/hello-static" "$src/examples/hello.c" \
	$(pkg-config --cflags shmap) "$pcdir/../libshmap.a" -pthread
"$tmp/hello-static" | grep -q "child read"
# The Win32 layer: its shared library needs libshmap and defines none of
# its symbols (one library state in a process); its archives link with
# libshmap's, in that order.
lib=$(dirname "$(find "$tmp/prefix" -name libshmap.so.0)")
objdump -p "$lib/libshmap-win32.so.0" | grep -q 'NEEDED *libshmap\.so\.0'
syms() { nm -D --defined-only "$1" | awk '{ sub(/@.*/, "", $3); print $3 }' | sort; }
syms "$lib/libshmap.so.0" >"$tmp/native.syms"
syms "$lib/libshmap-win32.so.0" | comm -12 - "$tmp/native.syms" >"$tmp/both.syms"
test ! -s "$tmp/both.syms" || { echo "libshmap-win32 defines libshmap's:"; cat "$tmp/both.syms"; exit 1; }
"$cc" -std=c11 -Wall -Wextra -Werror -o "$tmp/win32-static" "$src/tests/consumer/win32.c" \
	$(pkg-config --cflags shmap-win32) "$lib/libshmap-win32main.a" \
	"$lib/libshmap-win32.a" "$lib/libshmap.a" -pthread
"$tmp/win32-static" | grep -q "win32 consumer.*: ok"
# The SONAME is the major version.
objdump -p "$(find "$tmp/prefix" -name 'libshmap.so.0.*')" | grep -q 'SONAME.*libshmap.so.0'
# The Python package, moved with the prefix, loads the prefix's library
# through the relative path its shmap/_paths.py records.
if command -v python3 >/dev/null; then
	pkg=$(dirname "$(find "$tmp/prefix" -path '*/shmap/_paths.py')")
	got=$(cd "$tmp" && env -u SHMAP_LIBRARY PYTHONPATH="$(dirname "$pkg")" \
		python3 -c 'import shmap; print(shmap.library_path)')
	[ "$got" = "$lib/libshmap.so.0" ] ||
		{ echo "the installed Python package loaded ${got:-nothing}, not $lib/libshmap.so.0"; exit 1; }
fi

# consumer DIR: runs the consumer project's programs built in DIR, finding
# the shared libraries through the build's rpath.
consumer() {
	for p in hello test_map; do
		"$1/$p" | grep -q "child read: hello from the parent" ||
			{ echo "$1/$p failed"; exit 1; }
	done
	for p in demo_writer seedgen; do
		"$1/$p" | grep -q "win32 consumer (1 argument(s), first .*$p): ok" ||
			{ echo "$1/$p failed"; exit 1; }
	done
}
quiet cmake -S "$src/tests/consumer" -B "$tmp/find_package" \
	-DCMAKE_PREFIX_PATH="$tmp/prefix"
quiet cmake --build "$tmp/find_package" -j2
consumer "$tmp/find_package"
# Before 1.0 a request for an earlier minor version is refused (a minor
# release may break what the one before gave).
ver=$(sed -n 's/^Version: //p' "$pcdir/shmap.pc")
major=${ver%%.*} minor=$(echo "$ver" | cut -d. -f2)
if [ "$major" = 0 ] && [ "$minor" -gt 0 ]; then
	printf 'cmake_minimum_required(VERSION 3.16)\nproject(v C)\nfind_package(shmap 0.%s CONFIG REQUIRED)\n' \
		$((minor - 1)) >"$tmp/CMakeLists.txt"
	if cmake -S "$tmp" -B "$tmp/version" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null 2>&1; then
		echo "find_package gave $ver for a request of 0.$((minor - 1))"
		exit 1
	fi
fi

# As a part of the consumer: only the libraries are built, warnings are
# not errors, and the consumer's target names are its own.
quiet cmake -S "$src/tests/consumer" -B "$tmp/add_subdirectory" \
	-DSHMAP_SOURCE_DIR="$src"
for o in SHMAP_BUILD_TESTS SHMAP_BUILD_EXAMPLES SHMAP_WERROR SHMAP_INSTALL; do
	grep -q "^$o:BOOL=OFF" "$tmp/add_subdirectory/CMakeCache.txt" ||
		{ echo "$o is not OFF in a consumer's build"; exit 1; }
done
quiet cmake --build "$tmp/add_subdirectory" -j2
consumer "$tmp/add_subdirectory"
echo "install; pkg-config, find_package and add_subdirectory builds and runs: ok"
