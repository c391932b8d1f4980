# SPDX-License-Identifier: MIT
"""Exceptions and warnings of the shmap package.

A shmap C function fails with a negative errno value or with one of the
library's own codes (SHMAP_E*, in a band at -4000). A negative errno value
becomes the built-in OSError subclass Python picks for it, made as
``OSError(errno, os.strerror(errno))``: FileNotFoundError (ENOENT),
FileExistsError (EEXIST), PermissionError (EACCES, EPERM), TimeoutError
(ETIMEDOUT), BlockingIOError (EAGAIN), InterruptedError (EINTR), or a plain
OSError with ``.errno`` set for the others. A library code becomes a
subclass of :class:`Error` below, with ``.code`` and the message of
``shmap_strerror``.

SHMAP_EABANDONED is no failure (the wait took a mutex whose owner died) and
so is no exception: waits report it with :class:`AbandonedWarning`.
"""

import os as _os

from . import _consts as _c


class Error(Exception):
    """A failure that shmap reports with one of its own codes (SHMAP_E*).

    ``code`` is the negative code, ``args[0]`` the library's message.
    """

    code = 0

    def __init__(self, message=None, code=None):
        if code is not None:
            self.code = code
        if message is None:
            message = strerror(self.code)
        super().__init__(message)


class BadObjectError(Error):
    """SHMAP_EBADOBJ: the object's memory is not a valid object of its type
    (corrupt, or written by a hostile peer)."""

    code = _c.SHMAP_EBADOBJ


class TypeMismatchError(Error, TypeError):
    """SHMAP_ETYPE: the name is held by an object of another type."""

    code = _c.SHMAP_ETYPE


class BadPathError(Error, ValueError):
    """SHMAP_EBADPATH: an unknown namespace prefix, or a backslash inside a
    name."""

    code = _c.SHMAP_EBADPATH


class InPageError(Error):
    """SHMAP_EINPAGE: a page of a view or an object could not be brought in
    (its file was cut short, an I/O error, a full /dev/shm): Windows'
    EXCEPTION_IN_PAGE_ERROR, raised instead of the process dying of
    SIGBUS."""

    code = _c.SHMAP_EINPAGE


class FormatError(Error):
    """SHMAP_EFORMAT: the object was made by a version of shmap with another
    shared-memory format."""

    code = _c.SHMAP_EFORMAT


class OverrunError(Error):
    """SHMAP_EOVERRUN: a broadcast reader fell more than the channel's
    capacity behind and lost messages. ``missed`` says how many (0 if the
    count was not known); the next receive goes on at the oldest message
    still in the channel."""

    code = _c.SHMAP_EOVERRUN

    def __init__(self, missed=0, message=None):
        self.missed = missed
        if message is None:
            message = "%s: %d message%s missed" % (
                strerror(self.code), missed, "" if missed == 1 else "s")
        super().__init__(message)


class AbandonedWarning(RuntimeWarning):
    """A wait acquired a mutex whose owner thread or process ended while
    holding it (WAIT_ABANDONED). The caller owns the mutex, which works
    normally from here on, but the data it guards may be inconsistent.
    Turn it into an exception with ``warnings.simplefilter("error",
    shmap.AbandonedWarning)``."""


_BY_CODE = {cls.code: cls for cls in
            (BadObjectError, TypeMismatchError, BadPathError, InPageError,
             FormatError)}

_strerror = None  # set by _lib once the library is loaded


def strerror(code):
    """Returns shmap's description of an error code: a negative errno value
    or a SHMAP_E* code (shmap_strerror)."""
    if _strerror is not None:
        return _strerror(code).decode("utf-8", "replace")
    if code < 0 and -code < 4000:
        return _os.strerror(-code)
    return "shmap error %d" % code


def error_for(code, filename=None):
    """Returns the exception for a negative return code of the C library:
    an OSError subclass for -errno (with ``filename`` if given), a subclass
    of :class:`Error` for a SHMAP_E* code."""
    if code == _c.SHMAP_EOVERRUN:
        return OverrunError(0)
    cls = _BY_CODE.get(code)
    if cls is not None:
        err = cls()
        if filename is not None:
            err.filename = filename
        return err
    if -4100 < code <= -4000:
        return Error(code=code)
    num = -code
    if filename is not None:
        return OSError(num, _os.strerror(num), filename)
    return OSError(num, _os.strerror(num))


def check(code, filename=None):
    """Returns code if it is not negative, else raises error_for(code)."""
    if code < 0:
        raise error_for(code, filename)
    return code

