# SPDX-License-Identifier: MIT
"""Events, mutexes and semaphores shared between processes, and waits on
them (shmap/sync.h): Windows' CreateEvent, CreateMutex, CreateSemaphore,
WaitForSingleObject and WaitForMultipleObjects.

Every wait here releases the GIL (ctypes does, around each C call), waits
with SHMAP_WAIT_INTR so that a signal ends the C call, and sleeps in slices
of at most 50 ms, running Python's signal handlers between them: Ctrl-C
raises KeyboardInterrupt during any wait, and a handler that returns lets
the wait go on, as PEP 475 asks. A wait whose timeout fits in one slice
is a single C call.

After a fork (multiprocessing's fork start method hands the parent's
objects over as they are), a named object made without ``inherit=True`` is
reopened by name in the child on its first use there; an unnamed one made
without it raises OSError EBADF in the child (the library closes the
child's copies of handles that do not inherit): make it with
``inherit=True``.
"""

import ctypes
import errno
import warnings

from . import _consts as _c
from . import _lib
from .errors import AbandonedWarning, check, error_for


class _Abandoned:
    """The type of :data:`ABANDONED`."""

    __slots__ = ()

    def __bool__(self):
        return True

    def __repr__(self):
        return "shmap.ABANDONED"


#: What Mutex.acquire returns when it took a mutex whose owner died holding
#: it (true, so ``if m.acquire(timeout):`` still reads "acquired").
ABANDONED = _Abandoned()


def _handle_of(obj):
    """Returns the shmap_sync pointer of a waitable object."""
    try:
        get = obj._sync_handle
    except AttributeError:
        raise TypeError("%s is not waitable" % type(obj).__name__) from None
    return get()


_wait_ex = _lib.wait_ex
_INTR = _c.SHMAP_WAIT_INTR
_ETIMEDOUT = -errno.ETIMEDOUT
_EINTR = -errno.EINTR
_EABANDONED = _c.SHMAP_EABANDONED
_first_slice = _lib.first_slice
_FORK = _lib.FORK


def _run(arr, n, flags, timeout, index_ref):
    """Runs shmap_wait_ex on the array: one call when the timeout fits in
    a slice or the wait ends within the first, else in slices. Returns its
    code."""
    ms, start = _first_slice(timeout)
    rc = _wait_ex(arr, n, flags, ms, index_ref)
    if rc == _ETIMEDOUT or rc == _EINTR:
        rc = _lib.wait_more(
            lambda ms: _wait_ex(arr, n, flags, ms, index_ref), rc, timeout,
            start)
    return rc


def _abandoned(index):
    warnings.warn("a mutex was abandoned by its owner (index %d)" % index,
                  AbandonedWarning, stacklevel=4)


def _wait(handles, wait_all, timeout):
    """Waits on the shmap_sync pointers as shmap_wait_ex does, in slices.
    Returns (index, abandoned), or None when the timeout passed."""
    n = len(handles)
    if not 1 <= n <= _c.SHMAP_WAIT_MAX:
        raise ValueError("between 1 and %d objects" % _c.SHMAP_WAIT_MAX)
    arr = (ctypes.c_void_p * n)(*handles)
    index = ctypes.c_uint(0)
    rc = _run(arr, n, _INTR | (_c.SHMAP_WAIT_ALL if wait_all else 0),
              timeout, ctypes.byref(index))
    if rc == 0:
        return index.value, False
    if rc == _EABANDONED:
        _abandoned(index.value)
        return index.value, True
    if rc == _ETIMEDOUT or rc == _EINTR:
        return None
    raise error_for(rc)


def wait_multiple(objects, all=False, timeout=None):
    """Waits on up to 64 waitable objects (events, mutexes, semaphores,
    channels) like WaitForMultipleObjects.

    With ``all`` false, returns the index of the first object signalled,
    having taken it; with ``all`` true waits until every one is signalled at
    once and takes them all, returning 0 (or the index of an abandoned
    mutex). ``timeout`` is in seconds, None waits for ever; returns None if
    it passes. An abandoned mutex is taken, warned about with
    :class:`AbandonedWarning`, and its index returned.
    """
    got = _wait([_handle_of(o) for o in objects], all, timeout)
    return None if got is None else got[0]


