# SPDX-License-Identifier: MIT
"""A SharedMemory and two events between this process and a child, for the
checks of an installed shmap package (tests/pip_test.sh, tests/deb_test.sh).

The parent writes "hello" into a new block and sets the event "ready"; the
child, this script run again by the same interpreter, opens the block and
the events by name, waits for "ready", appends ", back!" and sets "done";
the parent waits for "done" and reads the whole. Prints where the shmap
package and libshmap.so.0 came from, then "round trip: ok". Exits 1 on any
failure; every wait has a timeout.
"""

import os
import subprocess
import sys

import shmap

WAIT = 60  # seconds; far more than the round trip takes


def mapped_library():
    """The file of libshmap.so.0 that this process mapped."""
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split(None, 5)[-1].strip()
            if os.path.basename(path).startswith("libshmap.so"):
                return path
    return None


def child(mem_name, ready_name, done_name):
    mem = shmap.SharedMemory(mem_name)
    ready = shmap.Event.open(ready_name)
    done = shmap.Event.open(done_name)
    if not ready.wait(WAIT):
        sys.exit("child: no ready event")
    if bytes(mem.buf[:5]) != b"hello":
        sys.exit("child: read %r" % bytes(mem.buf[:5]))
    mem.buf[5:12] = b", back!"
    done.set()
    mem.close()


def parent():
    tag = "%d" % os.getpid()
    mem = shmap.SharedMemory("pyrt-mem-" + tag, create=True, size=4096)
    ready = shmap.Event("pyrt-ready-" + tag, exclusive=True)
    done = shmap.Event("pyrt-done-" + tag, exclusive=True)
    mem.buf[:5] = b"hello"
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                             "child", mem.name, ready.name, done.name])
    try:
        ready.set()
        if not done.wait(WAIT):
            sys.exit("parent: no done event")
        got = bytes(mem.buf[:12])
        if got != b"hello, back!":
            sys.exit("parent: read %r" % got)
        if proc.wait(WAIT) != 0:
            sys.exit("parent: the child exited with %d" % proc.returncode)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    mem.close()
    mem.unlink()
    print("package: %s" % os.path.dirname(os.path.abspath(shmap.__file__)))
    print("library: %s" % mapped_library())
    print("round trip: ok")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "child":
        child(*sys.argv[2:])
    else:
        parent()
