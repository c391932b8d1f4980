#!/bin/sh
# SPDX-License-Identifier: MIT
# The shmap tool as a person or a script uses it, against real processes:
# holders made with the tool itself (shmap create --hold) and with a C
# program using the library (tool_helper), in a private backing directory.
#
#   tool.sh TOOL HELPER GROUP
#
# GROUP is one of the groups at the end. SHMAP_TEST_CASE=<text> runs only
# the cases whose names hold text. Exit 0 pass, 1 fail, 77 all skipped.
set -u
tool=$1
helper=$2
group=$3
T=$(mktemp -d /dev/shm/shmap-tool.XXXXXX 2>/dev/null || mktemp -d)
out=$(mktemp -d)
chmod 1777 "$T" # like /dev/shm
SHMAP_DIR=$T
export SHMAP_DIR
pids=
cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$T" "$out"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

failures=0 ran=0 skipped=0 current=

fail() {
	echo "FAIL $current: $*"
	failures=$((failures + 1))
}

skip() {
	echo "skipped: $current: $*"
	skipped=$((skipped + 1))
}

# show FILE: the file, indented, under a failure.
show() {
	sed 's/^/    | /' "$1"
}

# run STATUS ARG...: runs the tool with no input; its output is in
# $out/o and $out/e. Fails the case unless it exits with STATUS.
run() {
	want=$1
	shift
	run_in /dev/null "$want" "$@"
}

# run_in FILE STATUS ARG...: run with standard input from FILE.
run_in() {
	in=$1 want=$2
	shift 2
	"$tool" "$@" <"$in" >"$out/o" 2>"$out/e"
	got=$?
	if [ "$got" != "$want" ]; then
		fail "shmap $* exited $got, not $want"
		show "$out/e"
		return 1
	fi
	return 0
}

# has o|e TEXT: the last run's stdout (o) or stderr (e) holds TEXT.
has() {
	if ! grep -qF -- "$2" "$out/$1"; then
		fail "no '$2' in the output ($1) of the last run:"
		show "$out/$1"
		return 1
	fi
}

# is o|e TEXT: the last run's stdout or stderr is exactly TEXT (a line),
# or empty for an empty TEXT.
is() {
	if [ -z "$2" ]; then
		[ ! -s "$out/$1" ] && return 0
	else
		printf '%s\n' "$2" | cmp -s - "$out/$1" && return 0
	fi
	fail "the output ($1) of the last run is not '$2' but:"
	show "$out/$1"
	return 1
}

# err_line TEXT: the last run printed nothing and one line holding TEXT
# on stderr.
err_line() {
	[ -s "$out/o" ] && fail "a failure printed on stdout:" && show "$out/o"
	[ "$(wc -l <"$out/e")" -eq 1 ] || {
		fail "not one line on stderr:"
		show "$out/e"
	}
	has e "$1"
}

# bg FILE CMD...: starts CMD in the background, its output in $out/FILE,
# its pid in $bgpid.
bg() {
	f=$1
	shift
	"$@" >"$out/$f" 2>&1 </dev/null &
	bgpid=$!
	pids="$pids $bgpid"
	eval "pid_$f=$bgpid"
}

# ended PID: the process has exited (it may not be collected yet).
ended() {
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -z "$st" ] || [ "$st" = Z ]
}

# wait_for FILE TEXT: waits until $out/FILE, the output of a process bg
# started, holds TEXT (60 s at most, or until the process ends).
wait_for() {
	i=0
	eval "p=\$pid_$1"
	while ! grep -qF -- "$2" "$out/$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 1200 ] || { ended "$p" && ! grep -qF -- "$2" "$out/$1"; }; then
			fail "no '$2' from $1 (in 60 s, or before it ended):"
			show "$out/$1"
			return 1
		fi
		sleep 0.05
	done
}

# hold FILE ARG...: shmap create ARG... --hold in the background, once
# it says it holds the object; its pid in $bgpid.
hold() {
	f=$1
	shift
	bg "$f" "$tool" create "$@" --hold
	wait_for "$f" "holding it until"
}

# stop PID [SIGNAL]: sends SIGNAL (TERM), collects PID, its exit status
# in $status.
stop() {
	kill "-${2:-TERM}" "$1"
	wait "$1" 2>/dev/null # no "Killed" from the shell
	status=$?
}

