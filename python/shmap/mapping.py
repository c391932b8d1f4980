# SPDX-License-Identifier: MIT
"""Mappings and their views (shmap/map.h): Windows' CreateFileMapping,
OpenFileMapping, MapViewOfFile, FlushViewOfFile.

A :class:`Mapping` is a handle to a page-file-backed (named or unnamed) or
file-backed mapping object; :meth:`Mapping.map_view` maps a :class:`View`,
whose ``buf`` is a memoryview of the memory itself (no copy) and whose
:meth:`View.as_array` is a numpy array on it. :meth:`View.read` and
:meth:`View.write` copy with the library's guard, raising
:class:`~shmap.InPageError` where a plain access would die of SIGBUS (a file
cut short by another process, a full /dev/shm).
"""

import ctypes
import os
import sys

from . import _consts as _c
from . import _lib
from .errors import check

PROT_READONLY = _c.SHMAP_PROT_READONLY
PROT_READWRITE = _c.SHMAP_PROT_READWRITE
PROT_WRITECOPY = _c.SHMAP_PROT_WRITECOPY
ACCESS_READ = _c.SHMAP_ACCESS_READ
ACCESS_WRITE = _c.SHMAP_ACCESS_WRITE
ACCESS_COPY = _c.SHMAP_ACCESS_COPY
ACCESS_ALL = _c.SHMAP_ACCESS_ALL


class View(_lib.Closing):
    """A view of a mapping mapped into this process (MapViewOfFile).

    ``buf`` is a memoryview of its ``size`` bytes (read-only for an
    ACCESS_READ view). The view stays valid after its mapping's handle
    closes, until :meth:`close` (also at the end of a ``with`` block, and
    on garbage collection), which raises BufferError while memoryviews,
    slices of ``buf`` or arrays made from it still exist, as
    multiprocessing.shared_memory does.
    """

    def __init__(self, address, size, offset, access):
        self.address = address  #: the first byte's address
        self.size = size        #: bytes in the view
        self.offset = offset    #: where the view starts in the mapping
        self.access = access    #: ACCESS_READ, ACCESS_WRITE or ACCESS_COPY
        self._arr = (ctypes.c_ubyte * size).from_address(address)
        self._base = memoryview(self._arr).cast("B")
        self._buf = self._base.toreadonly() \
            if access == ACCESS_READ else self._base

    @property
    def buf(self):
        """A memoryview of the view's memory."""
        if self._buf is None:
            raise ValueError("operation on a closed View")
        return self._buf

    @property
    def closed(self):
        """True once the view is unmapped."""
        return self._buf is None

    def _span(self, offset, n):
        if offset < 0 or n < 0 or offset + n > self.size:
            raise ValueError("range [%d, %d) leaves the view of %d bytes"
                             % (offset, offset + n, self.size))
        self.buf  # ValueError if closed
        return self.address + offset

    def read(self, offset=0, n=None):
        """Copies n bytes (to the end if None) from offset, raising
        InPageError instead of dying of SIGBUS if a page cannot be brought
        in. Returns bytes."""
        if n is None:
            n = self.size - offset
        src = self._span(offset, n)
        out = ctypes.create_string_buffer(n)
        check(_lib.view_read(src, out, n))
        return out.raw

    def write(self, offset, data):
        """Copies the bytes-like data in at offset, raising InPageError
        instead of dying of SIGBUS (PermissionError on a read-only
        view)."""
        data = memoryview(data).cast("B")
        n = data.nbytes
        dst = self._span(offset, n)
        if data.readonly:
            data = bytes(data)
            check(_lib.view_write(dst, data, n))
        else:
            src = (ctypes.c_char * n).from_buffer(data)
            check(_lib.view_write(dst, src, n))

    def flush(self, offset=0, size=0):
        """Writes the dirty pages of [offset, offset + size) (size 0: to the
        end) to the file and waits (FlushViewOfFile)."""
        addr = self._span(offset, size)
        check(_lib.view_flush(addr, size))

    def as_array(self, dtype="uint8", shape=None, offset=0):
        """Returns a numpy array of dtype on the view's memory from offset,
        without a copy (read-only for a read-only view). shape None takes
        as many items as fit. Needs numpy."""
        import numpy
        dtype = numpy.dtype(dtype)
        if shape is None:
            count = (self.size - offset) // dtype.itemsize
            return numpy.frombuffer(self.buf, dtype, count, offset)
        if isinstance(shape, int):
            shape = (shape,)
        count = 1
        for d in shape:
            count *= d
        return numpy.frombuffer(self.buf, dtype, count, offset).reshape(shape)

    def close(self):
        """Unmaps the view. BufferError while exports of its memory (slices
        of buf, memoryviews, numpy arrays) still exist; the view then stays
        mapped (also when garbage collected: a leak, not a crash)."""
        if self._buf is None:
            return
        if self._buf is not self._base:
            self._buf.release()  # BufferError if exported
        self._base.release()     # likewise
        self._buf = None
        # Slices of buf share its managed buffer, which holds a reference
        # to the array: anything beyond ours and getrefcount's own is an
        # export still alive.
        if sys.getrefcount(self._arr) > 2:
            self._restore()
            raise BufferError("cannot close a view whose memory is still "
                              "exported (slices, memoryviews, arrays)")
        self._arr = None
        check(_lib.view_unmap(self.address))

    def _restore(self):
        self._base = memoryview(self._arr).cast("B")
        self._buf = self._base.toreadonly() \
            if self.access == ACCESS_READ else self._base

    def __repr__(self):
        return "<shmap.View %d bytes at offset %d%s>" % (
            self.size, self.offset, " closed" if self.closed else "")


