#!/bin/sh
# SPDX-License-Identifier: MIT
# deb_test.sh DIR SRC: checks the Debian packages that `make deb` left in
# DIR: lintian finds no error, each package holds what it should and
# depends as it should; then unpacks them into a scratch root and builds
# and runs programs against them as a user of the packages would, with
# pkg-config and with CMake's find_package (the Win32 targets as the
# component win32, and the native package alone without them), and a
# round trip between two processes with python3-shmap's module.
set -eu
dir=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "deb: $*"; exit 1; }
# quiet CMD...: runs CMD, showing its output only if it fails.
quiet() {
	"$@" >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "failed: $*"; }
}

ver=$(cd "$src" && dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
# deb PACKAGE: its file (python3-shmap is Architecture: all).
deb() {
	case $1 in
	python3-*) echo "$dir/${1}_${ver}_all.deb" ;;
	*) echo "$dir/${1}_${ver}_$arch.deb" ;;
	esac
}
all="libshmap0 libshmap-dev libshmap-win32-0 libshmap-win32-dev shmap-tools python3-shmap"
for p in $all; do
	test -f "$(deb $p)" || fail "no package $p"
done

if command -v lintian >/dev/null; then
	lrc=0
	lintian --fail-on error "$dir/shmap_${ver}_$arch.changes" >"$tmp/lintian" 2>&1 || lrc=$?
	# As root lintian says it would rather not be; nothing else is hidden.
	grep -v '^running with root privileges' "$tmp/lintian" || true
	test "$lrc" = 0 || fail "lintian reports errors"
else
	echo "deb: lintian is not installed, not run"
fi

# has PACKAGE PATH...: the package holds each path (a file or a link).
has() {
	p=$1
	shift
	dpkg-deb -c "$(deb "$p")" | awk '{ print $6 }' >"$tmp/list"
	for f; do
		grep -qx "\./$f" "$tmp/list" || fail "$p lacks $f"
	done
}
L=usr/lib/$ma
has libshmap0 $L/libshmap.so.0
has libshmap-dev usr/include/shmap.h usr/include/shmap/map.h $L/libshmap.so \
	$L/libshmap.a $L/pkgconfig/shmap.pc $L/cmake/shmap/shmapConfig.cmake \
	$L/cmake/shmap/shmapConfigVersion.cmake $L/cmake/shmap/shmapTargets.cmake \
	usr/share/man/man3/shmap_map_create.3.gz usr/share/man/man7/shmap.7.gz
has libshmap-win32-0 $L/libshmap-win32.so.0
has libshmap-win32-dev usr/include/shmap-win32/windows.h $L/libshmap-win32.so \
	$L/libshmap-win32.a $L/libshmap-win32main.a $L/pkgconfig/shmap-win32.pc \
	$L/cmake/shmap/shmapWin32Targets.cmake
has shmap-tools usr/bin/shmap usr/share/man/man1/shmap.1.gz
P=usr/lib/python3/dist-packages/shmap
has python3-shmap $P/__init__.py $P/_lib.py $P/_paths.py $P/sync.py
dpkg-deb -c "$(deb python3-shmap)" | grep -q '__pycache__\|\.pyc$' &&
	fail "python3-shmap holds byte-compiled files"
# The Win32 library uses libshmap's private symbols: it takes only the
# libshmap0 of its own build, and its development package only that
# libshmap-dev.
deps() { dpkg-deb -f "$(deb "$1")" Depends; }
deps libshmap-win32-0 | grep -q "libshmap0 (= $ver)" ||
	fail "libshmap-win32-0 does not depend on libshmap0 (= $ver)"
deps libshmap-win32-dev | grep -q "libshmap-dev (= $ver)" ||
	fail "libshmap-win32-dev does not depend on libshmap-dev (= $ver)"
deps libshmap-dev | grep -q "libshmap0 (= $ver)" ||
	fail "libshmap-dev does not depend on libshmap0 (= $ver)"
deps python3-shmap | grep -q "libshmap0 (>= $ver)" ||
	fail "python3-shmap does not depend on libshmap0 (>= $ver)"
deps python3-shmap | grep -q "python3" || fail "python3-shmap does not depend on python3"

# The native packages alone, then all five.
for p in libshmap0 libshmap-dev; do dpkg -x "$(deb $p)" "$tmp/native"; done
for p in $all; do
	dpkg -x "$(deb $p)" "$tmp/root"
