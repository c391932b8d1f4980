#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Python binding against what the standard library offers, between
two Python processes (the second one forked with multiprocessing):

  event ping-pong   shmap.Event pair vs multiprocessing.Event pair
  round trip, 64 B  shmap.Channel pair vs multiprocessing Pipe and Queue
  one-way, 64 B     the same, messages per second
  lifetime          SharedMemory create + attach + close (+ unlink) vs
                    multiprocessing.shared_memory's, in one process

Each figure is the median of --reps repetitions (at least 5), taken in
turns (every method once, then again) so that a slow moment of the machine
falls on all of them. Prints a table; with --csv FILE appends its rows to
FILE in bench_chan's columns (figure,method,size,unit,min,median,max).

Usage: bench_python.py [--reps N] [--target-ms MS] [--csv FILE]
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time
import uuid

try:
    import shmap
except ImportError as e:  # pragma: no cover - said by run.sh
    print("skipped: bench_python: the shmap package cannot be imported "
          "(%s)" % e)
    sys.exit(0)

from multiprocessing import shared_memory as stdlib_shm

MSG = b"m" * 64
STOP = b"s"  # a one-way batch ends with this one-byte message
CTX = multiprocessing.get_context("fork")
TARGET = 0.3  # seconds per measurement (--target-ms)


def uname(stem):
    return "bench_py_%s_%d_%s" % (stem, os.getpid(), uuid.uuid4().hex[:6])


# Each transport is a pair of ends: the parent's (send, recv) and the
# child's, the child made after the fork from what the parent passes.

class ShmapChan:
    name = "shmap.Channel (spsc)"

    def __init__(self):
        self.a, self.b = uname("ab"), uname("ba")
        self.tx = shmap.Channel.create(self.a, shape="spsc", capacity=256,
                                       max_msg=64, role="send")
        self.rx = shmap.Channel.create(self.b, shape="spsc", capacity=256,
                                       max_msg=64, role="recv")

    def child(self):
        tx = shmap.Channel.open(self.b, role="send")
        rx = shmap.Channel.open(self.a, role="recv")
        return tx.send, rx.recv

    def parent(self):
        return self.tx.send, self.rx.recv

    def close(self):
        self.tx.close()
        self.rx.close()


class MpPipe:
    name = "multiprocessing.Pipe"

    def __init__(self):
        self.p, self.c = CTX.Pipe()

    def child(self):
        return self.c.send_bytes, self.c.recv_bytes

    def parent(self):
        return self.p.send_bytes, self.p.recv_bytes

    def close(self):
        self.p.close()
        self.c.close()


class MpQueue:
    name = "multiprocessing.Queue"

    def __init__(self):
        self.ab, self.ba = CTX.Queue(), CTX.Queue()

    def child(self):
        return self.ba.put, self.ab.get

    def parent(self):
        return self.ab.put, self.ba.get

    def close(self):
        for q in (self.ab, self.ba):
            q.close()
            q.join_thread()


class ShmapEvents:
    name = "shmap.Event"

    def __init__(self):
        self.a, self.b = uname("ea"), uname("eb")
        self.ea, self.eb = shmap.Event(self.a), shmap.Event(self.b)

    def child(self):
        ea, eb = shmap.Event.open(self.a), shmap.Event.open(self.b)
        return eb.set, ea.wait

    def parent(self):
        return self.ea.set, self.eb.wait

    def close(self):
        self.ea.close()
        self.eb.close()


class MpEvents:
    name = "multiprocessing.Event"

    def __init__(self):
        self.ea, self.eb = CTX.Event(), CTX.Event()

    @staticmethod
    def _take(e):
        def take():
            e.wait()
            e.clear()
        return take

    def child(self):
        return self.eb.set, self._take(self.ea)

    def parent(self):
        return self.ea.set, self._take(self.eb)

    def close(self):
        pass


def run_child(t, mode):
    """The child: for events, sets b for every a; for messages, echoes each
    one (mode "rt"), or only a batch's STOP (mode "oneway")."""
    send, recv = t.child()
    if mode == "event":
        while True:
            recv()
            send()
    while True:
        m = recv()
        if mode == "rt" or len(m) == 1:
            send(m)


def round_trips(send, recv, event):
    """Round trips until TARGET seconds pass: seconds per round trip."""
    n, start = 0, time.perf_counter()
    while True:
        for _ in range(32):
            if event:
                send()
            else:
                send(MSG)
            recv()
        n += 32
        el = time.perf_counter() - start
        if el >= TARGET:
            return el / n


