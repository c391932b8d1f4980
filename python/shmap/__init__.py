# SPDX-License-Identifier: MIT
"""shmap: Linux shared memory with Windows semantics, from Python.

A pure-Python binding (ctypes, standard library only; numpy used when
present) of libshmap.so.0:

* :class:`SharedMemory`: multiprocessing.shared_memory.SharedMemory with
  Windows lifetime (the name lives while any handle lives, in any process).
* :class:`Mapping` and :class:`View`: named, unnamed and file-backed
  mappings, views as memoryviews and numpy arrays without a copy, flush,
  and guarded read/write raising :class:`InPageError` instead of SIGBUS.
* :class:`Event`, :class:`Mutex`, :class:`Semaphore`, :func:`wait_multiple`:
  waits that release the GIL and end on Ctrl-C.
* :class:`Channel`: message channels (SPSC, MPMC, broadcast).
* :func:`objects`, :func:`holders`, :func:`inspect`: what is there and who
  holds it.

Errors: a negative errno from the library is raised as the matching OSError
subclass (FileNotFoundError, PermissionError, TimeoutError...), shmap's own
codes as subclasses of :class:`Error` (see :mod:`shmap.errors`).

The library is found through SHMAP_LIBRARY, the install's record, the
source tree's build/ or the system's search (see :mod:`shmap._lib`).
"""

from . import _consts
from ._lib import path as library_path
from .channel import Channel
from .errors import (AbandonedWarning, BadObjectError, BadPathError, Error,
                     FormatError, InPageError, OverrunError,
                     TypeMismatchError, strerror)
from .listing import (Holder, ObjectInfo, ViewInfo, backing_dir, gc,
                      holders, inspect, objects, unlink)
from .mapping import (ACCESS_ALL, ACCESS_COPY, ACCESS_READ, ACCESS_WRITE,
                      PROT_READONLY, PROT_READWRITE, PROT_WRITECOPY, Mapping,
                      View)
from .shared_memory import SharedMemory
from .sync import ABANDONED, Event, Mutex, Semaphore, wait_multiple
from ._lib import lib as _clib

__version__ = "%d.%d.%d" % (_consts.SHMAP_VERSION_MAJOR,
                            _consts.SHMAP_VERSION_MINOR,
                            _consts.SHMAP_VERSION_PATCH)


def library_version():
    """The version of the loaded libshmap, as "major.minor.patch"."""
    v = _clib.shmap_version()
    return "%d.%d.%d" % (v >> 16, (v >> 8) & 0xFF, v & 0xFF)


__all__ = [
    "ABANDONED", "ACCESS_ALL", "ACCESS_COPY", "ACCESS_READ", "ACCESS_WRITE",
    "AbandonedWarning", "BadObjectError", "BadPathError", "Channel", "Error",
    "Event", "FormatError", "Holder", "InPageError", "Mapping", "Mutex",
    "ObjectInfo", "OverrunError", "PROT_READONLY", "PROT_READWRITE",
    "PROT_WRITECOPY", "Semaphore", "SharedMemory", "TypeMismatchError",
    "View", "ViewInfo", "backing_dir", "gc", "holders", "inspect",
    "library_path", "library_version", "objects", "strerror", "unlink",
    "wait_multiple",
]
