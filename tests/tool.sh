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
	# The terminal of c_watch_tmux, if a failure left it running.
	[ -S "$out/tmux" ] && tmux -S "$out/tmux" kill-server 2>/dev/null
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
	# Emptied here, not in the child: wait_for must not find the words
	# of an earlier process that wrote the same file.
	: >"$out/$f"
	"$@" >>"$out/$f" 2>&1 </dev/null &
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

VERBS="ls info who watch create write dump event sem mutex chan gc rm dir version"

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
	run 2 gc --dryrun && err_line "shmap gc: unknown option '--dryrun'"
	run 2 ls --json=yes && err_line "option '--json' takes no value"
	run 2 info && err_line "shmap info: missing NAME"
	run 2 who a b && err_line "shmap who: unexpected argument 'b'"
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
	# A backing directory that is not there is a failure, not "no such
	# object".
	SHMAP_DIR=$T/none
	for v in ls gc; do
		run 1 $v && err_line "shmap $v: $T/none: No such file or directory"
	done
	SHMAP_DIR=$T
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

# --- chan -------------------------------------------------------------

# hex TEXT: the bytes of TEXT (printf's escapes) in hex, as tool_helper
# chan-recv prints a message.
hex() {
	printf "$1" | od -An -v -tx1 | tr -d ' \n'
}

# wait_roles NAME TEXT: waits (60 s at most) until shmap info NAME shows
# TEXT ("1 receiver", "1 reader", "1 sender").
wait_roles() {
	i=0
	until "$tool" info "$1" 2>/dev/null | grep -q "^channel: .*[ ,]$2"; do
		i=$((i + 1))
		if [ $i -gt 600 ]; then
			fail "shmap info $1 never showed '$2'"
			return 1
		fi
		sleep 0.1
	done
}

c_chan_shapes() {
	for shape in spsc mpmc broadcast; do
		hold h ch --type channel --shape $shape --capacity 8 --max-msg 64 ||
			return
		grep -qF "ch: created channel, $shape, 8 messages of up to 64 bytes; holding" \
			"$out/h" || fail "the holder said: $(cat "$out/h")"
		h=$bgpid
		# Tool to C: each argument a message, bytes as they are.
		bg c "$helper" chan-recv ch 3
		wait_for c ready || return
		run 0 chan send ch "one" "$(printf 'tw\no\t\\')" "" && is o "" && is e ""
		wait "$pid_c" || fail "$shape: the C receiver failed: $(cat "$out/c")"
		printf '%s\n' ready "$(hex one)" "$(hex 'tw\no\t\\')" - |
			cmp -s - "$out/c" || {
			fail "$shape: the C receiver got other bytes:"
			show "$out/c"
		}
		# C to tool, each message a line, escaped.
		bg r "$tool" chan recv ch --count 3 --timeout 60000
		r=$bgpid
		wait_roles ch "1 $([ $shape = broadcast ] && echo reader || echo receiver)" ||
			return
		"$helper" chan-send ch "from C" "$(printf 'a\\b\nc\001')" "é" ||
			fail "$shape: the C sender failed"
		wait "$r" || fail "$shape: shmap chan recv exited $?"
		printf '%s\n' "from C" 'a\\b\x0ac\x01' "é" | cmp -s - "$out/r" || {
			fail "$shape: chan recv printed:"
			show "$out/r"
		}
		# Tool to tool, lines of standard input.
		if [ $shape = broadcast ]; then
			bg r "$tool" chan recv ch -c 3 -t 60000
			wait_roles ch "1 reader" || return
		fi
		printf 'l1\n\nl3' >"$out/in"
		run_in "$out/in" 0 chan send ch -
		if [ $shape = broadcast ]; then
			wait "$pid_r" || fail "broadcast: the reader exited $?"
			cp "$out/r" "$out/o"
		else
			run 0 chan recv ch --count 3 -t 60000
		fi
		printf '%s\n' l1 "" l3 | cmp -s - "$out/o" || {
			fail "$shape: lines came back as:"
			show "$out/o"
		}
		stop "$h"
		finish
	done
}