def _prot_of(prot):
    if prot not in (PROT_READONLY, PROT_READWRITE, PROT_WRITECOPY):
        raise ValueError("prot is PROT_READONLY, PROT_READWRITE or "
                         "PROT_WRITECOPY")
    return prot


class Mapping(_lib.Handle):
    """A handle to a mapping object (CreateFileMapping).

    ``Mapping(name=None, size=0, prot=PROT_READWRITE, *, exclusive=False,
    inherit=False, noreserve=False, mode=0)`` creates a zero-filled
    page-file-backed mapping, or opens the existing one of that name
    (``existed``; its size kept). Without a name it is anonymous.
    :meth:`open` opens an existing name, :meth:`from_file` maps a file.
    """

    _close_fn = _lib.map_close

    def __init__(self, name=None, size=0, prot=PROT_READWRITE, *,
                 exclusive=False, inherit=False, noreserve=False, mode=0,
                 _ptr=None):
        #: The name given at create or open (None: unnamed).
        self.name = name or None
        if _ptr is None:
            if size <= 0:
                raise ValueError("size must be positive")
            out = ctypes.c_void_p()
            flags = (_c.SHMAP_ATTR_EXCL if exclusive else 0) | \
                (_c.SHMAP_ATTR_INHERIT if inherit else 0) | \
                (_c.SHMAP_ATTR_NORESERVE if noreserve else 0)
            check(_lib.map_create(_lib.encode_name(name), size,
                                  _prot_of(prot), _lib.make_attr(mode, flags),
                                  ctypes.byref(out)), name)
            _ptr = out.value
        self._ptr = _ptr

    @classmethod
    def open(cls, name, access=ACCESS_ALL, inherit=False):
        """Opens the existing mapping name with access (ACCESS_READ,
        ACCESS_ALL...): FileNotFoundError if no live object has the name,
        PermissionError if its mode or protection refuses the access."""
        out = ctypes.c_void_p()
        check(_lib.map_open(_lib.encode_name(name),
                            access | (_c.SHMAP_OPEN_INHERIT if inherit else 0),
                            ctypes.byref(out)), name)
        return cls(name, _ptr=out.value)

    @classmethod
    def from_file(cls, file, size=0, prot=PROT_READWRITE, name=None, *,
                  exclusive=False, inherit=False, mode=0):
        """Maps a file, given by path or as an open descriptor or file
        object. size 0 means the file's size; a larger size grows the
        file. A name lets other processes open the mapping by name."""
        out = ctypes.c_void_p()
        attr = _lib.make_attr(mode, (_c.SHMAP_ATTR_EXCL if exclusive else 0) |
                              (_c.SHMAP_ATTR_INHERIT if inherit else 0))
        bname = _lib.encode_name(name)
        if isinstance(file, (str, bytes, os.PathLike)):
            check(_lib.map_create_path(bname, os.fsencode(file), size,
                                       _prot_of(prot), attr,
                                       ctypes.byref(out)), os.fsdecode(file))
        else:
            fd = file if isinstance(file, int) else file.fileno()
            check(_lib.map_create_file(bname, fd, size, _prot_of(prot), attr,
                                       ctypes.byref(out)))
        return cls(name, _ptr=out.value)

    @classmethod
    def from_fd(cls, fd, access=ACCESS_ALL):
        """Adopts a descriptor that :meth:`fileno` gave in this or another
        process (inherited across exec, passed over a socket)."""
        out = ctypes.c_void_p()
        check(_lib.map_open_fd(fd, access, ctypes.byref(out)))
        return cls(None, _ptr=out.value)

    def _info(self):
        info = _lib.MapInfo()
        check(_lib.map_query(self._live(), ctypes.byref(info)))
        return info

    @property
    def size(self):
        """Bytes that views may cover."""
        return self._info().size

    @property
    def prot(self):
        """The PROT_* of the mapping object."""
        return self._info().prot

    @property
    def access(self):
        """The ACCESS_* bits this handle grants."""
        return self._info().access

    @property
    def existed(self):
        """True if the create found the name existing and opened it."""
        return bool(_lib.map_existed(self._live()))

    @property
    def file_backed(self):
        """True if views reach a user file."""
        return bool(self._info().file_backed)

    def fileno(self):
        """The descriptor of the object (owned by the handle), for a child
        to adopt with :meth:`from_fd`."""
        fd = ctypes.c_int()
        check(_lib.map_fd(self._live(), ctypes.byref(fd)))
        return fd.value

    def sync(self):
        """Writes a file-backed mapping's file to stable storage
        (FlushFileBuffers); does nothing for a page-file mapping."""
        check(_lib.map_sync(self._live()))

    def map_view(self, offset=0, size=0, access=ACCESS_WRITE):
        """Maps size bytes (0: to the end) from offset as a :class:`View`.
        access is ACCESS_READ, ACCESS_WRITE (shared) or ACCESS_COPY
        (private copy-on-write); ValueError for a range outside the
        mapping, PermissionError for a write the handle may not do."""
        if offset < 0 or size < 0:
            raise ValueError("offset and size must not be negative")
        total = self.size
        if offset + size > total or offset >= total:
            raise ValueError("[%d, %d) leaves the mapping of %d bytes"
                             % (offset, offset + (size or 1), total))
        addr = ctypes.c_void_p()
        check(_lib.view_map(self._live(), offset, size, access,
                            ctypes.byref(addr)))
        return View(addr.value, size or total - offset, offset, access)

    def __repr__(self):
        return "<shmap.Mapping %r %s>" % (
            self.name, "closed" if self.closed else "open")
