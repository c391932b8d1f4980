# SPDX-License-Identifier: MIT
"""Loads libshmap.so.0 and declares, with ctypes, the C functions and
structures the package uses.

Where the library is looked for, in order:

1. the file the environment variable SHMAP_LIBRARY names;
2. the path an install recorded in shmap/_paths.py (CMake's install writes
   it, relative to the package, so a moved prefix still works; a
   ``{multiarch}`` in it is the running Python's multiarch triplet, as
   x86_64-linux-gnu, so that Debian's python3-shmap serves every
   architecture);
3. the build tree when the package runs from the source tree:
   ``build/libshmap.so.0`` beside ``python/``;
4. the system's search: ``ctypes.util.find_library("shmap")``, then plain
   ``libshmap.so.0`` (LD_LIBRARY_PATH, the loader cache).

A package that pip installed has no _paths.py: it takes SHMAP_LIBRARY,
else the system's libshmap.so.0 (4).

Every function bound here has its C parameter count checked against the
headers and src/shmap.map by python/tests/test_api_headers.py, and every
structure its size and field offsets against a compiled C program.
"""

import ctypes
import ctypes.util
import errno
import os
import sysconfig
import threading
import time

from . import errors as _errors

_HERE = os.path.dirname(os.path.abspath(__file__))


def _candidates():
    env = os.environ.get("SHMAP_LIBRARY")
    if env:
        yield env, "SHMAP_LIBRARY"
        return
    try:
        from . import _paths  # written by CMake's install
    except ImportError:
        _paths = None
    if _paths is not None:
        multiarch = sysconfig.get_config_var("MULTIARCH") or ""
        if multiarch or "{multiarch}" not in _paths.LIBRARY:
            rel = _paths.LIBRARY.replace("{multiarch}", multiarch)
            yield os.path.normpath(os.path.join(_HERE, rel)), \
                "the install's record (shmap/_paths.py)"
    # Only where the package is python/shmap of a source tree.
    tree = os.path.join(os.path.dirname(os.path.dirname(_HERE)), "build",
                        "libshmap.so.0")
    if os.path.exists(os.path.join(os.path.dirname(_HERE),
                                   "pyproject.toml")) and \
            os.path.exists(tree):
        yield tree, "the source tree's build"
    found = ctypes.util.find_library("shmap")
    if found:
        yield found, "ctypes.util.find_library"
    yield "libshmap.so.0", "the loader's search path"


def _load():
    tried = []
    for path, why in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("%s (%s): %s" % (path, why, e))
    raise ImportError(
        "shmap: cannot load libshmap.so.0; set SHMAP_LIBRARY to its path, "
        "install the library (make install), or build it in build/. "
        "Tried: " + "; ".join(tried))


lib, path = _load()

# Plain C types of the headers.
pid_t = ctypes.c_int32
uid_t = ctypes.c_uint32
c_void_p = ctypes.c_void_p
c_int = ctypes.c_int
c_uint = ctypes.c_uint
c_char_p = ctypes.c_char_p
c_size_t = ctypes.c_size_t
c_uint32 = ctypes.c_uint32
c_uint64 = ctypes.c_uint64
P = ctypes.POINTER


class Attr(ctypes.Structure):
    """struct shmap_attr."""
    _fields_ = [("mode", c_uint), ("flags", c_uint)]


class MapInfo(ctypes.Structure):
    """struct shmap_map_info."""
    _fields_ = [("size", c_uint64), ("prot", c_uint), ("access", c_uint),
                ("named", c_int), ("file_backed", c_int),
                ("existed", c_int), ("inheritable", c_int)]


class ChanConfig(ctypes.Structure):
    """struct shmap_chan_config."""
    _fields_ = [("shape", c_uint), ("capacity", c_uint32),
                ("max_msg", c_uint32), ("readers_max", c_uint32)]


class ChanReader(ctypes.Structure):
    """struct shmap_chan_reader."""
    _fields_ = [("pid", pid_t), ("position", c_uint64), ("lag", c_uint64),
                ("received", c_uint64), ("missed", c_uint64)]


class ChanStats(ctypes.Structure):
    """struct shmap_chan_stats."""
    _fields_ = [("valid", c_int), ("error", c_int), ("shape", c_uint),
                ("capacity", c_uint32), ("max_msg", c_uint32),
                ("readers_max", c_uint32), ("sent", c_uint64),
                ("sent_bytes", c_uint64), ("received", c_uint64),
                ("received_bytes", c_uint64), ("full_waits", c_uint64),
                ("empty_waits", c_uint64), ("skipped", c_uint64),
                ("overruns", c_uint64), ("missed", c_uint64),
                ("write_position", c_uint64), ("read_position", c_uint64),
                ("queued", c_uint64), ("senders", c_uint),
                ("receivers", c_uint), ("lag_max", c_uint64),
                ("reader", ChanReader * 8)]