c_chan_roles() {
	hold h ch --type channel --shape spsc --capacity 2 || return
	h=$bgpid
	bg r "$tool" chan recv ch -t 60000
	wait_roles ch "1 receiver" || return
	run 1 chan recv ch -t 0 &&
		err_line "shmap chan recv: ch: a live process holds its one receiver role (an spsc channel has one receiver)"
	run 0 chan send ch hi
	wait "$pid_r" || fail "the first receiver exited $?"
	grep -qx hi "$out/r" || fail "the first receiver got: $(cat "$out/r")"
	# A sender blocked on a full channel keeps its role.
	bg s "$tool" chan send ch a b c -t 60000
	wait_roles ch "1 sender" || return
	run 1 chan send ch x &&
		err_line "ch: a live process holds its one sender role (spsc and broadcast channels have one sender)"
	run 0 chan recv ch -c 3 -t 60000 && printf 'a\nb\nc\n' | cmp -s - "$out/o" ||
		fail "the blocked sender's messages came back as: $(cat "$out/o")"
	wait "$pid_s" || fail "the blocked sender exited $?"
	stop "$h"
	# MPMC: any number of each.
	hold h ch --type channel --capacity 4 --readers-max 2 || return
	h=$bgpid
	run 0 chan send ch 1 && run 0 chan send ch 2
	bg r1 "$tool" chan recv ch -t 60000
	bg r2 "$tool" chan recv ch -t 60000
	wait "$pid_r1" && wait "$pid_r2" || fail "an mpmc receiver failed"
	[ "$(cat "$out/r1" "$out/r2" | sort | tr '\n' ' ')" = "1 2 " ] ||
		fail "mpmc receivers got: $(cat "$out/r1" "$out/r2")"
	stop "$h"
	finish
}

c_chan_timeout() {
	hold h ch --type channel --shape spsc --capacity 2 || return
	h=$bgpid
	run 4 chan recv ch --timeout 50 && err_line "shmap chan recv: ch: timed out after 50 ms"
	run 0 chan send ch a b
	run 4 chan send ch c d -t 0 &&
		err_line "ch: timed out after 0 ms waiting for room"
	run 4 chan send ch c -t 50 && err_line "timed out after 50 ms waiting for room"
	run 4 chan recv ch -c 3 -t 50 && is o "$(printf 'a\nb')" &&
		has e "ch: timed out after 50 ms; 2 messages received"
	run 3 chan recv nope && err_line "shmap chan recv: nope: no such object"
	run 3 chan send nope x && err_line "shmap chan send: nope: no such object"
	stop "$h"
	hold h m --size 4K || return
	run 1 chan recv m && err_line "m: the name is held by an object of another type"
	stop "$bgpid"
	finish
}

c_chan_overrun() {
	hold h b --type channel --shape broadcast --capacity 2 || return
	h=$bgpid
	bg r "$tool" chan recv b --count 2 --timeout 60000
	r=$bgpid
	wait_roles b "1 reader" || return
	# Stopped, the reader falls 5 messages behind a ring of 2.
	kill -STOP "$r"
	run 0 chan send b m1 m2 m3 m4 m5 m6 m7
	kill -CONT "$r"
	wait "$r" || fail "the reader exited $?"
	printf '%s\n' "shmap chan recv: b: overrun: 5 messages missed" m6 m7 |
		cmp -s - "$out/r" || {
		fail "the reader did not report the overrun as expected:"
		show "$out/r"
	}
	run 0 info b && has o "overruns 1, missed 5"
	stop "$h"
	finish
}

