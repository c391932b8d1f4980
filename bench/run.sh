#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every benchmark of a build directory and prints their tables.
# Usage: bench/run.sh [build-dir]
set -eu
build=${1:-build}
echo "== object lifetime (bench_lifetime) =="
"$build/bench/bench_lifetime"
echo
echo "== event ping-pong (bench_sync) =="
"$build/bench/bench_sync"
echo
echo "== Win32 process wait wake-up (bench_w32_wait) =="
"$build/bench/bench_w32_wait"
