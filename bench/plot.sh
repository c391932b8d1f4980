#!/bin/sh
# SPDX-License-Identifier: MIT
# Draws bench_chan's figures (its CSV: figure,method,size,unit,min,median,
# max) as two PNG charts with gnuplot: roundtrip.png (a panel per message
# size) and throughput.png (64 B and 1 MiB one-way, and the zero-copy cost
# by size). Bars are medians, whiskers the min and max of the runs; shmap
# is blue, the raw floors and memcpy dark grey, kernel transports light
# grey, other libraries orange.
# Usage: bench/plot.sh results.csv out-dir [runs]
set -eu
csv=$1
out=$2
runs=${3:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shmap-plot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# panel FILE FIGURE SIZES: the rows of one panel, tab-separated
# (label, median, min, max, colour), shmap first, then floors, kernel,
# libraries. The zero-copy cost panel is labelled by size instead.
panel() {
	awk -F, -v fig="$2" -v sizes=" $3 " '
	function sizename(s) {
		return s == 8 ? "8 B" : s == 64 ? "64 B" : s == 4096 ? "4 KiB" : "1 MiB"
	}
	NR > 1 && $1 == fig && index(sizes, " " $3 " ") {
		m = $2
		if (m ~ /^shmap/) { k = 0; c = 1402304 }            # #1565c0
		else if (m ~ /^raw|^memcpy/) { k = 1; c = 6381921 } # #616161
		else if (m ~ /^eventfd|^pipe|^unix/) { k = 2; c = 12434877 } # #bdbdbd
		else { k = 3; c = 15690752 }                        # #ef6c00
		if (fig == "zerocopy_cost") m = sizename($3)
		else if ($3 == 8) m = m " (8 B)"
		printf "%d\t%05d\t%s\t%s\t%s\t%s\t%d\n", k, NR, m, $6, $5, $7, c
	}' "$csv" | sort -t"$(printf '\t')" -k1,1n -k2,2n | cut -f3- >"$1"
}

# The gnuplot lines of one panel: a log axis from a power of ten below
# the smallest figure to one well past the largest, with room for labels.
plot_panel() { # FILE TITLE XLABEL FORMAT ORIGIN-Y HEIGHT
	n=$(wc -l <"$1")
	echo "set origin 0,$5"
	echo "set size 1,$6"
	if [ "$n" -eq 0 ]; then
		printf 'set title "%s: not measured"\nunset ytics\nplot 1/0 notitle\nset ytics\n' "$2"
		return
	fi
	awk -F'\t' -v f="$1" -v title="$2" -v xl="$3" -v fmt="$4" -v n="$n" '
	NR == 1 { lo = $3; hi = $4 }
	{ if ($3 < lo) lo = $3; if ($4 > hi) hi = $4 }
	END {
		xlo = 10 ^ int(log(lo * 0.5) / log(10) - (lo * 0.5 < 1))
		e = log(hi * 2.5) / log(10)
		xhi = 10 ^ (int(e) + (e > int(e)))
		printf "set title \"%s\"\n", title
		printf "set xlabel \"%s\"\n", xl
		printf "set xrange [%g:%g]\n", xlo, xhi
		printf "set yrange [%g:%g]\n", n - 0.4, -0.6
		printf "plot \"%s\" using (%g):0:(%g):2:($0-0.38):($0+0.38):5:ytic(1) with boxxyerror lc rgb variable, \\\n", f, xlo, xlo
		printf "  \"\" using 2:0:3:4 with xerrorbars lc rgb \"#212121\" pt -1 lw 1, \\\n"
		printf "  \"\" using ($4*1.12):0:(sprintf(\"%s\", $2)) with labels left font \",10\"\n", fmt
	}' "$1"
}

panel "$tmp/rt64" roundtrip "64 8"
panel "$tmp/rt4k" roundtrip 4096
panel "$tmp/rt1m" roundtrip 1048576
panel "$tmp/tp64" oneway 64
panel "$tmp/tp1m" oneway 1048576
panel "$tmp/zc" zerocopy_cost "64 4096 1048576"

note=${runs:+median of $runs runs, whiskers min to max}
common='set terminal pngcairo size 1200,1400 font "DejaVu Sans,12" noenhanced
set datafile separator "\t"
set logscale x
set format x "%g"
set grid xtics lc rgb "#dddddd"
set ytics nomirror scale 0
set xtics nomirror
set border 3
unset key
set style fill solid 0.95 noborder
set lmargin 34
set rmargin 6'

# layout FILE...: "origin height" of each panel, top to bottom, each as
# tall as its bars plus room for its title and axis, under the title.
layout() {
	for f in "$@"; do
		n=$(wc -l <"$f")
		echo $((n > 0 ? n + 4 : 5))
	done | awk '{ h[NR] = $1; t += $1 }
	END { y = 0.97; for (i = 1; i <= NR; i++) {
		y -= 0.97 * h[i] / t; printf "%.4f %.4f\n", y, 0.97 * h[i] / t } }'
}

# chart OUT TITLE then FILE TITLE XLABEL FORMAT for each panel
chart() {
	png=$1
	title=$2
	shift 2
	files=
	i=1
	for a in "$@"; do
		if [ $((i % 4)) = 1 ]; then files="$files $a"; fi
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	layout $files >"$tmp/layout"
	echo "$common"
	echo "set output \"$png\""
	echo "set multiplot title \"$title\""
	k=1
	while [ $# -ge 4 ]; do
		pos=$(sed -n "${k}p" "$tmp/layout")
		# shellcheck disable=SC2086
		plot_panel "$1" "$2" "$3" "$4" $pos
		shift 4
		k=$((k + 1))
	done
	echo "unset multiplot"
}

rtx="microseconds per round trip, log scale: shorter is faster"
chart "$out/roundtrip.png" "Round trip between two processes on two CPUs: a message and its reply (${note})" \
	"$tmp/rt64" "64 B message (the 8 B spin moves one word each way)" "$rtx" "%.3g" \
	"$tmp/rt4k" "4 KiB message" "$rtx" "%.3g" \
	"$tmp/rt1m" "1 MiB message" "$rtx" "%.4g" >"$tmp/rt.gp"
chart "$out/throughput.png" "One-way, child process to parent on two CPUs (${note})" \
	"$tmp/tp64" "64 B messages" "million messages per second, log scale: longer is faster" "%.3g" \
	"$tmp/tp1m" "1 MiB messages, beside memcpy of 1 MiB in one thread" "GB/s, log scale: longer is faster" "%.3g" \
	"$tmp/zc" "shmap zero-copy send + receive in one process, payload untouched, by message size" \
	"nanoseconds per message, log scale: the same at every size is the goal" "%.3g" >"$tmp/tp.gp"

gnuplot "$tmp/rt.gp"
gnuplot "$tmp/tp.gp"
echo "charts: $out/roundtrip.png $out/throughput.png"