c_chan_raw() {
	hold h ch --type channel --max-msg 300 || return
	h=$bgpid
	i=0
	while [ $i -lt 256 ]; do
		printf "\\$(printf %o $(((i * 37 + 11) % 256)))"
		i=$((i + 1))
	done >"$out/in"
	run_in "$out/in" 0 chan send ch --raw -
	run 0 chan recv ch --raw && cmp -s "$out/in" "$out/o" ||
		fail "256 bytes came back from --raw otherwise"
	bg c "$helper" chan-recv ch 1
	wait_for c ready || return
	run_in "$out/in" 0 chan send ch -r -
	wait "$pid_c" || fail "the C receiver failed"
	[ "$(sed -n 2p "$out/c")" = "$(od -An -v -tx1 "$out/in" | tr -d ' \n')" ] ||
		fail "the C receiver got other bytes than --raw sent"
	head -c 301 /dev/zero >"$out/in"
	run_in "$out/in" 1 chan send ch --raw - &&
		err_line "standard input is longer than the channel's largest message, 300 bytes; nothing sent"
	run 1 chan send ch ok "$(head -c 301 /dev/zero | tr '\0' x)" &&
		err_line "a message of 301 bytes is longer than the channel's largest, 300; 1 message sent"
	run 0 chan recv ch && is o ok
	stop "$h"
	finish
}

c_chan_corrupt() {
	hold h ch --type channel || return
	h=$bgpid
	f=$T/shmap.u$(id -u).ch
	at=$(getconf PAGESIZE)
	# The block's magic: "CH" and another format, then not "CH" at all.
	printf 'CH\077\000' | dd of="$f" bs=1 seek="$at" conv=notrunc 2>/dev/null
	run 1 chan send ch x && err_line "ch: the object has the shared-memory format of another"
	printf '\000\000\000\000' | dd of="$f" bs=1 seek="$at" conv=notrunc 2>/dev/null
	run 1 chan recv ch && err_line "ch: object header does not match"
	stop "$h"
	finish
}

c_chan_usage() {
	run 2 create c --type channel --shape ring && err_line "--shape: 'ring' is not spsc, mpmc or broadcast"
	run 2 create c --type channel --capacity 1 && err_line "--capacity: 1 is not from 2 to 16777216"
	run 2 create c --type channel --capacity && err_line "option '--capacity' needs a value"
	run 2 create c --type channel --max-msg 0 && err_line "--max-msg: 0 is not from 1 to 1G"
	run 2 create c --type channel --max-msg lots && err_line "--max-msg: 'lots' is not a size"
	run 2 create c --type channel --readers-max 1024 && err_line "--readers-max: 1024 is not from 1 to 1023"
	run 2 create c --type channel --shape spsc --readers-max 2 &&
		err_line "--readers-max is for mpmc and broadcast channels"
	run 2 create c --shape spsc --size 1 && err_line "--shape, --capacity, --max-msg and --readers-max are for channels"
	run 2 create c --type pipe && err_line "--type: 'pipe' is not mapping, event, mutex, semaphore or channel"
	run 2 chan && err_line "shmap chan: missing send or recv"
	run 2 chan peek c && err_line "shmap chan: unknown action 'peek'"
	run 2 chan recv && err_line "shmap chan recv: missing NAME"
	run 2 chan recv c d && err_line "shmap chan recv: unexpected argument 'd'"
	run 2 chan recv c --count x && err_line "--count: 'x' is not a number"
	run 2 chan recv c --timeout soon && err_line "--timeout: 'soon' is not a number"
	run 2 chan send c --count 2 x && err_line "shmap chan send: --count is for recv"
	run 2 chan send c --raw x && err_line "--raw with send is for '-' (standard input)"
	run 2 chan send c x - && err_line "'-' (standard input) goes alone"
	run 2 chan send c --bogus && err_line "shmap chan: unknown option '--bogus'"
	finish
}

# --- inspect ----------------------------------------------------------

