# SPDX-License-Identifier: MIT
"""The package's hand-kept constants, C signatures and structure layouts
against the public headers and src/shmap.map (skipped without the source
tree or a C compiler)."""

import ctypes
import os
import re
import shutil
import subprocess

import pytest

from shmap import _consts, _lib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
INCLUDE = os.path.join(ROOT, "include")
HEADERS = [os.path.join(INCLUDE, "shmap", h) for h in
           ("common.h", "object.h", "map.h", "guard.h", "sync.h", "chan.h",
            "inspect.h")]

pytestmark = pytest.mark.skipif(
    not os.path.exists(os.path.join(INCLUDE, "shmap.h")),
    reason="the source tree's headers are not here")


def _text():
    return "\n".join(open(h).read() for h in HEADERS)


def _compile_run(tmp_path, body):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    src = tmp_path / "probe.c"
    src.write_text("#include <stddef.h>\n#include <stdio.h>\n"
                   "#include <shmap.h>\nint main(void)\n{\n%s\treturn 0;\n}\n"
                   % body)
    exe = tmp_path / "probe"
    subprocess.run([cc, "-std=gnu11", "-I", INCLUDE, "-o", str(exe),
                    str(src)], check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True,
                         text=True).stdout
    return dict(re.match(r"(.*?) (-?[0-9]+(?: [0-9]+)?)$", line).groups()
                for line in out.splitlines())


def _const_names():
    return sorted(n for n in vars(_consts) if n.startswith("SHMAP_"))


def test_constants_match_headers(tmp_path):
    names = _const_names()
    body = "".join('\tprintf("%s %%lld\\n", (long long)(%s));\n' % (n, n)
                   for n in names)
    got = _compile_run(tmp_path, body)
    for n in names:
        value = getattr(_consts, n)
        c = int(got[n])
        if c >= 0 and value < 0:  # an unsigned C constant
            value &= 0xFFFFFFFF
        assert value == c, n


def test_every_header_constant_is_listed():
    text = _text()
    found = set(re.findall(
        r"^#define (SHMAP_[A-Z0-9_]+)\s+\(?-?(?:0x)?[0-9a-fA-F]+u?\)?\s*(?:/\*.*)?$",
        text, re.M))
    found |= set(re.findall(r"^\s*(SHMAP_TYPE_[A-Z]+)\s*=", text, re.M))
    found |= {"SHMAP_ACCESS_ALL", "SHMAP_VERSION"}
    assert found - set(_const_names()) == set()


def _declarations():
    decls = {}
    text = re.sub(r"/\*.*?\*/", "", _text(), flags=re.S)
    for m in re.finditer(r"SHMAP_API\s+[^;(]*?\b(shmap_\w+)\s*\(([^)]*)\)",
                         text):
        params = " ".join(m.group(2).split())
        decls[m.group(1)] = 0 if params in ("", "void") else \
            len(params.split(","))
    return decls


def test_bound_functions_match_headers_and_map():
    decls = _declarations()
    exported = set(re.findall(r"^\s+(shmap_[a-z_0-9]+);",
                              open(os.path.join(ROOT, "src", "shmap.map"))
                              .read(), re.M))
    assert len(decls) > 50
    for name, (_res, args) in _lib.SIGNATURES.items():
        assert name in exported, name
        assert name in decls, name
        assert len(args) == decls[name], name


def test_structure_layouts(tmp_path):
    body = ""
    for cname, st in _lib.STRUCTS.items():
        body += '\tprintf("%s %%zu\\n", sizeof(%s));\n' % (cname, cname)
        for f, _ in st._fields_:
            cf = _lib.FIELD_C_NAMES.get(f, f)
            body += '\tprintf("%s.%s %%zu %%zu\\n", offsetof(%s, %s), ' \
                'sizeof(((%s *)0)->%s));\n' % (cname, cf, cname, cf, cname, cf)
    got = _compile_run(tmp_path, body)
    for cname, st in _lib.STRUCTS.items():
        assert ctypes.sizeof(st) == int(got[cname]), cname
        for f, _ in st._fields_:
            cf = _lib.FIELD_C_NAMES.get(f, f)
            field = getattr(st, f)
            assert "%d %d" % (field.offset, field.size) == \
                got[cname + "." + cf], cname + "." + cf
