# SPDX-License-Identifier: MIT
"""Message channels between processes (shmap/chan.h).

A :class:`Channel` is a named ring of ``capacity`` slots of ``max_msg``
bytes, in one of three shapes: ``'spsc'`` (one sender, one receiver),
``'mpmc'`` (any number of each; every message goes to one receiver) and
``'broadcast'`` (one sender; every reader gets every message, or an
:class:`~shmap.OverrunError` saying how many it missed when it falls more
than ``capacity`` behind).

Timeouts are in seconds: None waits for ever; 0 never waits and raises
BlockingIOError (EAGAIN) when the call would have to; any other value
raises TimeoutError when it passes. Blocking calls release the GIL and run
in slices of at most 50 ms with Python's signal handlers run between them
(the handle is opened with SHMAP_CHAN_INTR), so Ctrl-C interrupts them.

A handle is used by one thread at a time; threads each open their own.
In a process forked after it was made, a named channel's handle is reopened
by name with the same roles on its first use (OSError EBUSY if an SPSC or
broadcast role is still held by the parent); an unnamed one needs
``inherit=True`` (else OSError EBADF says so).
"""

import contextlib
import ctypes
import errno

from . import _consts as _c
from . import _lib
from .errors import OverrunError, check, error_for
from .sync import _wait

_chan_send = _lib.chan_send
_chan_recv = _lib.chan_recv
_string_at = ctypes.string_at
_first_slice = _lib.first_slice
_ETIMEDOUT = -errno.ETIMEDOUT
_EINTR = -errno.EINTR
_FORK = _lib.FORK

SHAPES = {"spsc": _c.SHMAP_CHAN_SPSC, "mpmc": _c.SHMAP_CHAN_MPMC,
          "broadcast": _c.SHMAP_CHAN_BROADCAST}
_SHAPE_NAMES = {v: k for k, v in SHAPES.items()}
ROLES = {"send": _c.SHMAP_CHAN_SEND, "recv": _c.SHMAP_CHAN_RECV,
         "both": _c.SHMAP_CHAN_SEND | _c.SHMAP_CHAN_RECV, "none": 0}


def _role_flags(role, inherit):
    try:
        flags = ROLES[role]
    except KeyError:
        raise ValueError("role is one of %s" % ", ".join(ROLES)) from None
    return flags | _c.SHMAP_CHAN_INTR | \
        (_c.SHMAP_OPEN_INHERIT if inherit else 0)