# json_check PY: runs the Python statements PY with d, the document the
# last run printed, and want(condition, message); E is the environment.
json_check() {
	python3 - "$out/o" "$1" <<'PY' || fail "the JSON output is not as expected"
import json, os, sys
raw = open(sys.argv[1], 'rb').read().decode('utf-8')
try:
    d = json.loads(raw)
except ValueError as e:
    print('    not JSON:', e)
    print(raw)
    sys.exit(1)
ok = True
E = os.environ
def want(c, msg):
    global ok
    if not c:
        print('    json:', msg)
        ok = False
exec(sys.argv[2])
if not ok:
    print(raw)
sys.exit(0 if ok else 1)
PY
}

# need_python: python3 is here to parse JSON, or the case is skipped.
need_python() {
	command -v python3 >/dev/null && return 0
	skip "no python3 to parse the JSON output"
	return 1
}

# field NAME COLUMN: column COLUMN of the line of the last run's stdout
# whose first column is NAME.
field() {
	awk -v n="$1" -v c="$2" '$1 == n { print $c; exit }' "$out/o"
}

c_ls() {
	hold h m --size 8K || return
	h=$bgpid
	bg c "$helper" map-write hw 4096 "a C program's"
	wait_for c ready || return
	c=$bgpid
	run 0 ls && has o "NAME" && has o "RESIDENT"
	[ "$(field 'Local\m' 2)" = mapping ] || fail "ls: m is not a mapping"
	[ "$(field 'Local\m' 3)" = 8.0K ] || fail "ls: m is not 8.0K"
	[ "$(field 'Local\m' 4)" = 0600 ] || fail "ls: m's mode is not 0600"
	[ "$(field 'Local\m' 6)" = live ] || fail "ls: m is not live"
	[ "$(field 'Local\m' 7)" = 1 ] || fail "ls: m has not 1 handle"
	[ "$(field 'Local\m' 11)" = "$h" ] || fail "ls: m's creator is not $h"
	[ "$(field 'Local\hw' 9)" = 1 ] || fail "ls: hw has not 1 view"
	if need_python; then
		run 0 ls --json && H=$h C=$c U=$(id -u) json_check '
o = {x["name"]: x for x in d["objects"]}
want(sorted(o) == ["Local\\hw", "Local\\m"], "names: %s" % sorted(o))
m, hw = o["Local\\m"], o["Local\\hw"]
want(m["type"] == "mapping" and m["size"] == 8192, "m type, size")
want(m["live"] is True and m["state"] == "live", "m live")
want(m["handles"] == 1 and m["processes"] == 1 and m["views"] == 0,
     "m holders %d %d %d" % (m["handles"], m["processes"], m["views"]))
want(m["creator_pid"] == int(E["H"]), "m creator %s" % m["creator_pid"])
want(m["mode"] == "0600" and m["owner"] == int(E["U"]), "m mode, owner")
want(m["prot"] == "read-write" and m["sync"] is None, "m prot, sync")
want(m["global"] is False and m["error"] is None, "m global, error")
want(isinstance(m["ctime"], str) and m["ctime_ns"] > 0, "m ctime")
want(isinstance(m["resident"], int), "m resident")
want(hw["creator_pid"] == int(E["C"]) and hw["views"] == 1, "hw")
want(hw["processes"] == 1 and hw["handles"] == 1, "hw holders")
want(d["backing_dir"] == E["SHMAP_DIR"], "backing_dir")'
	fi
	stop "$c" KILL
	run 0 ls && [ "$(field 'Local\hw' 6)" = leftover ] ||
		fail "ls: a killed holder's object is not a leftover"
	if need_python; then
		run 0 ls --json && json_check '
hw = [x for x in d["objects"] if x["name"] == "Local\\hw"][0]
want(hw["live"] is False and hw["state"] == "leftover", "hw leftover")
want(hw["handles"] == 0 and hw["processes"] == 0, "hw unheld")'
	fi
	stop "$h"
	run 0 gc
	run 0 ls && is o ""
	finish
}

