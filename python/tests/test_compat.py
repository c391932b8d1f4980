# SPDX-License-Identifier: MIT
"""shmap.SharedMemory against the cases of CPython's
Lib/test/_test_multiprocessing.py (test_shared_memory_basics and its
neighbours) that hold on Windows, where the stdlib's SharedMemory has the
lifetime shmap gives: an object lives while a handle to it does, and
unlink() does nothing. Each place where Windows semantics differ from the
stdlib's POSIX ones says so."""

import pickle

import pytest

import shmap
from compat_common import unique


@pytest.fixture
def sms():
    s = shmap.SharedMemory(unique("basics"), create=True, size=512)
    yield s
    try:
        s.close()
    except BufferError:
        pass
    s.unlink()


def test_attributes(sms):
    assert sms.size >= 512
    assert len(sms.buf) >= sms.size
    assert isinstance(sms.buf, memoryview)


def test_name_given_is_kept():
    name = unique("name")
    s = shmap.SharedMemory(name, create=True, size=16)
    try:
        assert s.name == name
    finally:
        s.close()


def test_repr(sms):
    assert sms.name in str(sms)
    assert str(sms.size) in str(sms)
    assert sms.name in repr(sms)


def test_pickling(sms):
    sms.buf[0:6] = b"pickle"
    sms2 = pickle.loads(pickle.dumps(sms))
    try:
        assert sms2.name == sms.name
        assert sms2.size == sms.size
        assert bytes(sms.buf[0:6]) == bytes(sms2.buf[0:6]) == b"pickle"
    finally:
        sms2.close()


@pytest.mark.parametrize("proto", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_unpickle(proto):
    # test_shared_memory_pickle_unpickle: both copies see each other.
    sms = shmap.SharedMemory(create=True, size=512)
    try:
        sms.buf[0:6] = b"pickle"
        sms2 = pickle.loads(pickle.dumps(sms, protocol=proto))
        assert isinstance(sms2, shmap.SharedMemory)
        assert sms2.name == sms.name
        assert bytes(sms2.buf[0:6]) == b"pickle"
        sms2.buf[0:6] = b"newval"
        assert bytes(sms.buf[0:6]) == b"newval"
        sms.buf[0:6] = b"oldval"
        assert bytes(sms2.buf[0:6]) == b"oldval"
        sms2.close()
    finally:
        sms.close()
        sms.unlink()


@pytest.mark.parametrize("proto", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_unpickle_dead_object(proto):
    # test_shared_memory_pickle_unpickle_dead_object. Windows: close() of
    # the last handle alone ends the object; the stdlib needs unlink() on
    # POSIX. Here unlink() is harmless and the outcome is the same.
    sms = shmap.SharedMemory(create=True, size=512)
    sms.buf[0:6] = b"pickle"
    pickled = pickle.dumps(sms, protocol=proto)
    sms.close()
    sms.unlink()
    with pytest.raises(FileNotFoundError):
        pickle.loads(pickled)


def test_pickle_after_close_alone_is_gone():
    # Windows semantics, where POSIX differs: without unlink(), closing the
    # only handle is enough for the name to go.
    sms = shmap.SharedMemory(create=True, size=64)
    pickled = pickle.dumps(sms)
    sms.close()
    with pytest.raises(FileNotFoundError):
        pickle.loads(pickled)


def test_write_through_memoryview(sms):
    sms.buf[0] = 42
    assert sms.buf[0] == 42


def test_attach_by_name(sms):
    sms.buf[0] = 42
    also = shmap.SharedMemory(sms.name)
    try:
        assert also.buf[0] == 42
        also.buf[1] = 43
        assert sms.buf[1] == 43
    finally:
        also.close()


def test_attach_with_other_size_ignores_it(sms):
    same = shmap.SharedMemory(sms.name, size=20 * sms.size)
    try:
        assert same.size < 20 * sms.size
        assert same.size == sms.size
    finally:
        same.close()


@pytest.mark.parametrize("size", [-1, -2, 0])
def test_create_bad_size(size):
    # test_invalid_shared_memory_creation and test_shared_memory_basics.
    with pytest.raises(ValueError):
        shmap.SharedMemory(create=True, size=size)


def test_create_without_size():
    with pytest.raises(ValueError):
        shmap.SharedMemory(create=True)


def test_attach_without_name():
    with pytest.raises(ValueError):
        shmap.SharedMemory(create=False)


def test_create_existing_name(sms):
    with pytest.raises(FileExistsError):
        shmap.SharedMemory(sms.name, create=True, size=512)


def test_attach_missing_name():
    with pytest.raises(FileNotFoundError):
        shmap.SharedMemory(unique("notthere"))


def test_generated_names_differ():
    # test_shared_memory_recreate mocks the name maker to hand out a name in
    # use; without the mock, names made for create=True never collide.
    a = shmap.SharedMemory(create=True, size=1)
    b = shmap.SharedMemory(create=True, size=1)
    try:
        assert a.name != b.name
    finally:
        a.close()
        b.close()


def test_unlink_twice_is_harmless():
    # The stdlib's POSIX branch expects FileNotFoundError from a second
    # shm_unlink(); on Windows (and here) unlink() does nothing, so the
    # name stays while a handle lives and neither call fails.
    name = unique("dblunlnk")
    uno = shmap.SharedMemory(name, create=True, size=5000)
    try:
        assert uno.size >= 5000
        duo = shmap.SharedMemory(name)
        duo.unlink()
        duo.close()
        uno.unlink()
        # Still there: uno holds it.
        tre = shmap.SharedMemory(name)
        tre.close()
    finally:
        uno.close()
    uno.unlink()
    with pytest.raises(FileNotFoundError):
        shmap.SharedMemory(name)


def test_close_with_exported_buffer_raises(sms):
    view = sms.buf[0:4]
    with pytest.raises(BufferError):
        sms.close()
    view.release()
    sms.close()


def test_close_with_numpy_view_raises(sms):
    np = pytest.importorskip("numpy")
    arr = np.ndarray((4,), dtype=np.int64, buffer=sms.buf)
    arr[:] = 7
    with pytest.raises(BufferError):
        sms.close()
    del arr
    sms.close()


def test_close_twice(sms):
    sms.close()
    sms.close()


def test_buf_after_close(sms):
    # The stdlib sets buf to None on close.
    sms.close()
    assert sms.buf is None