# finish: the backing directory is empty once a case has stopped all it
# started.
finish() {
	left=$(ls -A "$T")
	[ -z "$left" ] || fail "left in the backing directory: $left"
	rm -f "$T"/* 2>/dev/null
}

# --- usage ------------------------------------------------------------

VERBS="create write dump event sem mutex gc dir version"

c_usage_unknown() {
	run 2 frob && err_line "shmap: unknown verb 'frob'"
	run 2 --frob && err_line "unknown option '--frob'"
	run 2 -q && err_line "unknown option '-q'"
	run 2 && has e "usage: shmap VERB"
	for v in $VERBS; do
		run 2 "$v" --bogus && err_line "shmap $v: unknown option '--bogus'"
		run 0 "$v" --help && has o "usage: shmap $v"
	done
}

c_usage_values() {
	run 2 create x --size && err_line "option '--size' needs a value"
	run 2 create x --size 12Q && err_line "--size: '12Q' is not a size"
	run 2 create x --size=-1 && err_line "'-1' is not a size"
	run 2 create x && err_line "a mapping needs --size"
	run 2 create x --hold=1 -s 1 && err_line "option '--hold' takes no value"
	run 2 create x --type event --size 5 && err_line "are for mappings"
	run 2 dump x --format png && err_line "--format: 'png' is not"
	run 2 event frob x && err_line "shmap event: unknown action 'frob'"
	run 2 event set && err_line "shmap event set: missing NAME"
	run 2 event set x y && err_line "unexpected argument 'y'"
	run 2 event set x --timeout 5 && err_line "--timeout is for wait"
	run 2 sem wait x --count 0 && err_line "--count: 0 is not from 1"
	run 2 mutex wait x -t soon && err_line "--timeout: 'soon' is not a number"
	run 2 gc extra && err_line "shmap gc: unexpected argument 'extra'"
	# A word that is no option, with control bytes, is shown escaped.
	run 2 "$(printf 'fr\033ob')" && err_line "unknown verb 'fr\\x1bob'"
}

c_usage_version() {
	run 0 --version && has o "shmap " && v=$(cut -d' ' -f2 "$out/o")
	run 0 version && is o "$v"
	run 0 dir && is o "$T"
	run 0 help event && has o "usage: shmap event"
	run 0 --help && has o "Exit status"
}

# --- data -------------------------------------------------------------

c_data_roundtrip() {
	hold h m --size 1K || return
	grep -qF "m: created mapping, 1024 bytes; holding it until" "$out/h" ||
		fail "the holder said: $(cat "$out/h")"
	printf 'Hello\n' >"$out/in"
	run_in "$out/in" 0 write m --offset 0x10 && is o "" && is e ""
	run 0 dump m --length 32 && {
		printf '%s\n' \
			'00000000: 0000 0000 0000 0000 0000 0000 0000 0000  ................' \
			'00000010: 4865 6c6c 6f0a 0000 0000 0000 0000 0000  Hello...........' |
			cmp -s - "$out/o" || {
			fail "dump is not as expected:"
			show "$out/o"
		}
	}
	run 0 dump m -o 16 -l 6 -f raw && cmp -s "$out/in" "$out/o" ||
		fail "dump --format raw differs from what was written"
	run 0 dump m -o 16 -f text && is o "Hello"
	stop "$bgpid"
	[ "$status" = 0 ] || fail "the holder exited $status on SIGTERM"
	run 3 dump m && err_line "shmap dump: m: no such object"
	finish
}

c_data_bounds() {
	hold h m --size 64 || return
	run 1 write m -o 65 && err_line "m: offset 65 is past the end (64 bytes)"
	run 1 dump m -o 65 && err_line "past the end"
	head -c 60 /dev/zero | tr '\0' x >"$out/in"
	run_in "$out/in" 1 write m -o 10 && err_line "nothing written"
	run 0 dump m -f text && is o ""
	head -c 70 /dev/zero | tr '\0' y | "$tool" write m >"$out/o" 2>"$out/e"
	[ $? = 1 ] || fail "a piped write past the end did not exit 1"
	err_line "the rest was not"
	run 0 dump m -l 1K && [ "$(wc -l <"$out/o")" -eq 4 ] ||
		fail "a dump past the end is not cut at it"
	run 0 dump m -o 64 && is o ""
	stop "$bgpid"
	finish
}

c_data_helper() {
	bg c "$helper" map-write hw 4096 "written by a C program"
	wait_for c ready || return
	run 0 dump hw -f text && is o "written by a C program"
	run 0 dump hw -l 16 &&
		is o "00000000: 7772 6974 7465 6e20 6279 2061 2043 2070  written by a C p"
	stop "$bgpid" KILL
	run 0 gc
	finish
}

c_data_xxd() {
	if ! command -v xxd >/dev/null; then
		skip "no xxd to compare the hex dump with"
		return
	fi
	hold h m --size 100 || return
	i=0
	while [ $i -lt 100 ]; do
		printf "\\$(printf %o $(((i * 37 + 11) % 256)))"
		i=$((i + 1))
	done >"$out/in"
	run_in "$out/in" 0 write m
	run 0 dump m && xxd "$out/in" | cmp -s - "$out/o" ||
		fail "dump differs from xxd"
	run 0 dump m -o 5 -l 37 && xxd -s 5 -l 37 "$out/in" | cmp -s - "$out/o" ||
		fail "dump --offset 5 --length 37 differs from xxd -s 5 -l 37"
	stop "$bgpid"
	finish
}

c_data_existing() {
	hold h m --size 1K || return
	h1=$bgpid
	hold h2 m --size 8K || return
	grep -qF "m: opened existing mapping, 1024 bytes" "$out/h2" ||
		fail "the second holder said: $(cat "$out/h2")"
	run 1 create m --size 1K --exclusive && err_line "m: File exists"
	run 1 create m --type event && err_line "m: the name is held by an object of another type"
	run 1 event set m && err_line "another type"
	stop "$h1"
	run 0 dump m -l 1 # the second holder keeps it
	stop "$bgpid"
	finish
}

c_not_found() {
	run 3 write nope && err_line "shmap write: nope: no such object"
	run 3 dump nope && err_line "shmap dump: nope: no such object"
	for a in set reset pulse wait; do
		run 3 event $a nope && err_line "shmap event $a: nope: no such object"
	done
	run 3 sem release nope && err_line "no such object"
	run 3 sem wait nope && err_line "no such object"
	run 3 mutex wait nope && err_line "shmap mutex wait: nope: no such object"
	run 1 dump 'Nowhere\x' && err_line "unknown namespace prefix"
}

# --- sync -------------------------------------------------------------

c_event_c_waiter() {
	bg c "$helper" event-wait ev
	wait_for c waiting || return
	run 0 event set ev && is o ""
	wait_for c set
	wait "$bgpid" || fail "the C waiter failed"
	finish
}

c_event_tool_waiter() {
	hold h ev --type event || return
	h=$bgpid
	run 4 event wait ev --timeout 50 && err_line "ev: timed out after 50 ms"
	bg w "$tool" event wait ev --timeout 60000
	w=$bgpid
	"$helper" event-set ev || fail "the C program could not set it"
	wait "$w" || fail "shmap event wait exited $? after a C program set it"
	run 4 event wait ev -t 0 # an auto-reset event: the wait took it
	stop "$h"
	hold h mev --type event --manual-reset || return
	run 0 event set mev
	run 0 event wait mev -t 0
	run 0 event wait mev -t 0 # manual: still set
	run 0 event reset mev
	run 4 event wait mev -t 0
	run 0 event set mev
	run 0 event pulse mev # nobody waits: it is left reset
	run 4 event wait mev -t 0
	stop "$bgpid"
	finish
}

c_sem() {
	bg c "$helper" sem-release s 2
	wait_for c ready || return
	run 0 sem wait s && is o ""
	run 4 sem wait s --count 2 --timeout 100 && err_line "timed out after 100 ms"
	run 0 sem wait s -t 0 # the unit the timed out wait took is back
	run 4 sem wait s -t 0
	run 0 sem release s -c 3
	run 0 sem wait s -c 3 -t 60000
	run 1 sem release s --count 11 && err_line "would pass the maximum count"
	stop "$bgpid" KILL
	run 0 gc
	finish
}

c_mutex_abandoned() {
	hold h mx --type mutex || return
	h=$bgpid
	bg c "$helper" mutex-own mx
	c=$bgpid
	wait_for c owned || return
	run 4 mutex wait mx -t 50
	stop "$c" KILL
	run 0 mutex wait mx -t 60000 && has o "mx: abandoned by an owner that ended"
	run 0 mutex wait mx -t 60000 && is o "" # released, and no longer
	stop "$h"
	finish
}

c_mutex_hold() {
	hold h mx --type mutex || return
	h=$bgpid
	bg m "$tool" mutex wait mx --hold -t 60000
	m=$bgpid
	wait_for m "mx: acquired; holding it until" || return
	run 4 mutex wait mx -t 50
	stop "$m"
	[ "$status" = 0 ] || fail "the mutex holder exited $status on SIGTERM"
	run 0 mutex wait mx -t 60000 && is o ""
	# A holder killed while it owns it abandons it.
	bg m "$tool" mutex wait mx --hold -t 60000
	m=$bgpid
	wait_for m "holding it until" || return
	stop "$m" KILL
	run 0 mutex wait mx -t 60000 && has o abandoned
	stop "$h"
	finish
}

# --- groups -----------------------------------------------------------

case $group in
usage) cases="c_usage_unknown c_usage_values c_usage_version" ;;
data) cases="c_data_roundtrip c_data_bounds c_data_helper c_data_xxd
	c_data_existing c_not_found" ;;
sync) cases="c_event_c_waiter c_event_tool_waiter c_sem c_mutex_abandoned
	c_mutex_hold" ;;
*)
	echo "tool.sh: unknown group $group"
	exit 2
	;;
esac
for c in $cases; do
	current=${c#c_}
	if [ -n "${SHMAP_TEST_CASE:-}" ] &&
		! printf '%s\n' "$current" | grep -qi -- "$SHMAP_TEST_CASE"; then
		continue
	fi
	before=$((failures + skipped))
	ran=$((ran + 1))
	$c
	[ $((failures + skipped)) = "$before" ] && echo "ok $current"
done
echo "tool $group: $ran cases, $failures failed, $skipped skipped"
[ "$failures" = 0 ] || exit 1
[ "$ran" -gt 0 ] && [ "$skipped" = "$ran" ] && exit 77
exit 0
