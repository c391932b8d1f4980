# SPDX-License-Identifier: MIT
"""Python and C processes share a mapping and signal each other both ways:
the C side is the `shmap` tool (write, dump, event set and wait, sem
release), and the README's example (examples/numpy_share.c with
python/examples/numpy_share.py) is run as written."""

import os
import subprocess
import sys
import time

import pytest

import shmap
from compat_common import (CHILD_TIMEOUT, REPO, child_env, program,
                           unique)


def tool(*args, data=None):
    return subprocess.run([program("shmap", "the shmap tool")] + list(args),
                          input=data, capture_output=True,
                          timeout=CHILD_TIMEOUT)


def test_c_writes_python_reads_and_back():
    name = unique("cmap")
    sms = shmap.SharedMemory(name, create=True, size=4096)
    try:
        r = tool("write", name, data=b"from C")
        assert r.returncode == 0, r.stderr
        assert bytes(sms.buf[:6]) == b"from C"
        sms.buf[100:111] = b"from Python"
        r = tool("dump", name, "--offset", "100", "--length", "11",
                 "--format", "raw")
        assert r.returncode == 0, r.stderr
        assert r.stdout == b"from Python"
    finally:
        sms.close()


def test_python_sets_c_waits():
    name = unique("cevent")
    e = shmap.Event(name)
    try:
        c = subprocess.Popen([program("shmap", "the shmap tool"), "event",
                              "wait", name, "--timeout",
                              str(CHILD_TIMEOUT * 1000)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.2)  # likely asleep by now; the outcome is the same
        e.set()
        out, err = c.communicate(timeout=CHILD_TIMEOUT)
        assert c.returncode == 0, err
        # The C wait took the auto-reset event: it is reset again.
        assert e.wait(0) is False
    finally:
        e.close()


def test_c_sets_python_waits():
    name = unique("pevent")
    e = shmap.Event(name)
    try:
        assert e.wait(0) is False
        r = tool("event", "set", name)
        assert r.returncode == 0, r.stderr
        assert e.wait(CHILD_TIMEOUT) is True
        assert e.wait(0) is False
    finally:
        e.close()


def test_c_releases_python_semaphore():
    name = unique("psem")
    s = shmap.Semaphore(name, 0, 5)
    try:
        assert s.wait(0) is False
        r = tool("sem", "release", name, "--count", "2")
        assert r.returncode == 0, r.stderr
        assert s.wait(CHILD_TIMEOUT) is True
        assert s.wait(CHILD_TIMEOUT) is True
        assert s.wait(0) is False
    finally:
        s.close()


def test_ping_pong_python_and_c():
    # Python waits for C, which waits for Python, ten times over.
    ping, pong = unique("ping"), unique("pong")
    a, b = shmap.Event(ping), shmap.Event(pong)
    sms = shmap.SharedMemory(unique("pp"), create=True, size=64)
    try:
        for i in range(10):
            c = subprocess.Popen(
                [program("shmap", "the shmap tool"), "event", "wait", ping,
                 "--timeout", str(CHILD_TIMEOUT * 1000)],
                stderr=subprocess.PIPE)
            a.set()
            assert c.wait(CHILD_TIMEOUT) == 0
            assert tool("write", sms.name, "--offset", str(i),
                        data=b"%d" % i).returncode == 0
            assert tool("event", "set", pong).returncode == 0
            assert b.wait(CHILD_TIMEOUT)
        assert bytes(sms.buf[:10]) == b"0123456789"
    finally:
        sms.close()
        a.close()
        b.close()


def test_readme_example(tmp_path):
    """The README's Python example, as written: the C program and the
    Python script, the C one started first here (either order works)."""
    pytest.importorskip("numpy")
    exe = program(os.path.join("examples", "numpy_share"),
                  "the example examples/numpy_share.c")
    env = child_env(SHMAP_DIR=tmp_path)
    c = subprocess.Popen([exe], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        py = subprocess.run(
            [sys.executable,
             os.path.join(REPO, "python", "examples", "numpy_share.py")],
            env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT)
        out, err = c.communicate(timeout=CHILD_TIMEOUT)
    finally:
        if c.poll() is None:
            c.kill()
            c.wait()
    assert py.returncode == 0, py.stderr
    assert "Python: a[:4] = [0. 1. 2. 3.]" in py.stdout
    assert c.returncode == 0, err
    assert out == "C: Python squared the array in place: sum 332833500\n"
    # Every handle closed: nothing is left.
    assert os.listdir(tmp_path) == []
