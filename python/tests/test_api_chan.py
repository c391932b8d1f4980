# SPDX-License-Identifier: MIT
"""Channels: send/recv, reserve, peek, broadcast overrun, iteration,
waiting, errors."""

import multiprocessing
import os
import secrets
import selectors
import signal
import threading
import time

import pytest

import shmap

FORK = multiprocessing.get_context("fork")


def _name():
    return "pyt_" + secrets.token_hex(6)


def test_send_recv_reserve_peek():
    with shmap.Channel.create(_name(), "spsc", capacity=4, max_msg=32) as ch:
        assert (ch.shape, ch.capacity, ch.max_msg) == ("spsc", 4, 32)
        ch.send(b"one")
        ch.send(bytearray(b"two"))
        ch.send(memoryview(b"xthreex")[1:6])
        assert ch.recv() == b"one"
        buf = bytearray(32)
        assert ch.recv_into(buf) == 3 and buf[:3] == b"two"
        assert ch.recv(0) == b"three"
        with ch.reserve(4) as mv:
            mv[:] = b"abcd"
        with pytest.raises(RuntimeError):
            with ch.reserve(4) as mv:
                mv[:] = b"gone"
                raise RuntimeError
        with ch.peek() as mv:
            assert mv.readonly and bytes(mv) == b"abcd"
        with pytest.raises(BlockingIOError):
            ch.recv(0)
        with pytest.raises(TimeoutError):
            ch.recv(0.02)
        with pytest.raises(OSError) as ei:
            ch.send(b"x" * 33)
        assert ei.value.errno == 90  # EMSGSIZE
        for i in range(4):
            ch.send(b"%d" % i, timeout=0)
        with pytest.raises(BlockingIOError):
            ch.send(b"full", timeout=0)
        with pytest.raises(TimeoutError):
            ch.send(b"full", timeout=0.02)
        st = ch.stats()
        assert st["shape"] == "spsc" and st["queued"] == 4
        assert st["sent"] == 8 and st["received"] == 4
    with pytest.raises(ValueError):
        ch.recv()


def test_errors():
    n = _name()
    with pytest.raises(FileNotFoundError):
        shmap.Channel.open(n)
    with pytest.raises(ValueError):
        shmap.Channel.create(n, "ring")
    with pytest.raises(ValueError):
        shmap.Channel.create(n, capacity=0)
    with pytest.raises(ValueError):
        shmap.Channel.create(n, role="all")
    with shmap.Channel.create(n, "spsc", role="send") as s:
        with pytest.raises(OSError) as ei:
            shmap.Channel.open(n, role="send")
        assert ei.value.errno == 16  # EBUSY
        with pytest.raises(PermissionError):
            s.recv(0)
        with pytest.raises(PermissionError):
            s.wait(0)
        with shmap.Event(_name()) as ev:
            with pytest.raises(shmap.TypeMismatchError):
                shmap.Channel.open(ev.name)


def test_broadcast_overrun_carries_missed():
    n = _name()
    w = shmap.Channel.create(n, "broadcast", capacity=2, max_msg=16,
                             role="send")
    r = shmap.Channel.open(n, role="recv")
    for i in range(6):
        w.send(b"%d" % i)
    with pytest.raises(shmap.OverrunError) as ei:
        r.recv()
    assert ei.value.missed == 4
    assert r.recv() == b"4" and r.recv() == b"5"
    for i in range(5):
        w.send(b"p%d" % i)
    with pytest.raises(shmap.OverrunError) as ei:
        with r.peek():
            pass
    assert ei.value.missed == 3
    with r.peek() as mv:
        assert bytes(mv) == b"p3"
    readers = w.stats()["readers"]
    assert len(readers) == 1 and readers[0]["pid"] == os.getpid()
    assert readers[0]["missed"] == 7
    r.close()
    w.close()


def _producer(name, count):
    with shmap.Channel.open(name, role="send") as ch:
        for i in range(count):
            ch.send(b"m%d" % i)


def test_iteration_across_processes_ends_with_the_senders():
    n = _name()
    ch = shmap.Channel.create(n, "mpmc", capacity=8, max_msg=16, role="recv")
    procs = [FORK.Process(target=_producer, args=(n, 50)) for _ in range(2)]
    for p in procs:
        p.start()
    # Iteration ends when no sender holds the channel: wait for the first.
    deadline = time.monotonic() + 30
    while ch.stats()["senders"] == 0 and ch.stats()["sent"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    got = []
    for msg in ch:
        got.append(msg)
        if len(got) == 100:
            break
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert sorted(got) == sorted([b"m%d" % i for i in range(50)] * 2)
    assert list(ch) == []
    ch.close()


def test_waitable_with_events_and_selectors():
    ch = shmap.Channel.create(None, "mpmc", capacity=4, max_msg=8)
    ev = shmap.Event()
    assert shmap.wait_multiple([ev, ch], timeout=0) is None
    sel = selectors.DefaultSelector()
    sel.register(ch, selectors.EVENT_READ)
    assert sel.select(0) == []
    ch.send(b"hi")
    assert shmap.wait_multiple([ev, ch], timeout=5) == 1
    assert ch.wait(0)  # the wait took nothing
    assert len(sel.select(5)) == 1
    assert ch.recv(0) == b"hi"
    assert not ch.wait(0)
    sel.close()
    ch.close()


def test_keyboard_interrupt_ends_a_recv():
    ch = shmap.Channel.create(None, "spsc", capacity=2, max_msg=8)
    t = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    t.start()
    with pytest.raises(KeyboardInterrupt):
        ch.recv(timeout=20)
    t.join()
    ch.close()