class SyncState(ctypes.Structure):
    """struct shmap_sync_state."""
    _fields_ = [("valid", c_int), ("error", c_int), ("set", c_int),
                ("manual_reset", c_int), ("count", c_uint32),
                ("max", c_uint32), ("owner_pid", pid_t),
                ("owner_tid", pid_t), ("abandoned", c_int),
                ("recursion", c_uint32), ("waiters", c_uint32)]


class ObjectInfo(ctypes.Structure):
    """struct shmap_object_info (read through a pointer only: the library
    may add fields at its end)."""
    _fields_ = [("name", c_char_p), ("path", c_char_p),
                ("file_path", c_char_p), ("error", c_int), ("type", c_int),
                ("size", c_uint64), ("prot", c_uint), ("mode", c_uint),
                ("owner", uid_t), ("creator_uid", uid_t),
                ("creator_pid", pid_t), ("ctime_ns", c_uint64),
                ("global_", c_int), ("live", c_int), ("handles", c_uint),
                ("processes", c_uint), ("views", c_uint),
                ("processes_hidden", c_uint), ("resident", c_uint64),
                ("sync", SyncState), ("chan", ChanStats)]


class ViewInfo(ctypes.Structure):
    """struct shmap_view_info."""
    _fields_ = [("start", c_uint64), ("end", c_uint64),
                ("offset", c_uint64), ("access", c_uint)]


class HolderInfo(ctypes.Structure):
    """struct shmap_holder_info."""
    _fields_ = [("pid", pid_t), ("uid", uid_t), ("command", c_char_p),
                ("handles", c_uint), ("nviews", c_uint),
                ("views", P(ViewInfo)), ("access", c_uint)]


class HoldersSummary(ctypes.Structure):
    """struct shmap_holders_summary."""
    _fields_ = [("handles", c_uint), ("handles_seen", c_uint),
                ("processes", c_uint), ("processes_hidden", c_uint),
                ("complete", c_int)]


# The C names of the structures above, for the layout test.
STRUCTS = {"shmap_attr": Attr, "shmap_map_info": MapInfo,
           "shmap_chan_config": ChanConfig, "shmap_chan_reader": ChanReader,
           "struct shmap_chan_stats": ChanStats,
           "shmap_sync_state": SyncState, "shmap_object_info": ObjectInfo,
           "shmap_view_info": ViewInfo, "shmap_holder_info": HolderInfo,
           "shmap_holders_summary": HoldersSummary}
# Python field names that differ from the C ones.
FIELD_C_NAMES = {"global_": "global"}

ObjectFn = ctypes.CFUNCTYPE(c_int, P(ObjectInfo), c_void_p)
HolderFn = ctypes.CFUNCTYPE(c_int, P(HolderInfo), c_void_p)

pp = P(c_void_p)  # a shmap_map ** / shmap_sync ** / shmap_chan ** / void **