class Channel(_lib.Reopening):
    """A handle to a message channel with roles ('send', 'recv', 'both' or
    'none', which only reads statistics). Make one with :meth:`create` or
    :meth:`open`; close it with :meth:`close` or a ``with`` block.
    Iterating receives messages until no sender is left and none waits."""

    _close_fn = _lib.chan_close

    def __init__(self, ptr, name, role, inherit=False):
        self.name = name  #: the name given (None: unnamed)
        self.role = role  #: the roles this handle holds
        self._adopt(ptr, inherit)
        st = self._stats()
        self.shape = _SHAPE_NAMES.get(st.shape, st.shape)  #: its shape
        self.capacity = st.capacity  #: slots (messages)
        self.max_msg = st.max_msg    #: the largest message, in bytes
        self._rbuf = None
        # Reused by every call: a received length, a reserved slot.
        self._n = ctypes.c_size_t()
        self._n_ref = ctypes.byref(self._n)

    def _adopt(self, ptr, inherit):
        self._ptr = ptr
        self._inherit = inherit
        self._gen = _FORK[0]
        self._sync = None

    def _reopen(self):
        out = ctypes.c_void_p()
        check(_lib.chan_open(_lib.encode_name(self.name),
                             _role_flags(self.role, False),
                             ctypes.byref(out)), self.name)
        return out.value

    @classmethod
    def create(cls, name=None, shape="mpmc", capacity=64, max_msg=4096,
               role="both", *, readers_max=0, exclusive=False,
               inherit=False, mode=0):
        """Creates the channel (or opens it if the name exists: then
        ``existed`` is true and its own configuration is kept).
        ``capacity`` is rounded up to a power of two (2 .. 2**24),
        ``max_msg`` is 1 .. 2**30 bytes, ``readers_max`` the room for
        broadcast readers or MPMC senders and receivers (0: 64). OSError
        EBUSY if an SPSC or broadcast role asked is held by a live
        process, ValueError (EINVAL) for a bad configuration."""
        if not (1 <= capacity <= 1 << 24 and 1 <= max_msg <= 1 << 30 and
                0 <= readers_max <= _c.SHMAP_CHAN_ROLES_MAX):
            raise ValueError("capacity 1 .. 2**24, max_msg 1 .. 2**30, "
                             "readers_max 0 .. %d" % _c.SHMAP_CHAN_ROLES_MAX)
        try:
            cfg = _lib.ChanConfig(SHAPES[shape], capacity, max_msg,
                                  readers_max)
        except KeyError:
            raise ValueError("shape is 'spsc', 'mpmc' or 'broadcast'") \
                from None
        out = ctypes.c_void_p()
        attr = _lib.make_attr(mode, (_c.SHMAP_ATTR_EXCL if exclusive else 0) |
                              (_c.SHMAP_ATTR_INHERIT if inherit else 0))
        check(_lib.chan_create(_lib.encode_name(name), ctypes.byref(cfg),
                               _role_flags(role, False), attr,
                               ctypes.byref(out)), name)
        return cls(out.value, name or None, role, inherit)

    @classmethod
    def open(cls, name, role="both", inherit=False):
        """Opens the existing channel name with the roles asked
        (FileNotFoundError if none lives)."""
        out = ctypes.c_void_p()
        check(_lib.chan_open(_lib.encode_name(name),
                             _role_flags(role, inherit), ctypes.byref(out)),
              name)
        return cls(out.value, name, role, inherit)

    @property
    def existed(self):
        """True if create found the name existing and opened it."""
        return bool(_lib.chan_existed(self._live()))

    def set_spin(self, spins):
        """How many times a call checks again before it sleeps."""
        check(_lib.chan_set_spin(self._live(), spins))

    def _call(self, fn, timeout, args, post=()):
        """Runs fn(ptr, *args, ms, *post): once when the timeout fits in a
        slice or the call ends within the first, else in slices. Returns
        its code when it is not a timeout or an interruption."""
        ptr = self._live()
        ms, start = _first_slice(timeout)
        rc = fn(ptr, *args, ms, *post)
        if rc != _ETIMEDOUT and rc != _EINTR:
            return rc
        rc = _lib.wait_more(lambda ms: fn(ptr, *args, ms, *post), rc,
                            timeout, start)
        if rc != _ETIMEDOUT and rc != _EINTR:
            return rc
        if rc == -errno.EAGAIN or timeout == 0:
            raise error_for(-errno.EAGAIN)
        raise error_for(_ETIMEDOUT)

    def _raise(self, rc):
        if rc == _c.SHMAP_EOVERRUN:
            missed = ctypes.c_uint64()
            _lib.chan_missed(self._live(), ctypes.byref(missed))
            raise OverrunError(missed.value)
        raise error_for(rc)

    def send(self, data, timeout=None):
        """Sends the bytes-like data as one message, waiting for room
        (broadcast sends never wait). OSError EMSGSIZE if it is longer than
        max_msg, PermissionError if this handle does not send."""
        if type(data) is bytes:
            buf, n = data, len(data)
        else:
            mv = memoryview(data).cast("B")
            n = mv.nbytes
            buf = bytes(mv) if mv.readonly else \
                (ctypes.c_char * n).from_buffer(mv)
        rc = self._call(_chan_send, timeout, (buf, n))
        if rc < 0:
            self._raise(rc)

    def recv(self, timeout=None):
        """Receives the next message and returns it as bytes.
        OverrunError (broadcast) if messages were lost to this reader; the
        next recv goes on at the oldest one left."""
        buf = self._rbuf
        if buf is None:
            buf = self._rbuf = ctypes.create_string_buffer(
                max(self.max_msg, 1))
        rc = self._call(_chan_recv, timeout, (buf, len(buf)), (self._n_ref,))
        if rc < 0:
            self._raise(rc)
        return _string_at(buf, self._n.value)

    def recv_into(self, buffer, timeout=None):
        """Receives the next message into a writable bytes-like buffer and
        returns its length (OSError EMSGSIZE, the message left in the
        channel, if it does not fit)."""
        mv = memoryview(buffer).cast("B")
        cbuf = (ctypes.c_char * mv.nbytes).from_buffer(mv)
        rc = self._call(_chan_recv, timeout, (cbuf, mv.nbytes),
                        (self._n_ref,))
        if rc < 0:
            self._raise(rc)
        return self._n.value

    @contextlib.contextmanager
    def reserve(self, n, timeout=None):
        """Reserves room for a message of n bytes and yields a writable
        memoryview of it, to fill in place. At the end of the ``with``
        block the message is sent (committed); if the block raises, it is
        cancelled and nobody sees it."""
        slot = ctypes.c_void_p()
        rc = self._call(_lib.chan_reserve, timeout, (n,),
                        (ctypes.byref(slot),))
        if rc < 0:
            self._raise(rc)
        mv = memoryview((ctypes.c_ubyte * n).from_address(slot.value)) \
            .cast("B")
        try:
            yield mv
        except BaseException:
            mv.release()
            _lib.chan_cancel(self._live())
            raise
        try:
            mv.release()
        except BufferError:
            _lib.chan_cancel(self._live())
            raise
        check(_lib.chan_commit(self._live(), n))

    @contextlib.contextmanager
    def peek(self, timeout=None):
        """Waits for the next message and yields a read-only memoryview of
        it in place, without a copy; at the end of the ``with`` block it is
        received (released). A broadcast sender may overwrite it meanwhile:
        the release then raises OverrunError (what was read may be torn)."""
        msg = ctypes.c_void_p()
        n = ctypes.c_size_t()
        rc = self._call(_lib.chan_peek, timeout, (),
                        (ctypes.byref(msg), ctypes.byref(n)))
        if rc < 0:
            self._raise(rc)
        size = n.value
        if size:
            arr = (ctypes.c_ubyte * size).from_address(msg.value)
            mv = memoryview(arr).cast("B").toreadonly()
        else:
            mv = memoryview(b"")
        try:
            yield mv
        finally:
            mv.release()
            rc = _lib.chan_release(self._live())
            if rc < 0:
                self._raise(rc)

    def missed(self):
        """Returns how many messages this broadcast reader lost since the
        last call (0 for other shapes) and starts counting again."""
        m = ctypes.c_uint64()
        check(_lib.chan_missed(self._live(), ctypes.byref(m)))
        return m.value

    def _stats(self):
        st = _lib.ChanStats()
        check(_lib.chan_stats(self._live(), ctypes.byref(st)))
        return st

    def stats(self):
        """Returns the channel's counters as a dict (sent, received,
        queued, senders, receivers, ... and 'readers', a list of dicts for
        broadcast readers)."""
        return stats_dict(self._stats())

    def _sync_handle(self):
        if self._sync is None:
            s = ctypes.c_void_p()
            check(_lib.chan_waitable(self._live(), ctypes.byref(s)))
            self._sync = s.value
        return self._sync

    def wait(self, timeout=None):
        """Waits until a message waits for this handle, taking nothing.
        Returns True, or False if timeout seconds passed. A channel is
        waitable with shmap.wait_multiple too."""
        return _wait([self._sync_handle()], False, timeout) is not None

    def fileno(self):
        """A descriptor that polls readable while a message waits for this
        handle, for select, poll and selectors. Owned by the handle."""
        fd = ctypes.c_int()
        check(_lib.chan_fd(self._live(), ctypes.byref(fd)))
        return fd.value

    def __iter__(self):
        """Yields messages as recv does, until no sender holds the channel
        and none waits for this handle."""
        while True:
            try:
                yield self.recv(timeout=_lib.SLICE_MS / 1000)
            except TimeoutError:
                st = self._stats()
                if st.senders == 0 and not self.wait(0):
                    return

    def close(self):
        """Closes the handle: an unfinished reservation is cancelled, the
        roles given up; the name goes with the last handle."""
        self._sync = None
        super().close()

    def __reduce__(self):
        if self.name is None:
            raise TypeError("an unnamed Channel cannot be pickled")
        return (type(self).open, (self.name, self.role))

    def __repr__(self):
        return "<shmap.Channel %r %s %s>" % (
            self.name, self.shape, "closed" if self.closed else self.role)


def stats_dict(st):
    """Returns a shmap_chan_stats structure as a dict."""
    d = {k: getattr(st, k) for k, _ in _lib.ChanStats._fields_
         if k != "reader"}
    d["shape"] = _SHAPE_NAMES.get(st.shape, st.shape)
    d["readers"] = [{k: getattr(r, k) for k, _ in _lib.ChanReader._fields_}
                    for r in st.reader[:min(st.receivers, len(st.reader))]
                    if r.pid] if st.shape == _c.SHMAP_CHAN_BROADCAST else []
    return d