c_ls_sync() {
	hold h1 ev --type event --manual-reset --set || return
	h1=$bgpid
	hold h2 sm --type semaphore --initial 3 --maximum 9 || return
	h2=$bgpid
	hold h3 mx --type mutex || return
	h3=$bgpid
	bg c "$helper" mutex-own mx
	c=$bgpid
	wait_for c owned || return
	run 0 info sm && has o "sync:      count 3 of 9"
	run 0 info mx && has o "sync:      owned by pid $c thread $c"
	run 0 info ev && has o "sync:      set, manual reset"
	if need_python; then
		run 0 ls --json && C=$c json_check '
o = {x["name"]: x for x in d["objects"]}
e, s, m = o["Local\\ev"]["sync"], o["Local\\sm"]["sync"], o["Local\\mx"]["sync"]
want(e["valid"] and e["set"] is True and e["manual_reset"] is True, "event")
want(s["count"] == 3 and s["max"] == 9, "semaphore")
want(m["owner_pid"] == int(E["C"]) and m["abandoned"] is False, "mutex")
want(o["Local\\ev"]["type"] == "event", "type")'
	fi
	stop "$c" KILL
	run 0 info mx && has o "abandoned"
	stop "$h1"
	stop "$h2"
	stop "$h3"
	finish
}

c_info_chan() {
	bg c "$helper" chan-pump ch
	wait_for c ready || return
	c=$bgpid
	run 0 info ch && has o "channel:   mpmc, 16 messages of up to 128 bytes"
	if need_python; then
		run 0 info ch --json && json_check '
c = d["object"]["channel"]
want(d["object"]["type"] == "channel" and d["object"]["sync"] is None, "type")
want(c["valid"] is True and c["error"] is None, "valid")
want(c["shape"] == "mpmc" and c["capacity"] == 16 and c["max_msg"] == 128,
     "shape %s" % c)
want(c["readers_max"] == 4 and c["senders"] == 1 and c["receivers"] == 1,
     "roles")
want(c["sent"] >= 1 and c["sent_bytes"] == 100 * c["sent"], "sent")
want(c["received_bytes"] == 100 * c["received"], "received")
for k in ("full_waits", "empty_waits", "skipped", "overruns", "missed",
          "write_position", "read_position", "queued", "lag_max"):
    want(isinstance(c[k], int), k)
want(c["readers"] == [], "readers")'
		run 0 ls --json && json_check '
o = {x["name"]: x for x in d["objects"]}
want(o["Local\\ch"]["channel"]["shape"] == "mpmc", "ls channel")'
	fi
	stop "$c" KILL
	run 0 gc
	finish
}

