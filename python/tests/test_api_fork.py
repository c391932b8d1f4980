# SPDX-License-Identifier: MIT
"""Handles made before a fork (multiprocessing's fork start method) and
used in the child: a named one is reopened by name, an unnamed one made
without inherit=True raises OSError EBADF saying so, one made with it
works through the child's own hold."""

import errno
import multiprocessing
import os
import secrets

import shmap

FORK = multiprocessing.get_context("fork")


def _name():
    return "pyt_" + secrets.token_hex(6)


def _in_child(fn, *args):
    """Runs fn(*args) in a forked child; returns its exit code (0: it
    returned, 3: it raised)."""
    def body():
        try:
            fn(*args)
        except BaseException as e:  # the parent asserts on the code
            print("child: %r" % (e,))
            os._exit(3)
        os._exit(0)
    p = FORK.Process(target=body)
    p.start()
    p.join(60)
    if p.exitcode is None:
        p.kill()
        p.join()
    return p.exitcode


def _use_all(ev, m, s, ch):
    with m:
        ev.set()
        assert s.release() == 0
        assert ch.recv(30) == b"to child"
        ch.send(b"from child")
    assert ev.name is not None and not ev.closed


def test_named_objects_work_in_a_forked_child():
    ev = shmap.Event(_name())
    m = shmap.Mutex(_name())
    s = shmap.Semaphore(_name(), 0, 1)
    ch = shmap.Channel.create(_name())
    ch.send(b"to child")
    assert _in_child(_use_all, ev, m, s, ch) == 0
    assert ev.wait(30) and s.acquire(30)
    assert ch.recv(30) == b"from child"
    assert m.acquire(0) is True  # released by the child, not abandoned
    m.release()
    for o in (ev, m, s, ch):
        o.close()


def _expect_ebadf(obj, use):
    try:
        use(obj)
    except OSError as e:
        assert e.errno == errno.EBADF and "inherit=True" in str(e), e
        return
    raise AssertionError("no error")


def test_unnamed_objects_without_inherit_say_so_in_a_child():
    for obj, use in ((shmap.Event(), lambda o: o.set()),
                     (shmap.Mutex(), lambda o: o.acquire(0)),
                     (shmap.Semaphore(None, 1, 1), lambda o: o.wait(0)),
                     (shmap.Channel.create(), lambda o: o.send(b"x", 0))):
        assert _in_child(_expect_ebadf, obj, use) == 0, obj
        obj.close()


def _set(ev):
    ev.set()


def test_unnamed_inheriting_objects_work_in_a_child():
    ev = shmap.Event(inherit=True)
    assert _in_child(_set, ev) == 0
    assert ev.wait(30)
    ev.close()
