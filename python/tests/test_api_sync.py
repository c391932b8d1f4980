# SPDX-License-Identifier: MIT
"""Events, mutexes and semaphores across processes; waits interrupted by
signals (KeyboardInterrupt) from a thread and from a child."""

import multiprocessing
import os
import secrets
import signal
import threading
import time
import warnings

import pytest

import shmap

FORK = multiprocessing.get_context("fork")


def _name():
    return "pyt_" + secrets.token_hex(6)


def _run(target, *args):
    p = FORK.Process(target=target, args=args)
    p.start()
    return p


def _joined(p):
    p.join(60)
    if p.exitcode is None:
        p.kill()
    return p.exitcode


def _child_ping_pong(ping, pong, sem):
    ev = shmap.Event.open(ping)
    out = shmap.Event.open(pong)
    assert ev.wait(30)
    out.set()
    shmap.Semaphore.open(sem).release(2)


def test_event_and_semaphore_across_fork():
    ping, pong, sem = _name(), _name(), _name()
    a = shmap.Event(ping)
    b = shmap.Event(pong, manual=True)
    s = shmap.Semaphore(sem, 0, 2)
    assert not a.existed
    p = _run(_child_ping_pong, ping, pong, sem)
    assert not b.wait(0)
    a.set()
    assert b.wait(30)
    assert b.wait(0)  # manual reset: still set
    b.reset()
    assert not b.wait(0)
    assert _joined(p) == 0
    assert s.acquire(30) and s.wait(0) and not s.wait(0)
    assert s.release() == 0
    with pytest.raises(OSError) as ei:
        s.release(5)
    assert ei.value.errno == 75  # EOVERFLOW
    for o in (a, b, s):
        o.close()
    with pytest.raises(ValueError):
        a.set()


def _child_dies_holding(name, ready):
    m = shmap.Mutex.open(name)
    assert m.acquire(30) is True
    shmap.Event.open(ready).set()
    os._exit(0)


def test_mutex_context_and_abandonment():
    name, ready = _name(), _name()
    m = shmap.Mutex(name)
    ev = shmap.Event(ready)
    with m:
        assert m.acquire(0) is True  # recursive
        m.release()
    with pytest.raises(PermissionError):
        m.release()
    p = _run(_child_dies_holding, name, ready)
    assert ev.wait(30)
    assert _joined(p) == 0
    with pytest.warns(shmap.AbandonedWarning):
        got = m.acquire(30)
    assert got is shmap.ABANDONED and got
    m.release()
    assert m.acquire(0) is True
    m.release()
    with pytest.raises(TypeError):
        shmap.Mutex().__reduce__()
    assert pickle_roundtrip(m).name == name


def pickle_roundtrip(o):
    import pickle
    return pickle.loads(pickle.dumps(o))


def _child_holds(name, ready, done):
    m = shmap.Mutex.open(name)
    m.acquire()
    shmap.Event.open(ready).set()
    shmap.Event.open(done).wait(30)
    m.release()


def test_wait_multiple_any_all_and_timeout():
    e1 = shmap.Event()
    e2 = shmap.Event(manual=True)
    s = shmap.Semaphore(None, 0, 5)
    assert shmap.wait_multiple([e1, e2, s], timeout=0) is None
    assert shmap.wait_multiple([e1, e2, s], timeout=0.02) is None
    s.release()
    e2.set()
    assert shmap.wait_multiple([e1, e2, s]) == 1
    assert shmap.wait_multiple([e1, s], timeout=1) == 1
    assert shmap.wait_multiple([e1, e2], all=True, timeout=0.02) is None
    e1.set()
    assert shmap.wait_multiple([e1, e2], all=True, timeout=5) == 0
    assert not e1.wait(0)
    with pytest.raises(TypeError):
        shmap.wait_multiple([object()])
    with pytest.raises(ValueError):
        shmap.wait_multiple([])
    with pytest.raises(ValueError):
        e1.wait(-1)
    # A mutex another process owns is not signalled for us.
    name, ready, done = _name(), _name(), _name()
    m = shmap.Mutex(name)
    r, d = shmap.Event(ready), shmap.Event(done)
    p = _run(_child_holds, name, ready, done)
    assert r.wait(30)
    assert not m.acquire(0.02)
    d.set()
    assert m.acquire(30)
    m.release()
    assert _joined(p) == 0


def _interrupt_later(delay, pid, sig):
    time.sleep(delay)
    os.kill(pid, sig)


def _watchdog(ev):
    # Ends the wait if the signal did not, so a failure cannot hang.
    t = threading.Timer(20, ev.set)
    t.daemon = True
    t.start()
    return t


def test_keyboard_interrupt_from_a_thread_ends_a_wait():
    ev = shmap.Event()
    dog = _watchdog(ev)
    threading.Thread(target=_interrupt_later,
                     args=(0.2, os.getpid(), signal.SIGINT),
                     daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        ev.wait()
    dog.cancel()


def test_keyboard_interrupt_from_a_child_ends_a_wait_multiple():
    ev, sem = shmap.Event(), shmap.Semaphore()
    dog = _watchdog(ev)
    p = _run(_interrupt_later, 0.2, os.getpid(), signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        shmap.wait_multiple([ev, sem], all=True)
    dog.cancel()
    assert _joined(p) == 0


def test_a_handler_that_returns_lets_the_wait_go_on():
    seen = []
    old = signal.signal(signal.SIGUSR1, lambda *a: seen.append(1))
    try:
        ev = shmap.Event()
        dog = _watchdog(ev)

        def poke():
            _interrupt_later(0.1, os.getpid(), signal.SIGUSR1)
            time.sleep(0.2)
            ev.set()
        threading.Thread(target=poke, daemon=True).start()
        assert ev.wait()
        dog.cancel()
        assert seen == [1]
    finally:
        signal.signal(signal.SIGUSR1, old)


def test_event_fileno_polls_readable():
    import selectors
    ev = shmap.Event()
    sel = selectors.DefaultSelector()
    sel.register(ev.fileno(), selectors.EVENT_READ)
    assert sel.select(0) == []
    ev.set()
    assert len(sel.select(10)) == 1
    assert ev.wait(0)
    sel.close()
    ev.close()


def test_no_abandoned_warning_for_a_plain_acquire():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = shmap.Mutex(initial_owner=True)
        m.release()
        with m:
            pass