# name: (restype, argtypes); the test checks the counts against the headers.
SIGNATURES = {
    "shmap_version": (c_uint, []),
    "shmap_strerror": (c_char_p, [c_int]),
    "shmap_gc": (c_int, []),
    "shmap_backing_dir": (c_char_p, []),
    # map.h
    "shmap_map_create": (c_int, [c_char_p, c_uint64, c_uint, P(Attr), pp]),
    "shmap_map_create_file": (c_int, [c_char_p, c_int, c_uint64, c_uint,
                                      P(Attr), pp]),
    "shmap_map_create_path": (c_int, [c_char_p, c_char_p, c_uint64, c_uint,
                                      P(Attr), pp]),
    "shmap_map_open": (c_int, [c_char_p, c_uint, pp]),
    "shmap_map_open_fd": (c_int, [c_int, c_uint, pp]),
    "shmap_map_close": (c_int, [c_void_p]),
    "shmap_map_existed": (c_int, [c_void_p]),
    "shmap_map_query": (c_int, [c_void_p, P(MapInfo)]),
    "shmap_map_fd": (c_int, [c_void_p, P(c_int)]),
    "shmap_map_sync": (c_int, [c_void_p]),
    "shmap_view_map": (c_int, [c_void_p, c_uint64, c_size_t, c_uint, pp]),
    "shmap_view_unmap": (c_int, [c_void_p]),
    "shmap_view_flush": (c_int, [c_void_p, c_size_t]),
    "shmap_view_read": (c_int, [c_void_p, c_void_p, c_size_t]),
    "shmap_view_write": (c_int, [c_void_p, c_void_p, c_size_t]),
    # sync.h
    "shmap_event_create": (c_int, [c_char_p, c_uint, P(Attr), pp]),
    "shmap_event_open": (c_int, [c_char_p, c_uint, pp]),
    "shmap_event_set": (c_int, [c_void_p]),
    "shmap_event_reset": (c_int, [c_void_p]),
    "shmap_event_pulse": (c_int, [c_void_p]),
    "shmap_event_fd": (c_int, [c_void_p, P(c_int)]),
    "shmap_mutex_create": (c_int, [c_char_p, c_int, P(Attr), pp]),
    "shmap_mutex_open": (c_int, [c_char_p, c_uint, pp]),
    "shmap_mutex_release": (c_int, [c_void_p]),
    "shmap_sem_create": (c_int, [c_char_p, c_uint32, c_uint32, P(Attr), pp]),
    "shmap_sem_open": (c_int, [c_char_p, c_uint, pp]),
    "shmap_sem_release": (c_int, [c_void_p, c_uint32, P(c_uint32)]),
    "shmap_sync_close": (c_int, [c_void_p]),
    "shmap_sync_existed": (c_int, [c_void_p]),
    "shmap_sync_set_spin": (c_int, [c_void_p, c_uint]),
    "shmap_wait_ex": (c_int, [pp, c_uint, c_uint, c_int, P(c_uint)]),
    # chan.h
    "shmap_chan_create": (c_int, [c_char_p, P(ChanConfig), c_uint, P(Attr),
                                  pp]),
    "shmap_chan_open": (c_int, [c_char_p, c_uint, pp]),
    "shmap_chan_close": (c_int, [c_void_p]),
    "shmap_chan_existed": (c_int, [c_void_p]),
    "shmap_chan_set_spin": (c_int, [c_void_p, c_uint]),
    "shmap_chan_send": (c_int, [c_void_p, c_void_p, c_size_t, c_int]),
    "shmap_chan_reserve": (c_int, [c_void_p, c_size_t, c_int, pp]),
    "shmap_chan_commit": (c_int, [c_void_p, c_size_t]),
    "shmap_chan_cancel": (c_int, [c_void_p]),
    "shmap_chan_recv": (c_int, [c_void_p, c_void_p, c_size_t, c_int,
                                P(c_size_t)]),
    "shmap_chan_peek": (c_int, [c_void_p, c_int, pp, P(c_size_t)]),
    "shmap_chan_release": (c_int, [c_void_p]),
    "shmap_chan_missed": (c_int, [c_void_p, P(c_uint64)]),
    "shmap_chan_waitable": (c_int, [c_void_p, pp]),
    "shmap_chan_fd": (c_int, [c_void_p, P(c_int)]),
    "shmap_chan_stats": (c_int, [c_void_p, P(ChanStats)]),
    # inspect.h
    "shmap_list": (c_int, [c_uint, ObjectFn, c_void_p]),
    "shmap_inspect": (c_int, [c_char_p, ObjectFn, c_void_p]),
    "shmap_holders": (c_int, [c_char_p, HolderFn, c_void_p,
                              P(HoldersSummary)]),
    "shmap_sweep": (c_int, [c_uint, ObjectFn, c_void_p]),
    "shmap_unlink": (c_int, [c_char_p, P(c_uint)]),
}

for _name, (_res, _args) in SIGNATURES.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args
    globals()[_name[len("shmap_"):]] = _f

_errors._strerror = lib.shmap_strerror


def encode_name(name):
    """Returns an object name as the bytes the C library takes (None for an
    unnamed object): str names are UTF-8."""
    if name is None:
        return None
    if isinstance(name, bytes):
        return name
    if not isinstance(name, str):
        raise TypeError("a name is str, bytes or None, not %s"
                        % type(name).__name__)
    return name.encode("utf-8", "surrogateescape")


def make_attr(mode=0, flags=0):
    """Returns a pointer to a shmap_attr, or None for all defaults."""
    if not mode and not flags:
        return None
    return ctypes.byref(Attr(mode, flags))


# Waits run in slices of at most this many milliseconds, looking at pending
# signals between them: a backstop for a signal that came while the C call
# spun or looked (which SHMAP_WAIT_INTR does not see).
SLICE_MS = 50

_check_signals_c = ctypes.pythonapi.PyErr_CheckSignals
_check_signals_c.restype = c_int
_check_signals_c.argtypes = []