c_who() {
	hold h m --size 64K || return
	h=$bgpid
	for a in r rw cow; do
		bg "v$a" "$helper" view m "$a"
		wait_for "v$a" ready || return
	done
	r=$pid_vr rw=$pid_vrw cow=$pid_vcow
	run 0 who m && has o "PID USER"
	got=$(awk '$1 ~ /^[0-9]+$/ { print $1, $3, $4, $5 }' "$out/o" |
		sort -n | tr '\n' ' ')
	want=$(printf '%s\n' "$h - 1 0" "$r r 0 1" "$rw rw 0 1" "$cow cow 0 1" |
		sort -n | tr '\n' ' ')
	[ "$got" = "$want" ] || {
		fail "who lists '$got', not '$want':"
		show "$out/o"
	}
	has o "tool_helper view m cow"
	run 0 info m && has o "holders:" && has o "view 0x"
	for p in $h $r $rw $cow; do
		grep -q "^ *$p " "$out/o" || fail "info does not list $p"
	done
	if need_python; then
		run 0 who m --json && H=$h R=$r RW=$rw COW=$cow json_check '
want(d["name"] == "Local\\m", "name %r" % d["name"])
got = {h["pid"]: (h["access"], h["handles"], len(h["views"])) for h in d["holders"]}
want(got == {int(E["H"]): ("-", 1, 0), int(E["R"]): ("r", 0, 1),
             int(E["RW"]): ("rw", 0, 1), int(E["COW"]): ("cow", 0, 1)},
     "holders %r" % got)
v = [h for h in d["holders"] if h["pid"] == int(E["RW"])][0]["views"][0]
want(v["end"] - v["start"] == 65536 and v["offset"] == 0, "view %r" % v)
want(v["access"] == "rw", "view access")
s = d["summary"]
want(s["processes"] == 4 and s["handles"] == 1, "summary %r" % s)
want(isinstance(s["complete"], bool), "complete")
want((s["not_seen"] is None) == s["complete"], "not_seen")'
		run 0 info m --json && json_check '
want(d["object"]["name"] == "Local\\m" and d["object"]["views"] == 3, "object")
want(len(d["holders"]) == 4, "holders")'
	fi
	stop "$r"
	run 0 who m && ! grep -q "^ *$r " "$out/o" ||
		fail "who still lists $r, which ended"
	stop "$rw"
	stop "$cow"
	stop "$h"
	run 3 who m && err_line "shmap who: m: no such object"
	run 3 info m && err_line "shmap info: m: no such object"
	finish
}

# Runs a command as the unprivileged user.
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

# can_nobody: this runs as root and can run the tool and the helper as
# nobody (the helper without arguments says its usage and exits 2).
can_nobody() {
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
		$NOBODY "$tool" version >/dev/null 2>&1 &&
		{
			$NOBODY "$helper" 2>/dev/null
			[ $? = 2 ]
		}
}

c_who_other_user() {
	if ! can_nobody; then
		skip "needs root, setpriv, and programs user nobody may run"
		return
	fi
	hold h 'Global\g' --size 4K --mode 666 || return
	h=$bgpid
	bg n $NOBODY "$helper" view 'Global\g' rw
	wait_for n ready || return
	n=$bgpid
	nobody=$(getent passwd 65534 | cut -d: -f1)
	run 0 who 'Global\g'
	grep -q "^ *$n ${nobody:-65534} *rw " "$out/o" ||
		{ fail "who as root does not list $n of user nobody:"; show "$out/o"; }
	grep -q "^ *$h " "$out/o" || fail "who as root does not list $h"
	# nobody sees its own process, and says what it could not see.
	$NOBODY "$tool" who 'Global\g' >"$out/o" 2>"$out/e" ||
		fail "who as nobody failed: $(cat "$out/e")"
	grep -q "^ *$n " "$out/o" || fail "who as nobody does not list $n"
	grep -q "^ *$h " "$out/o" && fail "who as nobody lists root's $h"
	has o "not seen: 1 of the 1 handles open on it, in the "
	has o "could not be inspected"
	if need_python; then
		$NOBODY "$tool" who 'Global\g' --json >"$out/o" 2>"$out/e"
		json_check '
s = d["summary"]
want(s["complete"] is False and s["processes_hidden"] > 0, "summary %r" % s)
want("could not be inspected" in s["not_seen"], "not_seen")'
	fi
	$NOBODY "$tool" ls --all-users >"$out/o" 2>"$out/e"
	[ $? = 1 ] || fail "ls --all-users as nobody did not exit 1"
	err_line "shmap ls: --all-users: needs root"
	$NOBODY "$tool" rm 'Global\g' >"$out/o" 2>"$out/e"
	[ $? = 1 ] || fail "rm of root's object as nobody did not exit 1"
	err_line "only its owner or root may remove it"
	run 0 ls --all-users && has o 'Global\g'
	stop "$n"
	stop "$h"
	finish
}

