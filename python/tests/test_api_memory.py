# SPDX-License-Identifier: MIT
"""SharedMemory, Mapping and View: errors, sharing, numpy, pickling,
guarded access."""

import multiprocessing
import os
import pickle
import secrets

import pytest

import shmap


def _name():
    return "pyt_" + secrets.token_hex(6)


def test_errors_map_to_documented_exceptions():
    with pytest.raises(FileNotFoundError) as ei:
        shmap.Mapping.open(_name())
    assert ei.value.errno == 2
    with pytest.raises(shmap.BadPathError):
        shmap.Mapping("Nowhere\\x", 4096)
    n = _name()
    with shmap.Event(n):
        with pytest.raises(shmap.TypeMismatchError) as ei:
            shmap.Mapping(n, 4096)
        assert ei.value.code == shmap._consts.SHMAP_ETYPE
        assert "type" in str(ei.value)
    with shmap.Mapping(n, 4096) as m:
        with pytest.raises(FileExistsError):
            shmap.Mapping(n, 4096, exclusive=True)
        with pytest.raises(ValueError):
            m.map_view(4096, 1)
    with pytest.raises(ValueError):
        shmap.Mapping(n, 0)
    with shmap.Mapping(n, 4096, prot=shmap.PROT_READONLY, noreserve=True):
        with pytest.raises(PermissionError) as ei:
            shmap.Mapping.open(n, shmap.ACCESS_ALL)
        assert ei.value.filename == n
        shmap.Mapping.open(n, shmap.ACCESS_READ).close()
    with pytest.raises(ValueError):
        shmap.Mapping(n, 4096, prot=7)
    assert shmap.strerror(shmap._consts.SHMAP_EINPAGE)


def test_shared_memory_like_stdlib():
    with pytest.raises(ValueError):
        shmap.SharedMemory(create=True, size=0)
    with pytest.raises(ValueError):
        shmap.SharedMemory(create=True, size=-1)
    with pytest.raises(ValueError):
        shmap.SharedMemory()
    with pytest.raises(FileNotFoundError):
        shmap.SharedMemory(_name())
    a = shmap.SharedMemory(create=True, size=1000)
    assert a.size == 1000 and len(a.buf) == 1000 and a.name
    with pytest.raises(FileExistsError):
        shmap.SharedMemory(a.name, create=True, size=10)
    a.buf[:3] = b"abc"
    b = shmap.SharedMemory("/" + a.name)
    assert b.size == 1000 and bytes(b.buf[:3]) == b"abc"
    c = pickle.loads(pickle.dumps(b))
    assert bytes(c.buf[:3]) == b"abc"
    held = b.buf[1:2]
    with pytest.raises(BufferError):
        b.close()
    held.release()
    b.close()
    c.close()
    a.unlink()  # a no-op: the name lives while a's handle does
    d = shmap.SharedMemory(a.name)
    assert bytes(d.buf[:3]) == b"abc"
    d.close()
    a.close()
    with pytest.raises(FileNotFoundError):
        shmap.SharedMemory(a.name)


def _child_write(shm, data):
    shm.buf[:len(data)] = data
    shm.close()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_shared_memory_to_multiprocessing_child(method):
    ctx = multiprocessing.get_context(method)
    shm = shmap.SharedMemory(create=True, size=64)
    p = ctx.Process(target=_child_write, args=(shm, b"from child"))
    p.start()
    p.join(60)
    assert p.exitcode == 0
    assert bytes(shm.buf[:10]) == b"from child"
    shm.close()


def test_numpy_view_shares_memory_with_second_mapping():
    np = pytest.importorskip("numpy")
    n = _name()
    with shmap.Mapping(n, 3 * 4096) as m, shmap.Mapping.open(n) as m2:
        v = m.map_view(4096, 8192)
        a = v.as_array(np.float64, (32, 32))
        assert a.shape == (32, 32)
        v2 = m2.map_view(0, 0, shmap.ACCESS_READ)
        b = v2.as_array(np.float64, offset=4096)
        assert not b.flags.writeable
        a[3, 4] = 2.5
        assert b[3 * 32 + 4] == 2.5
        assert np.shares_memory(a, np.frombuffer(v.buf, np.uint8))
        with pytest.raises(BufferError):
            v.close()
        del a
        v.close()
        with pytest.raises(ValueError):
            v.buf
        del b
        v2.close()


def test_file_mapping_flush_and_guarded_access(tmp_path):
    path = tmp_path / "data"
    path.write_bytes(b"\0" * 8192)
    with shmap.Mapping.from_file(str(path)) as m:
        assert m.file_backed and m.size == 8192
        v = m.map_view()
        v.write(10, b"hello")
        v.flush()
        m.sync()
        assert path.read_bytes()[10:15] == b"hello"
        assert v.read(10, 5) == b"hello"
        os.truncate(path, 0)
        with pytest.raises(shmap.InPageError):
            v.read(0, 100)
        with pytest.raises(shmap.InPageError):
            v.write(4096, b"x" * 10)
        with pytest.raises(ValueError):
            v.read(8190, 10)
        v.close()
    ro = shmap.Mapping.from_file(str(path), size=4096)
    rv = ro.map_view(0, 0, shmap.ACCESS_READ)
    with pytest.raises(PermissionError):
        rv.write(0, b"x")
    with pytest.raises(TypeError):
        rv.buf[0] = 1
    rv.close()
    ro.close()
    with pytest.raises(FileNotFoundError):
        shmap.Mapping.from_file(str(tmp_path / "missing"))


def test_copy_on_write_view_and_fd_adoption():
    m = shmap.Mapping(None, 4096)
    w = m.map_view()
    c = m.map_view(0, 0, shmap.ACCESS_COPY)
    c.buf[0] = 7
    assert w.buf[0] == 0
    m2 = shmap.Mapping.from_fd(m.fileno())
    w2 = m2.map_view()
    w.buf[1] = 9
    assert w2.buf[1] == 9
    for x in (w, c, w2):
        x.close()
    m2.close()
    m.close()
    with pytest.raises(ValueError):
        m.map_view()


def test_inspection_lists_objects_and_holders():
    n = _name()
    with shmap.Mapping(n, 4096) as m:
        v = m.map_view()
        found = [o for o in shmap.objects() if o.name == "Local\\" + n]
        assert len(found) == 1 and found[0].type == "mapping"
        assert found[0].live and found[0].size == 4096
        assert shmap.inspect(n).handles >= 1
        hs, summary = shmap.holders(n, summary=True)
        me = [h for h in hs if h.pid == os.getpid()]
        assert me and me[0].handles == 1 and len(me[0].views) == 1
        assert summary["handles"] >= 1
        v.close()
    with pytest.raises(FileNotFoundError):
        shmap.holders(n)
    with pytest.raises(FileNotFoundError):
        shmap.inspect(n)
    with pytest.raises(shmap.BadPathError):
        shmap.holders("Bad\\x")
