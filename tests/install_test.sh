#!/bin/sh
# Installs the build into a scratch prefix, then builds and runs a program
# against it with nothing but pkg-config, as a user would.
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
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
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/hello" "$src/examples/hello.c" \
	$(pkg-config --cflags --libs shmap)
LD_LIBRARY_PATH=$(dirname "$(find "$tmp/prefix" -name libshmap.so.0)") \
	"$tmp/hello" | grep -q "child read: hello from the parent"
# Strict C11 with -pedantic, and C++, compile against the headers.
cc -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only $(pkg-config --cflags shmap) "$src/examples/hello.c"
c++ -std=c++11 -Wall -Wextra -Werror -o "$tmp/consumer" "$src/tests/consumer.cpp" \
	$(pkg-config --cflags --libs shmap)
LD_LIBRARY_PATH=$(dirname "$(find "$tmp/prefix" -name libshmap.so.0)") \
	"$tmp/consumer" | grep -q "c++ consumer: ok"
# The static library links too.
cc -std=c11 -o "$tmp/hello-static" "$src/examples/hello.c" \
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
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/win32-static" "$src/tests/consumer/win32.c" \
	$(pkg-config --cflags shmap-win32) "$lib/libshmap-win32main.a" \
	"$lib/libshmap-win32.a" "$lib/libshmap.a" -pthread
"$tmp/win32-static" | grep -q "win32 consumer.*: ok"
# The SONAME is the major version.
objdump -p "$(find "$tmp/prefix" -name 'libshmap.so.0.*')" | grep -q 'SONAME.*libshmap.so.0'
echo "install, pkg-config build and run: ok"