c_json_escape() {
	need_python || return
	# Control bytes, a quote, a tab, a byte of no UTF-8 character, and
	# a character of two bytes.
	name=$(printf 'esc\001q"t\tz\377\303\251e')
	hold h "$name" --size 4K || return
	run 0 ls --json && json_check '
n = [x["name"] for x in d["objects"]][0]
want(n.encode("utf-8", "surrogateescape") ==
     b"Local\\esc\x01q\"t\tz\xff\xc3\xa9e", "name %r" % n)'
	grep -qF '"Local\\esc\u0001q\"t\tz\udcffée"' "$out/o" ||
		fail "ls --json does not escape the name as documented"
	run 0 ls && has o 'Local\esc\x01q"t\x09z\xffée'
	run 0 who "$name" && run 0 info "$name" &&
		has o 'name:      Local\esc\x01q"t\x09z\xffée'
	run 1 write "$name" -o 5000 &&
		err_line 'esc\x01q"t\x09z\xffée: offset 5000 is past the end'
	stop "$bgpid"
	finish
}

# --- gc and rm --------------------------------------------------------

c_gc() {
	# The live object first: a create sweeps the leftovers it finds.
	hold h live --size 4K || return
	h=$bgpid
	bg c "$helper" map-write left 4096 x
	wait_for c ready || return
	stop "$pid_c" KILL
	junk=$T/shmap.u$(id -u).junk
	printf abcdefg >"$junk" # the prefix, 7 bytes, no object
	run 0 gc --dry-run && has o 'would remove Local\left' &&
		has o "would remove 1 leftover object from $T"
	[ "$(grep -c remove "$out/o")" = 2 ] ||
		fail "gc --dry-run names more than the leftover"
	[ -e "$T/shmap.u$(id -u).left" ] || fail "gc --dry-run removed it"
	run 0 gc --dry-run --verbose &&
		has o 'would remove Local\left: mapping, 4.0K bytes, made by pid'
	run 0 gc && has o 'removed Local\left' &&
		has o "removed 1 leftover object from $T"
	[ "$(wc -l <"$out/o")" = 2 ] || fail "gc names more than the leftover"
	[ -e "$T/shmap.u$(id -u).left" ] && fail "gc left the leftover"
	[ -e "$junk" ] || fail "gc removed a file that is no object"
	[ -e "$T/shmap.u$(id -u).live" ] || fail "gc removed a live object"
	run 0 dump live -l 1
	run 0 gc -v && is o "removed 0 leftover objects from $T"
	# An empty file a killed create left is named by its file.
	(umask 077 && : >"$T/shmap.u$(id -u).empty")
	run 0 gc -v && has o "removed shmap.u$(id -u).empty (empty: a create killed before it wrote a header): file $T/"
	rm -f "$junk"
	stop "$h"
	finish
}

c_rm() {
	hold h m --size 4K || return
	h=$bgpid
	bg v "$helper" view m rw
	wait_for v ready || return
	v=$bgpid
	run 0 rm m &&
		is o 'removed Local\m: 1 handle and 1 view still hold it; its memory goes with the last of them'
	run 3 dump m && err_line "shmap dump: m: no such object"
	run 3 rm m && err_line "shmap rm: m: no such object"
	hold h2 m --size 8K || return
	grep -qF "m: created mapping, 8192 bytes" "$out/h2" ||
		fail "after rm, create did not make a new object: $(cat "$out/h2")"
	run 0 who m && [ "$(grep -c '^ *[0-9]' "$out/o")" = 1 ] &&
		grep -q "^ *$bgpid " "$out/o" || fail "who lists the old holders"
	stop "$v"
	stop "$h"
	stop "$bgpid"
	run 2 rm && err_line "shmap rm: missing NAME"
	finish
}

# --- watch ------------------------------------------------------------

