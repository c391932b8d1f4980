# SPDX-License-Identifier: MIT
"""SharedMemory: a drop-in for multiprocessing.shared_memory.SharedMemory
with Windows lifetime.

The differences from the standard class, all of them Windows' behaviour
(which the standard class has on Windows too):

* The name lives while any process holds a handle to it: the block goes
  away, name and memory, when the last SharedMemory on it (in any process)
  is closed or its process ends, even if killed. Nothing is left behind in
  /dev/shm and no resource tracker is involved (none is registered with).
* :meth:`SharedMemory.unlink` does nothing, as on Windows: there is no name
  to remove while handles exist, and none once they are closed. Call
  :func:`shmap.unlink` to take a live name away as an administrator would.
* ``size`` stays what was asked at create (the standard class may round it
  to pages on some systems); ``buf`` is exactly ``size`` bytes. A process
  that opens the name gets the size the creator asked.

Names are shmap names ("Local\\name" by default, or "Global\\name"); one
leading "/" is dropped, so "/psm_x" and "psm_x" are one name, as with the
standard class. A SharedMemory pickles by name, so it passes to
multiprocessing children under fork and spawn alike (the child opens the
name while the sender keeps its handle).
"""

import secrets

from .mapping import ACCESS_WRITE, Mapping


class SharedMemory:
    """Creates a shared memory block or attaches to an existing one.

    ``SharedMemory(name=None, create=False, size=0)``: with create true a
    new block of size bytes, zero filled, under name (a generated one if
    None; FileExistsError if the name is taken); else attaches to the block
    called name (FileNotFoundError if none lives). ValueError for a size
    that is negative, or 0 with create, and for name None without create.
    """

    _PREFIX = "psm_"

    def __init__(self, name=None, create=False, size=0, *, track=True):
        # track is accepted for Python 3.13's signature; nothing is tracked.
        if not size >= 0:
            raise ValueError("'size' must be a positive integer")
        if create and size == 0:
            raise ValueError("'size' must be a positive number different "
                             "from zero")
        if name is None and not create:
            raise ValueError("'name' can only be None if create=True")
        self._map = self._view = None
        if create:
            while True:
                tryname = name if name is not None else \
                    self._PREFIX + secrets.token_hex(5)
                try:
                    self._map = Mapping(self._strip(tryname), size,
                                        exclusive=True)
                    break
                except FileExistsError:
                    if name is not None:
                        raise
            name = tryname
        else:
            self._map = Mapping.open(self._strip(name))
            size = self._map.size
        self._name = self._strip(name)
        self._size = size
        self._view = self._map.map_view(0, size, ACCESS_WRITE)

    @staticmethod
    def _strip(name):
        return name[1:] if name.startswith("/") else name

    @property
    def buf(self):
        """A memoryview of the block's contents."""
        if self._view is None or self._view.closed:
            return None
        return self._view.buf

    @property
    def name(self):
        """The unique name of the block."""
        return self._name

    @property
    def size(self):
        """Size in bytes."""
        return self._size

    def close(self):
        """Closes this instance's access to the block (its view, then its
        handle; the block goes when the last handle in any process goes).
        BufferError while memoryviews or arrays made from buf still exist,
        as with the standard class."""
        if self._view is not None:
            self._view.close()
            self._view = None
        if self._map is not None:
            m, self._map = self._map, None
            m.close()

    def unlink(self):
        """Does nothing, as on Windows: the name goes with the last handle
        (see the module's documentation)."""

    def __reduce__(self):
        return (self.__class__, (self.name, False, self.size))

    def __repr__(self):
        return "%s(%r, size=%d)" % (type(self).__name__, self.name, self.size)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
