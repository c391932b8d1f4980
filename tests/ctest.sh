#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs ctest --output-on-failure with the arguments given, in the current
# build directory, then lists the cases it skipped and why: the
# "skipped: <case>: <reason>" lines of each test's output, which ctest
# itself shows only for a failed test. Exits with ctest's status.
ctest --output-on-failure "$@"
rc=$?
log=Testing/Temporary/LastTest.log
if [ -f "$log" ]; then
	awk '/^[0-9]+\/[0-9]+ Test: / { t = $3 }
	     /^skipped: / { sub(/^skipped: /, ""); n++; s = s "  " t ": " $0 "\n" }
	     END { if (n) printf "Skipped here, and why (%d):\n%s", n, s }' "$log"
fi
exit $rc
