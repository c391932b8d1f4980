#!/bin/sh
# SPDX-License-Identifier: MIT
# Every source file names its licence in its first lines (after a #! line)
# with an SPDX-License-Identifier: MIT line, as README's Licence section
# says. Data that cannot carry a comment is left out: the fuzz corpus, the
# ABI baselines, the benchmark charts and figures make bench wrote
# (docs/bench), LICENSE itself and the Debian files whose format has no
# comments (debian/copyright states the licence for the whole tree).
set -eu
src=$1
cd "$src"
if [ -e .git ] && command -v git >/dev/null; then
	files=$(git ls-files)
else
	files=$(find . -path ./.git -prune -o -path './build*' -prune -o \
		-path ./obj-* -prune -o -path ./debian/tmp -prune -o \
		-type f -print | sed 's|^\./||')
fi
failures=0
checked=0
for f in $files; do
	[ -L "$f" ] && continue
	[ -f "$f" ] || continue
	case "$f" in
	fuzz/corpus/* | abi/*.abi | docs/bench/*.png | docs/bench/*.csv | \
		*.install | LICENSE | debian/changelog | debian/control | \
		debian/copyright | debian/source/format)
		continue
		;;
	debian/*/* | debian/files | debian/*.substvars | debian/*.log | \
		debian/debhelper-build-stamp)
		continue # what a package build leaves in the tree
		;;
	esac
	checked=$((checked + 1))
	if ! head -3 "$f" | grep -q 'SPDX-License-Identifier: MIT'; then
		echo "FAIL $f: no SPDX-License-Identifier: MIT line in its first lines"
		failures=$((failures + 1))
	fi
done
if [ "$checked" -lt 100 ]; then
	echo "FAIL only $checked files found under $src"
	exit 1
fi
echo "$checked files checked, $failures without a licence line"
[ "$failures" -eq 0 ]
