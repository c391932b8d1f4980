# SPDX-License-Identifier: MIT
"""Inspection of the machine's shmap objects (shmap/inspect.h): what
``shmap ls`` and ``shmap holders`` show. Everything here only reads: no
hold, lock or wake-up is taken, and what it reports is a snapshot.
"""

import ctypes
import dataclasses
from typing import List, Optional

from . import _consts as _c
from . import _lib
from .channel import stats_dict
from .errors import check

_TYPES = {_c.SHMAP_TYPE_MAPPING: "mapping", _c.SHMAP_TYPE_EVENT: "event",
          _c.SHMAP_TYPE_MUTEX: "mutex", _c.SHMAP_TYPE_SEMAPHORE: "semaphore",
          _c.SHMAP_TYPE_CHANNEL: "channel"}


def _str(b):
    return None if b is None else b.decode("utf-8", "surrogateescape")


@dataclasses.dataclass
class ObjectInfo:
    """One object of the backing directory (struct shmap_object_info)."""

    name: Optional[str]       #: "Local\\x" or "Global\\x"; None if unreadable
    path: str                 #: the backing file
    file_path: Optional[str]  #: a file mapping's data file
    error: int                #: 0, or why the header was unreadable
    type: Optional[str]       #: "mapping", "event", "mutex", ...
    size: int                 #: bytes of data
    prot: int
    mode: int
    owner: int
    creator_uid: int
    creator_pid: int
    ctime_ns: int
    global_: bool
    live: bool                #: False for a leftover of killed holders
    handles: int              #: handles open machine-wide
    processes: int
    views: int
    processes_hidden: int
    resident: int
    sync: Optional[dict]      #: events, mutexes, semaphores: their state
    chan: Optional[dict]      #: channels: their counters


@dataclasses.dataclass
class ViewInfo:
    """One view of an object in a holder's address space."""

    start: int
    end: int
    offset: int
    access: int


@dataclasses.dataclass
class Holder:
    """One process holding an object (struct shmap_holder_info)."""

    pid: int
    uid: int
    command: Optional[str]
    handles: int
    views: List[ViewInfo]
    access: int


def _object(p):
    o = p.contents
    sync = None
    if o.sync.valid:
        sync = {k: getattr(o.sync, k) for k, _ in _lib.SyncState._fields_}
    return ObjectInfo(
        _str(o.name), _str(o.path), _str(o.file_path), o.error,
        _TYPES.get(o.type), o.size, o.prot, o.mode, o.owner, o.creator_uid,
        o.creator_pid, o.ctime_ns, bool(o.global_), bool(o.live), o.handles,
        o.processes, o.views, o.processes_hidden, o.resident, sync,
        stats_dict(o.chan) if o.chan.valid else None)


def _collect(call, *args):
    out = []
    failure = []

    def fn(p, ctx):
        try:
            out.append(_object(p))
            return 0
        except BaseException as e:  # carried out of the C walk
            failure.append(e)
            return 1

    rc = call(*args, _lib.ObjectFn(fn), None)
    if failure:
        raise failure[0]
    return rc, out


def objects(all_users=False, holders=True):
    """Returns an :class:`ObjectInfo` for every object the caller can see
    (its Local names and every Global name; with all_users, every user's,
    which needs privilege: PermissionError otherwise). holders False skips
    the /proc walk (processes, views stay 0)."""
    flags = (_c.SHMAP_LIST_ALL_USERS if all_users else 0) | \
        (0 if holders else _c.SHMAP_LIST_NO_HOLDERS)
    rc, out = _collect(_lib.list, flags)
    check(rc)
    return out


def inspect(name):
    """Returns the :class:`ObjectInfo` of the object name
    (FileNotFoundError if none)."""
    rc, out = _collect(_lib.inspect, _lib.encode_name(name))
    check(rc, name)
    return out[0]


def holders(name, summary=False):
    """Returns a :class:`Holder` for each process holding the object name,
    in pid order (FileNotFoundError if no such object). With summary true,
    returns (holders, dict) where the dict says what could not be seen
    (handles machine-wide, handles_seen, processes_hidden, complete)."""
    out = []
    failure = []

    def fn(p, ctx):
        try:
            h = p.contents
            views = [ViewInfo(v.start, v.end, v.offset, v.access)
                     for v in h.views[:h.nviews]]
            out.append(Holder(h.pid, h.uid, _str(h.command), h.handles,
                              views, h.access))
            return 0
        except BaseException as e:
            failure.append(e)
            return 1

    s = _lib.HoldersSummary()
    rc = _lib.holders(_lib.encode_name(name), _lib.HolderFn(fn), None,
                      ctypes.byref(s))
    if failure:
        raise failure[0]
    check(rc, name)
    if summary:
        return out, {k: getattr(s, k) for k, _ in _lib.HoldersSummary._fields_}
    return out


def gc():
    """Removes what holders killed by a signal left in the backing
    directory; returns how many objects went (shmap_gc)."""
    return check(_lib.gc())


def unlink(name):
    """Takes the name of a live object away now, as ipcrm does: handles and
    views keep working, an open finds nothing, a create makes a new object.
    Returns the number of handles still open. PermissionError unless the
    caller owns it or is privileged."""
    n = ctypes.c_uint()
    check(_lib.unlink(_lib.encode_name(name), ctypes.byref(n)), name)
    return n.value


def backing_dir():
    """The backing directory in use (SHMAP_DIR, else /dev/shm)."""
    return _str(_lib.backing_dir())