c_watch_chan() {
	bg c "$helper" chan-pump ch
	wait_for c ready || return
	c=$bgpid
	run 0 watch ch --count 2 --interval 0.3 || return
	[ "$(grep -c '^    mpmc: sent ' "$out/o")" = 2 ] ||
		{ fail "watch does not show the channel's traffic twice:"; show "$out/o"; }
	# The first frame has no rate; the second one's is above zero.
	grep '^    mpmc: sent ' "$out/o" | head -1 | grep -q 'msgs [^ ]*B (-, -)' ||
		{ fail "watch's first frame shows a rate:"; show "$out/o"; }
	grep '^    mpmc: sent ' "$out/o" | tail -1 |
		grep -q 'B ([1-9][0-9.]*[KMG]*/s, [1-9][0-9.]*[KMG]*B/s), received' ||
		{ fail "watch's second frame shows no rate above zero:"; show "$out/o"; }
	stop "$c" KILL
	run 0 gc
	finish
}

c_watch_plain() {
	hold h m --size 4K || return
	run 0 watch --count 2 --interval 0.1 &&
		[ "$(grep -c '^shmap watch: ' "$out/o")" = 2 ] ||
		fail "watch --count 2 did not print 2 frames"
	[ "$(grep -c '^Local\\m ' "$out/o")" = 2 ] ||
		{ fail "watch does not show m in each frame:"; show "$out/o"; }
	grep -q "^    pid $bgpid -, 1 handle, 0 views: " "$out/o" ||
		{ fail "watch does not show m's holder:"; show "$out/o"; }
	run 0 watch m nope --count 1 && has o "nope: no such object" &&
		has o 'Local\m'
	grep -q $'\033' "$out/o" && fail "watch wrote escapes to a file"
	run 2 watch --interval 0 && err_line "--interval: '0' is not"
	stop "$bgpid"
	finish
}

# screen_line NAME: the line of the tmux screen whose first word is NAME.
screen_line() {
	tmux -S "$out/tmux" capture-pane -p -t watch 2>/dev/null |
		awk -v n="$1" '$1 == n { print; exit }'
}

# wait_screen NAME COLUMN VALUE: waits (60 s at most) until column COLUMN
# of NAME's line on the tmux screen is VALUE.
wait_screen() {
	i=0
	while [ "$(screen_line "$1" | awk -v c="$2" '{ print $c }')" != "$3" ]; do
		i=$((i + 1))
		if [ $i -gt 600 ]; then
			fail "the screen never showed $1 with column $2 = $3:"
			tmux -S "$out/tmux" capture-pane -p -t watch | sed 's/^/    | /'
			return 1
		fi
		sleep 0.1
	done
}

c_watch_tmux() {
	if ! command -v tmux >/dev/null; then
		skip "no tmux to run watch on a terminal"
		return
	fi
	tmux -S "$out/tmux" new-session -d -s watch -x 120 -y 30 \
		"env SHMAP_DIR='$T' '$tool' watch --interval 0.2" || {
		fail "tmux could not start"
		return
	}
	hold h m --size 4K || return
	h=$bgpid
	bg v "$helper" view m r
	wait_for v ready || return
	# An object appears, held by two processes (PROCS is column 5).
	wait_screen 'Local\m' 5 2
	stop "$pid_v"
	# A holder went; the count changes in place.
	wait_screen 'Local\m' 5 1
	n=$(tmux -S "$out/tmux" capture-pane -p -t watch | grep -c '^shmap watch: ')
	[ "$n" = 1 ] || fail "watch did not refresh in place ($n frames on the screen)"
	tmux -S "$out/tmux" send-keys -t watch C-c
	tmux -S "$out/tmux" kill-server 2>/dev/null
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
chan) cases="c_chan_shapes c_chan_roles c_chan_timeout c_chan_overrun
	c_chan_raw c_chan_corrupt c_chan_usage" ;;
inspect) cases="c_ls c_ls_sync c_info_chan c_who c_who_other_user c_json_escape" ;;
gc) cases="c_gc c_rm" ;;
watch) cases="c_watch_plain c_watch_chan c_watch_tmux" ;;
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
