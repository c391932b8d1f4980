# SPDX-License-Identifier: MIT
"""What the compatibility tests (test_compat*.py) share: unique names, the
build's programs, and child interpreters run with a time limit."""

import os
import shutil
import subprocess
import sys
import threading
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# The longest any child process of these tests may take.
CHILD_TIMEOUT = 60


def unique(stem):
    """A name no other test, run or process uses at the same time."""
    return "compat_%s_%d_%s" % (stem, os.getpid(), uuid.uuid4().hex[:8])


def build_dir():
    """The CMake build whose library the package loaded: SHMAP_BUILD_DIR,
    else the directory of SHMAP_LIBRARY or of the library loaded, else the
    checkout's build/."""
    env = os.environ.get("SHMAP_BUILD_DIR")
    if env:
        return env
    import shmap._lib as lib
    d = os.path.dirname(os.path.abspath(lib.path)) if os.sep in lib.path \
        else ""
    if d and os.path.exists(os.path.join(d, "CMakeCache.txt")):
        return d
    return os.path.join(REPO, "build")


def program(rel, what):
    """The path of a program the build made (rel inside the build dir), or
    a skip saying it is missing."""
    p = os.path.join(build_dir(), rel)
    if os.access(p, os.X_OK):
        return p
    if rel == "shmap":
        w = shutil.which("shmap")
        if w:
            return w
    pytest.skip("%s (%s) not built" % (what, p))


def child_env(**extra):
    """The environment for a child interpreter: this one's, with the
    package's directory first on PYTHONPATH and the extra variables."""
    env = dict(os.environ)
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(
        __import__("shmap").__file__)))
    env["PYTHONPATH"] = os.pathsep.join(
        [pkg, HERE] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                       if p])
    env.update({k: str(v) for k, v in extra.items()})
    return env


def python(code, env=None, **kw):
    """Starts `python -c code` with pipes for its standard streams; it is
    killed if still running after CHILD_TIMEOUT seconds."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=env or child_env(),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, **kw)
    watchdog = threading.Timer(CHILD_TIMEOUT, proc.kill)
    watchdog.daemon = True
    watchdog.start()
    return proc


def run_python(code, env=None):
    """Runs `python -c code` to its end (within CHILD_TIMEOUT)."""
    return subprocess.run(
        [sys.executable, "-c", code], env=env or child_env(),
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=CHILD_TIMEOUT)


def expect_line(proc, want):
    """Reads proc's standard output up to the line `want` (failing, with its
    standard error, if it ends first)."""
    lines = []
    while True:
        line = proc.stdout.readline()
        if not line:
            proc.kill()
            _, err = proc.communicate(timeout=CHILD_TIMEOUT)
            pytest.fail("child ended before %r: out %r err %r" %
                        (want, "".join(lines), err))
        if line.rstrip("\n") == want:
            return lines
        lines.append(line)