def check_signals():
    """Runs the Python handlers of signals that arrived (in the main thread;
    elsewhere nothing): KeyboardInterrupt and any exception a handler raises
    goes up from here."""
    if threading.current_thread() is threading.main_thread():
        _check_signals_c()  # ctypes.pythonapi raises what the handler set


def slices(timeout):
    """Yields the milliseconds of each slice of a wait of timeout seconds
    (None: for ever), at most SLICE_MS each, the last one 0 when timeout is
    0; stops when the time is up. Pending signals are handled before each
    slice after the first."""
    if timeout is None:
        while True:
            yield SLICE_MS
            check_signals()
    if timeout < 0:
        raise ValueError("timeout must be None or at least 0")
    if timeout == 0:
        yield 0
        return
    deadline = _monotonic() + timeout
    while True:
        left = deadline - _monotonic()
        if left <= 0:
            return
        yield max(1, min(SLICE_MS, int(left * 1000 + 0.999)))
        check_signals()


_monotonic = time.monotonic
_ETIMEDOUT = -errno.ETIMEDOUT
_EINTR = -errno.EINTR


def first_slice(timeout):
    """Returns (ms, start) for the first C call of a wait of timeout
    seconds: the whole timeout when it fits in one slice, else SLICE_MS;
    start is the monotonic time the wait began (None for ever or 0)."""
    if timeout is None:
        return SLICE_MS, None
    if timeout <= 0:
        if timeout == 0:
            return 0, None
        raise ValueError("timeout must be None or at least 0")
    ms = int(timeout * 1000 + 0.999)
    return (ms if ms < SLICE_MS else SLICE_MS), _monotonic()


def wait_more(call, rc, timeout, start):
    """Goes on with a wait whose first C call (see first_slice) returned
    rc: while rc is a timeout or an interruption and time is left, handles
    pending signals and calls call(ms) for the next slice. Returns the last
    code (-ETIMEDOUT or -EINTR when the time is up)."""
    while rc == _ETIMEDOUT or rc == _EINTR:
        if timeout is None:
            ms = SLICE_MS
        else:
            left = 0 if start is None else timeout - (_monotonic() - start)
            if left <= 0:
                return rc
            ms = max(1, min(SLICE_MS, int(left * 1000 + 0.999)))
        check_signals()
        rc = call(ms)
    return rc


# Bumped in a forked child: a handle made before compares its own copy.
FORK = [0]


def _forked():
    FORK[0] += 1


os.register_at_fork(after_in_child=_forked)


def not_inherited(obj):
    """The error for an unnamed handle made without inherit=True, used in a
    forked child."""
    return OSError(errno.EBADF,
                   "this unnamed %s was made before a fork without "
                   "inherit=True, so the forked child has no hold on it: "
                   "create it with inherit=True (or give it a name, which "
                   "the child then reopens)" % type(obj).__name__)


class Closing:
    """close() at the end of a ``with`` block and on garbage collection
    (where a failure, such as memory still exported, is left unraised)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Handle(Closing):
    """What every handle of the package shares: the C pointer, close() (also
    on garbage collection and at the end of a ``with`` block) and the
    ``closed`` attribute. Subclasses set _close_fn to the C close function."""

    _ptr = None
    _close_fn = None

    def _live(self):
        """Returns the C pointer, or raises ValueError if closed."""
        if self._ptr is None:
            raise ValueError("operation on a closed %s" % type(self).__name__)
        return self._ptr

    @property
    def closed(self):
        """True once close() has run."""
        return self._ptr is None

    def close(self):
        """Closes the handle (more calls do nothing). A named object's name
        goes with the last handle in any process."""
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            _errors.check(type(self)._close_fn(ptr))

    def __enter__(self):
        self._live()
        return self


class Reopening(Handle):
    """A handle that a forked child can use: made without inherit, a named
    one is reopened by name on the child's first use (the library closed
    the child's copy at the fork); an unnamed one raises OSError EBADF
    saying to use inherit=True. Subclasses set up a pointer with
    _adopt(ptr, inherit) and reopen with _reopen() (returning the new one).
    """

    _gen = 0
    _inherit = False

    def _live(self):
        """Returns the C pointer, reopened first in a forked child; raises
        ValueError if closed."""
        if self._gen != FORK[0] or self._ptr is None:
            self._revive()
        return self._ptr

    def _revive(self):
        old = Handle._live(self)
        if self._inherit:
            self._gen = FORK[0]
            return
        if self.name is None:
            raise not_inherited(self)
        self._adopt(self._reopen(), False)
        type(self)._close_fn(old)  # the child's copy, unusable: only freed