class _Sync(_lib.Reopening):
    """A handle to an event, mutex or semaphore (a shmap_sync)."""

    _close_fn = _lib.sync_close
    _kind = None

    def __init__(self, ptr, name, inherit=False):
        #: The name given at create or open (None: unnamed).
        self.name = name
        self._adopt(ptr, inherit)

    def _adopt(self, ptr, inherit):
        self._ptr = ptr
        self._inherit = inherit
        self._gen = _FORK[0]
        # Built once: a wait on this handle alone makes no ctypes objects
        # (the index is not read, it is always 0).
        self._arr = (ctypes.c_void_p * 1)(ptr)
        self._index_ref = ctypes.byref(ctypes.c_uint(0))

    @classmethod
    def _made(cls, fn, name, inherit, *args):
        out = ctypes.c_void_p()
        check(fn(_lib.encode_name(name), *args, ctypes.byref(out)), name)
        return cls(name, inherit=inherit, _ptr=out.value)

    @classmethod
    def open(cls, name, inherit=False):
        """Opens the existing named object (FileNotFoundError if none
        lives, TypeMismatchError if the name holds another type).
        ``inherit`` gives a forked child a hold of its own."""
        return cls._made(cls._open_fn, name, inherit,
                         _c.SHMAP_OPEN_INHERIT if inherit else 0)

    def _reopen(self):
        out = ctypes.c_void_p()
        check(type(self)._open_fn(_lib.encode_name(self.name), 0,
                                  ctypes.byref(out)), self.name)
        return out.value

    def _sync_handle(self):
        return self._live()

    def _wait1(self, timeout):
        """Waits on this handle alone: True, ABANDONED or False."""
        self._live()
        rc = _run(self._arr, 1, _INTR, timeout, self._index_ref)
        if rc == 0:
            return True
        if rc == _ETIMEDOUT or rc == _EINTR:
            return False
        if rc == _EABANDONED:
            _abandoned(0)
            return ABANDONED
        raise error_for(rc)

    @property
    def existed(self):
        """True if the create that made this handle found the name
        existing (and so opened it)."""
        return bool(_lib.sync_existed(self._live()))

    def set_spin(self, spins):
        """Sets how many times a wait through this handle polls before it
        sleeps (0: never spins)."""
        check(_lib.sync_set_spin(self._live(), spins))

    def wait(self, timeout=None):
        """Waits until the object is signalled and takes it (resets an
        auto-reset event, takes one unit of a semaphore, owns a mutex).
        ``timeout`` in seconds, None for ever. Returns True, or False if
        the timeout passed."""
        return bool(self._wait1(timeout))

    def __reduce__(self):
        # Another process reopens the object by name (multiprocessing,
        # fork or spawn); the sender keeps its handle meanwhile, which
        # keeps the name alive.
        if self.name is None:
            raise TypeError("an unnamed %s cannot be pickled"
                            % type(self).__name__)
        return (type(self).open, (self.name,))

    def __repr__(self):
        state = "closed" if self.closed else "open"
        return "<shmap.%s %r %s>" % (type(self).__name__, self.name, state)


def _flags(exclusive, inherit):
    return (_c.SHMAP_ATTR_EXCL if exclusive else 0) | \
        (_c.SHMAP_ATTR_INHERIT if inherit else 0)