def one_way(send, recv, batch):
    start = time.perf_counter()
    for _ in range(batch):
        send(MSG)
    send(STOP)
    recv()
    return time.perf_counter() - start


def measure(cls, mode):
    t = cls()
    p = CTX.Process(target=run_child, args=(t, mode), daemon=True)
    p.start()
    try:
        send, recv = t.parent()
        event = mode == "event"
        if mode in ("event", "rt"):
            round_trips(send, recv, event)  # warm-up, the child started
            return round_trips(send, recv, event)
        # One-way: a batch sized to take about TARGET seconds.
        batch = 1000
        while True:
            el = one_way(send, recv, batch)
            if el >= TARGET / 4 or batch >= 1 << 24:
                break
            batch *= 4
        batch = max(1000, int(batch * TARGET / el))
        return one_way(send, recv, batch) / batch
    finally:
        p.kill()
        p.join()
        t.close()


def lifetime_shmap():
    s = shmap.SharedMemory(create=True, size=4096)
    a = shmap.SharedMemory(s.name)
    a.close()
    s.close()
    s.unlink()


def lifetime_stdlib():
    s = stdlib_shm.SharedMemory(create=True, size=4096)
    a = stdlib_shm.SharedMemory(s.name)
    a.close()
    s.close()
    s.unlink()


def measure_lifetime(fn):
    fn()
    n, start = 0, time.perf_counter()
    while True:
        for _ in range(16):
            fn()
        n += 16
        el = time.perf_counter() - start
        if el >= TARGET:
            return el / n


# (figure, csv key, unit, method name, how to measure, value from seconds)
US = ("us", lambda s: s * 1e6)
MPS = ("Mmsg/s", lambda s: 1e-6 / s)


def rows_to_run():
    rows = []
    for cls in (ShmapEvents, MpEvents):
        rows.append(("event ping-pong, round trip", "python_event_rt", 0,
                     cls.name, lambda c=cls: measure(c, "event"), US))
    for cls in (ShmapChan, MpPipe, MpQueue):
        rows.append(("64 B round trip", "python_roundtrip", 64, cls.name,
                     lambda c=cls: measure(c, "rt"), US))
    for cls in (ShmapChan, MpPipe, MpQueue):
        rows.append(("64 B one-way", "python_oneway", 64, cls.name,
                     lambda c=cls: measure(c, "oneway"), MPS))
    rows.append(("SharedMemory create+attach+close", "python_lifetime",
                 4096, "shmap.SharedMemory",
                 lambda: measure_lifetime(lifetime_shmap), US))
    rows.append(("SharedMemory create+attach+close", "python_lifetime",
                 4096, "multiprocessing.shared_memory",
                 lambda: measure_lifetime(lifetime_stdlib), US))
    return rows


def main():
    global TARGET
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--target-ms", type=int, default=300)
    ap.add_argument("--csv")
    args = ap.parse_args()
    reps = max(5, args.reps)
    TARGET = args.target_ms / 1000
    rows = rows_to_run()
    got = [[] for _ in rows]
    for _ in range(reps):
        for i, row in enumerate(rows):
            got[i].append(row[4]())

    print("python %s, shmap package from %s, %d repetitions, medians"
          % (sys.version.split()[0], os.path.dirname(shmap.__file__), reps))
    print("%-34s %-31s %12s %10s" % ("figure", "method", "median",
                                       "per second"))
    out = []
    for row, secs in zip(rows, got):
        fig, key, size, method, _, (unit, conv) = row
        med = statistics.median(secs)
        vals = sorted(conv(s) for s in secs)
        print("%-34s %-31s %9.2f %-3s %10.0f" % (fig, method, conv(med),
                                                    "us" if unit == "us"
                                                    else "M/s", 1 / med))
        out.append("%s,%s,%d,%s,%.4f,%.4f,%.4f\n" % (
            key, "python " + method, size, unit, vals[0], conv(med),
            vals[-1]))
    if args.csv:
        new = not os.path.exists(args.csv) or os.path.getsize(args.csv) == 0
        with open(args.csv, "a") as f:
            if new:
                f.write("figure,method,size,unit,min,median,max\n")
            f.writelines(out)
        print("figures appended to %s" % args.csv)


if __name__ == "__main__":
    main()
