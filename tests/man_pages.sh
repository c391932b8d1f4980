#!/bin/sh
# SPDX-License-Identifier: MIT
# Every function libshmap.so exports has a man page in docs/man (a page of
# its own or an alias symlink to the page that documents it), and every
# page, aliases included, renders with `man -l` from the source tree
# without a warning.
set -eu
lib=$1
src=$2
failures=0
if ! command -v nm >/dev/null; then
	echo "skipped: man_pages: no nm to list what $lib exports"
	exit 77
fi
for f in $(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' |
	sed 's/@.*//' | grep '^shmap_' | grep -v '^shmap__' | sort -u); do
	if [ ! -e "$src/docs/man/$f.3" ]; then
		echo "FAIL $f: exported, but docs/man/$f.3 does not exist"
		failures=$((failures + 1))
	fi
done
if command -v man >/dev/null; then
	for p in "$src"/docs/man/*.[137]; do
		out=$(MANPAGER=cat MANWIDTH=80 man -l "$p" 2>&1 >/dev/null) || true
		if [ -n "$out" ]; then
			echo "FAIL $(basename "$p"): man -l says:"
			echo "$out" | sed 's/^/    /'
			failures=$((failures + 1))
		fi
	done
else
	echo "note: no man here; only the page list was checked"
fi
[ "$failures" -eq 0 ] && echo "man pages: ok"
[ "$failures" -eq 0 ]
