#!/bin/sh
# SPDX-License-Identifier: MIT
#
# abi/check.sh SRCDIR LIBSHMAP LIBSHMAP_WIN32
#   Compares the ABI of each library (built with -g) with its committed
#   baseline, abi/libshmap.abi and abi/libshmap-win32.abi, with abidiff
#   (Debian: abigail-tools). Any difference fails: a change of a public
#   function, type or struct layout, a function added or removed. The
#   types are those the public headers define (include/shmap/,
#   include/win32/); the private functions libshmap-win32 calls are left
#   out (abi/suppressions.abignore). Exit 0 pass, 1 fail, 77 skipped
#   (no abidiff, or libraries without debug information).
# abi/check.sh --update SRCDIR LIBSHMAP LIBSHMAP_WIN32
#   Writes the baselines anew from the libraries (make abi-baseline): for
#   an intended ABI change only; see "ABI policy" in README.md.
set -u
update=0
if [ "${1:-}" = --update ]; then
	update=1
	shift
fi
src=$1 lib=$2 w32=$3

for tool in abidiff abidw; do
	if ! command -v $tool >/dev/null 2>&1; then
		why="$tool not found (Debian: apt-get install abigail-tools)"
		[ $update = 1 ] && { echo "$why"; exit 1; }
		echo "skipped: abi_check: $why"
		exit 77
	fi
done
for l in "$lib" "$w32"; do
	if ! readelf -S "$l" 2>/dev/null | grep -q '\.debug_info'; then
		why="$l has no debug information (build with -g: RelWithDebInfo or Debug)"
		[ $update = 1 ] && { echo "$why"; exit 1; }
		echo "skipped: abi_check: $why"
		exit 77
	fi
done

supp=$src/abi/suppressions.abignore
fail=0
# one NAME LIB HEADERS: checks (or writes) the baseline abi/NAME.abi.
one() {
	base=$src/abi/$1.abi
	if [ $update = 1 ]; then
		abidw --no-corpus-path --no-comp-dir-path --short-locs \
			--type-id-style hash --drop-undefined-syms \
			--headers-dir "$3" --drop-private-types \
			--suppressions "$supp" --out-file "$base" "$2" || fail=1
		echo "wrote $base"
		return
	fi
	out=$(abidiff --suppressions "$supp" --headers-dir2 "$3" \
		--drop-private-types --no-show-locs "$base" "$2" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		echo "$1: the ABI of $2 is the baseline's"
		return
	fi
	fail=1
	[ $((rc & 8)) != 0 ] && what="an incompatible ABI change" || what="an ABI change"
	echo "FAIL $1: $what against abi/$1.abi (abidiff exit $rc):"
	echo "$out" | sed 's/^/    /'
	echo "If the change is intended, run 'make abi-baseline' and commit the"
	echo "baseline with it; see \"ABI policy\" in README.md for what it asks."
}

one libshmap "$lib" "$src/include/shmap"
one libshmap-win32 "$w32" "$src/include/win32"
exit $fail