done
root=$tmp/root
"$root/usr/bin/shmap" version | grep -qx "${ver%-*}" || fail "shmap version"

export PKG_CONFIG_PATH="$root/$L/pkgconfig"
export LD_LIBRARY_PATH="$root/$L"
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/hello" "$src/examples/hello.c" \
	$(pkg-config --cflags --libs shmap)
"$tmp/hello" | grep -q "child read: hello from the parent" || fail "hello (pkg-config)"
ldd "$tmp/hello" | grep -q "$root/$L/libshmap.so.0" || fail "hello took another libshmap"
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/win32" "$src/tests/consumer/win32.c" \
	$(pkg-config --cflags --libs shmap-win32)
"$tmp/win32" | grep -q "win32 consumer.*: ok" || fail "win32 consumer (pkg-config)"
unset PKG_CONFIG_PATH LD_LIBRARY_PATH

# find_package: the consumer project's four programs, shared and static,
# native and Win32, found through the build's rpath.
quiet cmake -S "$src/tests/consumer" -B "$tmp/find_package" -DCMAKE_PREFIX_PATH="$root/usr"
quiet cmake --build "$tmp/find_package" -j2
for p in hello test_map; do
	"$tmp/find_package/$p" | grep -q "child read: hello from the parent" ||
		fail "$p (find_package)"
done
for p in demo_writer seedgen; do
	"$tmp/find_package/$p" | grep -q "win32 consumer.*: ok" || fail "$p (find_package)"
done

# component PREFIX COMPONENTS: configures a project asking for shmap with
# those components from PREFIX.
component() {
	mkdir -p "$tmp/c"
	printf 'cmake_minimum_required(VERSION 3.16)\nproject(c C)\nfind_package(shmap CONFIG REQUIRED %s)\n' \
		"$2" >"$tmp/c/CMakeLists.txt"
	rm -rf "$tmp/c/build"
	cmake -S "$tmp/c" -B "$tmp/c/build" -DCMAKE_PREFIX_PATH="$1" >"$tmp/log" 2>&1
}
component "$root/usr" "COMPONENTS win32" || { cat "$tmp/log"; fail "component win32"; }
component "$tmp/native/usr" "" || { cat "$tmp/log"; fail "libshmap-dev alone"; }
if component "$tmp/native/usr" "COMPONENTS win32"; then
	fail "component win32 found without libshmap-win32-dev"
fi

# The module as installed: its _paths.py finds the package's
# $L/libshmap.so.0 (PYTHONPATH stands for /usr/lib/python3/dist-packages,
# nothing else names a library), then a SharedMemory and two events
# between two processes.
grep -q '^LIBRARY = "[./]*/{multiarch}/libshmap.so.0"$' "$root/$P/_paths.py" ||
	fail "python3-shmap's _paths.py does not name {multiarch}/libshmap.so.0"
py3=$(command -v /usr/bin/python3 || command -v python3 || true)
if [ -n "$py3" ]; then
	want=$root/$L/libshmap.so.0
	got=$(cd "$tmp" && env -u SHMAP_LIBRARY -u LD_LIBRARY_PATH \
		PYTHONPATH="$root/usr/lib/python3/dist-packages" PYTHONDONTWRITEBYTECODE=1 \
		"$py3" -c "import shmap; print(shmap.library_path)")
	[ "$got" = "$want" ] || fail "python3-shmap loaded ${got:-nothing}, not $want"
	mkdir "$tmp/objects"
	(cd "$tmp" && env -u SHMAP_LIBRARY -u LD_LIBRARY_PATH SHMAP_DIR="$tmp/objects" \
		PYTHONPATH="$root/usr/lib/python3/dist-packages" PYTHONDONTWRITEBYTECODE=1 \
		"$py3" "$src/tests/python_roundtrip.py") >"$tmp/py.log" 2>&1 ||
		{ cat "$tmp/py.log"; fail "python3-shmap round trip"; }
	grep -qx "library: $(readlink -f "$want")" "$tmp/py.log" ||
		{ cat "$tmp/py.log"; fail "python3-shmap round trip: another library"; }
else
	echo "deb: python3 is not installed, python3-shmap not run"
fi
echo "deb: lintian; contents; pkg-config and find_package builds and runs; python3-shmap round trip: ok"
