#!/bin/sh
# SPDX-License-Identifier: MIT
# A test of a normal build: builds the fuzz targets with clang in a build
# directory of their own (once; later runs only check it is up to date),
# then runs one target on its seed corpus and for FUZZ_SHORT_SECONDS (5).
# Exits 77 (skipped) without clang and libFuzzer, or if the target is not
# built in this tree.
#   short.sh SOURCE_DIR FUZZ_BUILD_DIR TARGET
set -u
src=$1 bdir=$2 t=$3
if ! command -v clang >/dev/null 2>&1; then
	echo "skipped: $t: clang not found"
	exit 77
fi
mkdir -p "$bdir"
probe=$bdir/probe.c
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)
{ (void)d; (void)n; return 0; }' >"$probe"
if ! clang -fsanitize=fuzzer,address,undefined "$probe" -o "$bdir/probe" \
	>/dev/null 2>&1; then
	echo "skipped: $t: clang cannot link libFuzzer (libclang-rt-dev missing?)"
	exit 77
fi
# One build at a time, however the tests are scheduled.
(
	flock 9
	CC=clang CXX=clang++ cmake -S "$src" -B "$bdir" -DSHMAP_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
		cmake --build "$bdir" -j2 --target fuzz_targets >/dev/null
) 9>"$bdir.lock" || {
	echo "building the fuzz targets failed"
	exit 1
}
if [ ! -x "$bdir/fuzz/$t" ]; then
	echo "skipped: $t: not built in this tree"
	exit 77
fi
exec sh "$src/fuzz/run.sh" "$bdir/fuzz/$t" "$src/fuzz/corpus/$t" \
	"$src/fuzz/known-bugs" "${FUZZ_SHORT_SECONDS:-5}"