class Event(_Sync):
    """An event (CreateEvent): manual-reset (stays set until reset) or
    auto-reset (one wait takes it and resets it).

    ``Event(name=None, manual=False, initial=False, *, exclusive=False,
    inherit=False, mode=0)`` creates the event, or opens it if the name
    exists (``existed`` then says so; its own mode and state are kept).
    ``exclusive`` makes an existing name a FileExistsError; ``mode`` is the
    permission of a Global\\ object. Event.open(name) opens an existing
    one.
    """

    _open_fn = _lib.event_open

    def __init__(self, name=None, manual=False, initial=False, *,
                 exclusive=False, inherit=False, mode=0, _ptr=None):
        if _ptr is None:
            out = ctypes.c_void_p()
            flags = (_c.SHMAP_EVENT_MANUAL if manual else 0) | \
                (_c.SHMAP_EVENT_SET if initial else 0)
            check(_lib.event_create(_lib.encode_name(name), flags,
                                    _lib.make_attr(mode,
                                                   _flags(exclusive, inherit)),
                                    ctypes.byref(out)), name)
            _ptr = out.value
        super().__init__(_ptr, name or None, inherit)

    def set(self):
        """Signals the event (SetEvent)."""
        check(_lib.event_set(self._live()))

    def reset(self):
        """Makes the event non-signalled (ResetEvent)."""
        check(_lib.event_reset(self._live()))

    def pulse(self):
        """Releases the waiters waiting now and leaves the event reset
        (PulseEvent: racy; prefer set)."""
        check(_lib.event_pulse(self._live()))

    def fileno(self):
        """Returns a descriptor that polls readable when the event is set,
        for select, poll and selectors; after it does, call wait(0). Owned
        by the handle: do not close it."""
        fd = ctypes.c_int()
        check(_lib.event_fd(self._live(), ctypes.byref(fd)))
        return fd.value


class Mutex(_Sync):
    """A recursive mutex owned by a thread (CreateMutex), usable as a
    context manager.

    ``Mutex(name=None, initial_owner=False, *, exclusive=False,
    inherit=False, mode=0)`` creates it, or opens it if the name exists.
    When the owning thread or process dies holding it, the next acquire
    takes it all the same, never losing it, returns :data:`ABANDONED` and
    warns with :class:`AbandonedWarning`.
    """

    _open_fn = _lib.mutex_open

    def __init__(self, name=None, initial_owner=False, *, exclusive=False,
                 inherit=False, mode=0, _ptr=None):
        if _ptr is None:
            out = ctypes.c_void_p()
            check(_lib.mutex_create(_lib.encode_name(name),
                                    1 if initial_owner else 0,
                                    _lib.make_attr(mode,
                                                   _flags(exclusive, inherit)),
                                    ctypes.byref(out)), name)
            _ptr = out.value
        super().__init__(_ptr, name or None, inherit)

    def acquire(self, timeout=None):
        """Takes the mutex (once more, if this thread owns it). Returns
        True, :data:`ABANDONED` (also true) if its owner had died holding
        it, or False if ``timeout`` seconds passed (None: for ever)."""
        return self._wait1(timeout)

    def release(self):
        """Releases one acquisition by the calling thread (PermissionError
        if it does not own the mutex)."""
        check(_lib.mutex_release(self._live()))

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


class Semaphore(_Sync):
    """A counting semaphore (CreateSemaphore).

    ``Semaphore(name=None, initial=0, maximum=1, *, exclusive=False,
    inherit=False, mode=0)`` creates it, or opens it if the name exists,
    keeping its counts. ValueError (EINVAL) for initial > maximum.
    """

    _open_fn = _lib.sem_open

    def __init__(self, name=None, initial=0, maximum=1, *, exclusive=False,
                 inherit=False, mode=0, _ptr=None):
        if _ptr is None:
            if initial < 0 or maximum < 1 or initial > maximum:
                raise ValueError("0 <= initial <= maximum, maximum >= 1")
            out = ctypes.c_void_p()
            check(_lib.sem_create(_lib.encode_name(name), initial, maximum,
                                  _lib.make_attr(mode,
                                                 _flags(exclusive, inherit)),
                                  ctypes.byref(out)), name)
            _ptr = out.value
        super().__init__(_ptr, name or None, inherit)

    def release(self, n=1):
        """Adds n to the count, releasing up to n waiters, and returns the
        count before (ReleaseSemaphore). OSError EOVERFLOW if the count
        would pass the maximum (nothing changes)."""
        prev = ctypes.c_uint32()
        check(_lib.sem_release(self._live(), n, ctypes.byref(prev)))
        return prev.value

    acquire = _Sync.wait
