#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every benchmark of a build directory and prints their tables; the
# message-transport one (bench_chan) also writes its figures to
# BUILD/bench/results.csv and charts of them to BUILD/bench/*.png, and the
# Python binding's (bench/bench_python.py) adds its rows to that file.
#
# bench_chan's peers (ZeroMQ, nng, Boost.Interprocess, iceoryx) are built
# where their development packages are installed; missing ones are
# installed from Debian's packages when this runs as root with apt-get
# (BENCH_INSTALL=0 never installs). Each peer that cannot be had is left
# out with the reason printed. gnuplot (gnuplot-nox) draws the charts.
#
# Usage: bench/run.sh [build-dir]
#   BENCH_REPS=N (default 11) repetitions of bench_chan
#   BENCH_ONLY=chan runs bench_chan only
#   BENCH_CHARTS=DIR writes the charts there instead
set -eu
build=${1:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
reps=${BENCH_REPS:-11}
charts=${BENCH_CHARTS:-$build/bench}

# Debian packages of each peer: name, the package whose files the build
# looks for, the rest it needs.
peer_pkgs() {
	case $1 in
	zmq) echo libzmq3-dev ;;
	nng) echo libnng-dev ;;
	boost) echo libboost-dev ;;
	iox) echo libiceoryx-binding-c-dev iceoryx libiceoryx-posh-dev \
		libiceoryx-hoofs-dev ;;
	gnuplot) echo gnuplot-nox ;;
	esac
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# The packages missing, if this machine keeps packages with dpkg.
missing=
if command -v dpkg-query >/dev/null 2>&1; then
	for p in zmq nng boost iox gnuplot; do
		for pkg in $(peer_pkgs "$p"); do
			installed "$pkg" || missing="$missing $pkg"
		done
	done
fi
if [ -n "$missing" ]; then
	if [ "${BENCH_INSTALL:-1}" = 0 ]; then
		echo "not installing (BENCH_INSTALL=0):$missing"
	elif [ "$(id -u)" != 0 ]; then
		echo "not root, not installing:$missing"
	elif ! command -v apt-get >/dev/null 2>&1; then
		echo "no apt-get, not installing:$missing"
	else
		echo "installing:$missing"
		# shellcheck disable=SC2086
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing \
			>"$build/bench-apt.log" 2>&1; then
			# An old or missing package list: once more after an update.
			DEBIAN_FRONTEND=noninteractive apt-get update -q \
				>>"$build/bench-apt.log" 2>&1 || true
			# shellcheck disable=SC2086
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing \
				>>"$build/bench-apt.log" 2>&1 ||
				echo "apt-get install failed (see $build/bench-apt.log);" \
					"going on with what is installed"
		fi
	fi
fi

# Configure again so CMake finds what was installed, then build the peers
# it found.
cmake -S "$src" -B "$build" >/dev/null
peers=
targets=$(cmake --build "$build" --target help 2>/dev/null || true)
for p in zmq nng boost iox; do
	if ! echo "$targets" | grep -q "bench_peer_$p\$"; then
		echo "peer $p: skipped: its development files (Debian's" \
			"$(peer_pkgs "$p" | cut -d' ' -f1)) were not found"
	elif ! cmake --build "$build" --target "bench_peer_$p" \
		>"$build/bench-peer-$p.log" 2>&1; then
		echo "peer $p: skipped: its build failed (see $build/bench-peer-$p.log)"
	else
		peers="$peers $p"
	fi
done

# iceoryx needs its daemon, RouDi, with memory pools for every message
# size used: started here, stopped on exit.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shmap-bench.XXXXXX")
roudi=
cleanup() {
	if [ -n "$roudi" ]; then
		kill "$roudi" 2>/dev/null || true
		wait "$roudi" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
case " $peers " in
*" iox "*)
	if ! command -v iox-roudi >/dev/null 2>&1; then
		echo "peer iox: skipped: iox-roudi (Debian's iceoryx) not found"
		peers=$(echo "$peers" | sed 's/ iox//')
	else
		cat >"$tmp/roudi.toml" <<-EOF
		[general]
		version = 1

		[[segment]]

		[[segment.mempool]]
		size = 128
		count = 2000

		[[segment.mempool]]
		size = 4160
		count = 600

		[[segment.mempool]]
		size = 1052672
		count = 24
		EOF
		iox-roudi -c "$tmp/roudi.toml" -l warning >"$tmp/roudi.log" 2>&1 &
		roudi=$!
		i=0
		while [ $i -lt 100 ] && ! grep -q 'RouDi is ready' "$tmp/roudi.log"; do
			if ! kill -0 "$roudi" 2>/dev/null; then
				break
			fi
			sleep 0.1
			i=$((i + 1))
		done
		if ! grep -q 'RouDi is ready' "$tmp/roudi.log"; then
			echo "peer iox: skipped: iox-roudi did not start" \
				"(another RouDi running?):"
			sed 's/^/  /' "$tmp/roudi.log" | tail -5
			kill "$roudi" 2>/dev/null || true
			roudi=
			peers=$(echo "$peers" | sed 's/ iox//')
		fi
	fi
	;;
esac

if [ "${BENCH_ONLY:-}" != chan ]; then
	echo "== object lifetime (bench_lifetime) =="
	"$build/bench/bench_lifetime"
	echo
	echo "== event ping-pong (bench_sync) =="
	"$build/bench/bench_sync"
	echo
	echo "== Win32 process wait wake-up (bench_w32_wait) =="
	"$build/bench/bench_w32_wait"
	echo
fi

echo "== message transport between two processes (bench_chan) =="
set --
for p in $peers; do
	case $p in
	zmq) name="ZeroMQ ipc (PAIR)" ;;
	nng) name="nng ipc (pair0)" ;;
	boost) name="Boost message_queue" ;;
	iox) name="iceoryx (polling)" ;;
	esac
	set -- "$@" --peer "$name=$build/bench/bench_peer_$p"
done
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $peers; do
		pkg=$(peer_pkgs "$p" | cut -d' ' -f1)
		echo "peer $p: $pkg $(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null)"
	done
fi
"$build/bench/bench_chan" --reps "$reps" --csv "$build/bench/results.csv" "$@"
echo "figures: $build/bench/results.csv"

# The Python binding against multiprocessing; its rows go into the same
# CSV (figures python_*, which the charts leave out).
if [ "${BENCH_ONLY:-}" != chan ]; then
	echo
	echo "== the Python binding against multiprocessing (bench_python.py) =="
	if ! command -v python3 >/dev/null 2>&1; then
		echo "skipped: bench_python: python3 not found"
	else
		PYTHONPATH="$src/python${PYTHONPATH:+:$PYTHONPATH}" \
			SHMAP_LIBRARY="$(cd "$build" && pwd)/libshmap.so.0" \
			python3 "$src/bench/bench_python.py" \
			--csv "$build/bench/results.csv" ||
			echo "bench_python: failed (status $?)"
	fi
fi

if command -v gnuplot >/dev/null 2>&1; then
	mkdir -p "$charts"
	sh "$src/bench/plot.sh" "$build/bench/results.csv" "$charts" "$reps"
else
	echo "charts: skipped: gnuplot (Debian's gnuplot-nox) not found"
fi
