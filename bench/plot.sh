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
plot_panel() { # FILE TITLE XLABEL FORMAT
	n=$(wc -l <"$1")
	if [ "$n" -eq 0 ]; then
		printf 'set title "%s: not measured"\nunset ytics\nplot 1/0 notitle\nset ytics\n' "$2"
		return
	fi
	awk -F'\t' -v f="$1" -v title="$2" -v xl="$3" -v fmt="$4" -v n="$n" '
	NR == 1 { lo = $3; hi = $4 }
	{ if ($3 < lo) lo = $3; if ($4 > hi) hi = $4 }
	END {
		xlo = 10 ^ int(log(lo * 0.5) / log(10) - (lo * 0.5 < 1))
		xhi = 10 ^ int(log(hi * 8) / log(10) + 1)
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
common='set terminal pngcairo size 1200,1500 font "DejaVu Sans,12" noenhanced
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

{
	echo "$common"
	echo "set output \"$out/roundtrip.png\""
	echo "set multiplot layout 3,1 title \"Round trip between two processes on two CPUs: a message and its reply (${note})\""
	plot_panel "$tmp/rt64" "64 B message (the 8 B spin moves one word each way)" "microseconds per round trip, log scale: shorter is faster" "%.3g"
	plot_panel "$tmp/rt4k" "4 KiB message" "microseconds per round trip, log scale: shorter is faster" "%.3g"
	plot_panel "$tmp/rt1m" "1 MiB message" "microseconds per round trip, log scale: shorter is faster" "%.4g"
	echo "unset multiplot"
} >"$tmp/rt.gp"

{
	echo "$common"
	echo "set output \"$out/throughput.png\""
	echo "set multiplot layout 3,1 title \"One-way, child process to parent on two CPUs (${note})\""
	plot_panel "$tmp/tp64" "64 B messages" "million messages per second, log scale: longer is faster" "%.3g"
	plot_panel "$tmp/tp1m" "1 MiB messages, beside memcpy of 1 MiB in one thread" "GB/s, log scale: longer is faster" "%.3g"
	plot_panel "$tmp/zc" "shmap zero-copy send + receive in one process, payload untouched, by message size" "nanoseconds per message, log scale: the same at every size is the goal" "%.3g"
	echo "unset multiplot"
} >"$tmp/tp.gp"

gnuplot "$tmp/rt.gp"
gnuplot "$tmp/tp.gp"
echo "charts: $out/roundtrip.png $out/throughput.png"
