# SPDX-License-Identifier: MIT
"""shmap.SharedMemory and events across processes: multiprocessing with the
fork and spawn start methods (test_shared_memory_across_processes), numpy
arrays that two processes share, a holder killed with SIGKILL (nothing left
behind, no resource-tracker warning), and Ctrl-C during a wait."""

import multiprocessing
import os
import signal
import time

import pytest

import shmap
from compat_common import (CHILD_TIMEOUT, child_env, expect_line, python,
                           run_python, unique)

METHODS = [m for m in ("fork", "spawn")
           if m in multiprocessing.get_all_start_methods()]


def _attach_then_write(name_or_obj, data):
    # _attach_existing_shmem_then_write of CPython's tests.
    if isinstance(name_or_obj, str):
        local = shmap.SharedMemory(name_or_obj)
    else:
        local = name_or_obj
    local.buf[:len(data)] = data
    local.close()


def _run(ctx, target, *args):
    p = ctx.Process(target=target, args=args)
    p.daemon = True
    p.start()
    p.join(CHILD_TIMEOUT)
    if p.is_alive():
        p.kill()
        p.join()
        pytest.fail("the child did not end in %d s" % CHILD_TIMEOUT)
    assert p.exitcode == 0


@pytest.mark.parametrize("method", METHODS)
def test_across_processes(method):
    ctx = multiprocessing.get_context(method)
    sms = shmap.SharedMemory(create=True, size=512)
    try:
        # Attached by name in the child.
        _run(ctx, _attach_then_write, sms.name, b"howdy")
        assert bytes(sms.buf[:5]) == b"howdy"
        # Passed as an argument (pickled by name).
        _run(ctx, _attach_then_write, sms, b"HELLO")
        assert bytes(sms.buf[:5]) == b"HELLO"
    finally:
        sms.close()
        sms.unlink()


def _numpy_child(name, ready, done, n):
    import numpy as np
    # By name: under fork, the parent's own SharedMemory object comes with
    # the parent's arrays over it, and closing it would raise BufferError
    # (as the stdlib's would).
    sms = shmap.SharedMemory(name)
    a = np.ndarray((n,), dtype=np.float64, buffer=sms.buf)
    # The parent's values are here at once.
    if not (a == np.arange(n)).all():
        os._exit(2)
    a *= 2
    ready.set()
    if not done.wait(CHILD_TIMEOUT):
        os._exit(3)
    ok = (a == -1).all()
    del a
    sms.close()
    os._exit(0 if ok else 4)


@pytest.mark.parametrize("method", METHODS)
def test_numpy_two_processes(method):
    np = pytest.importorskip("numpy")
    ctx = multiprocessing.get_context(method)
    n = 1000
    sms = shmap.SharedMemory(create=True, size=n * 8)
    # multiprocessing's fork passes the parent's objects themselves, not
    # pickled: a forked child may use an event only if made inheritable
    # (under spawn it opens the name, inherit or not).
    ready = shmap.Event(unique("np_ready"), inherit=True)
    done = shmap.Event(unique("np_done"), inherit=True)
    a = np.ndarray((n,), dtype=np.float64, buffer=sms.buf)
    try:
        a[:] = np.arange(n)
        p = ctx.Process(target=_numpy_child, args=(sms.name, ready, done, n))
        p.daemon = True
        p.start()
        assert ready.wait(CHILD_TIMEOUT)
        assert (a == 2 * np.arange(n)).all()
        a[:] = -1
        done.set()
        p.join(CHILD_TIMEOUT)
        assert p.exitcode == 0
    finally:
        del a
        try:
            sms.close()
        except BufferError:
            pass  # a failed assertion's traceback still holds the array
        ready.close()
        done.close()


# A holder that creates an object, writes it and waits to be killed. It
# also shows whether multiprocessing's resource tracker was started (its
# pid, None if not).
HOLDER = r"""
import sys, shmap
import multiprocessing.resource_tracker as rt
s = shmap.SharedMemory(%r, create=True, size=4096)
s.buf[:5] = b"alive"
print(shmap._lib.path, flush=True)
print("tracker", rt._resource_tracker._pid, flush=True)
print("ready", flush=True)
sys.stdin.read()
"""

# Attaching after the holder died: FileNotFoundError, and the backing
# directory is empty then.
AFTER = r"""
import os, shmap
try:
    shmap.SharedMemory(%r)
    print("attached")
except FileNotFoundError:
    print("gone")
print(sorted(os.listdir(os.environ["SHMAP_DIR"])))
"""


def test_sigkill_holder_leaves_nothing(tmp_path):
    env = child_env(SHMAP_DIR=tmp_path)
    name = unique("killed")
    p = python(HOLDER % name, env=env)
    lines = expect_line(p, "ready")
    assert lines[-1].strip() == "tracker None"
    # The object's file is there while it is held.
    assert len(os.listdir(tmp_path)) == 1
    p.kill()
    out, err = p.communicate(timeout=CHILD_TIMEOUT)
    # The pipe reaches its end only once every process holding it ends, a
    # resource tracker the child started included.
    assert p.returncode == -signal.SIGKILL
    assert "resource_tracker" not in err and "leaked" not in err, err
    r = run_python(AFTER % name, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["gone", "[]"], r.stdout
    assert os.listdir(tmp_path) == []


def test_exit_without_close_or_unlink_leaves_nothing(tmp_path):
    # The stdlib on POSIX warns of a leaked object here and leaves it
    # behind until its tracker unlinks it; on Windows the object ends
    # with its last handle, and shmap has no tracker to warn.
    env = child_env(SHMAP_DIR=tmp_path)
    name = unique("exited")
    r = run_python(
        "import shmap\n"
        "s = shmap.SharedMemory(%r, create=True, size=4096)\n"
        "s.buf[0] = 1\n" % name, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert os.listdir(tmp_path) == []


WAITER = r"""
import sys, time, shmap
e = shmap.Event(%r)
print("ready", flush=True)
try:
    %s
except KeyboardInterrupt:
    print("KeyboardInterrupt", flush=True)
    sys.exit(0)
print("returned", flush=True)
sys.exit(1)
"""


@pytest.mark.parametrize("call", [
    "e.wait()",
    "e.wait(timeout=3600)",
    "shmap.wait_multiple([e, shmap.Event()])",
])
def test_sigint_during_wait(call):
    name = unique("intr")
    keep = shmap.Event(name)  # the event lives while this test holds it
    try:
        p = python(WAITER % (name, call))
        expect_line(p, "ready")
        # Give it time to reach the wait; the outcome does not depend on it.
        time.sleep(0.3)
        start = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=CHILD_TIMEOUT)
        took = time.monotonic() - start
        print("%s: SIGINT to the end of the process: %.1f ms" %
              (call, took * 1000))
        assert out.strip() == "KeyboardInterrupt", (out, err)
        assert p.returncode == 0
    finally:
        keep.close()
