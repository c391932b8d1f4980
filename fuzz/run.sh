#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs one fuzz target: run.sh BIN SEEDS KNOWN SECONDS [WORK]
#   BIN      the libFuzzer binary
#   SEEDS    its seed corpus (read only)
#   KNOWN    the known-bugs list the target steps around ("" for none)
#   SECONDS  how long to fuzz after replaying the corpus
#   WORK     where new inputs go (kept between runs); a scratch dir if unset
# Crash inputs land in WORK/../crashes/ (or the scratch dir). Exits with
# libFuzzer's status: 0 when nothing was found.
set -u
bin=$1 seeds=$2 known=$3 secs=$4 work=${5:-}
name=$(basename "$bin")
if [ ! -x "$bin" ]; then
	echo "skipped: $name: not built"
	exit 77
fi
case $name in
fuzz_name) maxlen=4096 ;;
fuzz_handles) maxlen=2048 ;;
*) maxlen=12288 ;;
esac
scratch=
if [ -z "$work" ]; then
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/shmap-fuzz-run.XXXXXX")
	work=$scratch/corpus
fi
crashes=$(dirname "$work")/crashes
mkdir -p "$work" "$crashes"
SHMAP_FUZZ_KNOWN_BUGS=$known \
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:handle_abort=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
	-max_len="$maxlen" -print_final_stats=1 \
	-artifact_prefix="$crashes/" "$work" "$seeds"
rc=$?
if [ -n "$scratch" ]; then
	if [ "$rc" -ne 0 ] && [ -n "$(ls -A "$crashes")" ]; then
		echo "$name: crash inputs kept in $crashes" >&2
	else
		rm -rf "$scratch"
	fi
fi
exit $rc
