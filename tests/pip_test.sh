#!/bin/sh
# SPDX-License-Identifier: MIT
# pip_test.sh SRC LIB: `pip install --no-index --no-build-isolation ./python`,
# run in SRC, into a new venv (--system-site-packages, for setuptools) with
# no index, no cache and a proxy that refuses every connection, so nothing
# can be downloaded. Then, from a directory outside SRC and with PYTHONPATH
# unset, tests/python_roundtrip.py runs with the venv's python twice: with
# SHMAP_LIBRARY=LIB (the build's libshmap.so.0), and without it, the
# library then found by the system's search (ctypes.util.find_library,
# then the loader: here LD_LIBRARY_PATH names LIB's directory), as a
# pip-installed package, which has no shmap/_paths.py, finds it. In a git
# checkout, what pip's build left in SRC/python must not show in
# `git status`; what it made there is removed. Skips (77) without a
# python3 that makes a venv with pip and builds wheels with setuptools.
set -u
src=$(cd "$1" && pwd)
lib=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
libreal=$(readlink -f "$lib")
tmp=$(mktemp -d /tmp/shmap-pip.XXXXXX)
shm=$(mktemp -d /dev/shm/shmap-pip.XXXXXX 2>/dev/null || mktemp -d "$tmp/objects.XXXXXX")
made=
cleanup() {
	for d in $made; do rm -rf "$src/python/$d"; done
	rm -rf "$tmp" "$shm"
}
trap cleanup EXIT
fail() { echo "python_pip_install: $*"; exit 1; }

# No setting of the caller's pip (find-links, index) applies.
for v in $(env | sed -n 's/^\(PIP_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
# setuptools makes wheels itself from 70.1, with the wheel package before.
can_build='import setuptools
try:
    import setuptools.command.bdist_wheel
except ImportError:
    import wheel.bdist_wheel'
py=
for p in ${SHMAP_PYTHON:-} python3 /usr/bin/python3; do
	command -v "$p" >/dev/null 2>&1 || continue
	"$p" -c "$can_build" 2>/dev/null || continue
	rm -rf "$tmp/venv"
	if "$p" -m venv --system-site-packages "$tmp/venv" >"$tmp/venv.log" 2>&1 &&
		"$tmp/venv/bin/python" -m pip --version >/dev/null 2>&1 &&
		"$tmp/venv/bin/python" -c "$can_build" 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -z "$py" ]; then
	echo "skipped: python_pip_install: no python3 that makes a venv with pip and builds wheels with setuptools (python3-venv, python3-setuptools, python3-wheel)"
	exit 77
fi
vpy=$tmp/venv/bin/python

# What pip's in-tree build may make; whatever of it exists already is not
# this test's to remove.
for d in build shmap.egg-info; do
	[ -e "$src/python/$d" ] || made="$made $d"
done
git=
if command -v git >/dev/null && git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git=yes
	git -C "$src" status --porcelain --untracked-files=all -- python >"$tmp/status.before"
fi

(cd "$src" && env -u PYTHONPATH PIP_CONFIG_FILE=/dev/null \
	PIP_DISABLE_PIP_VERSION_CHECK=1 \
	http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 \
	HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
	"$vpy" -m pip install --no-index --no-build-isolation --no-cache-dir \
	./python) >"$tmp/pip.log" 2>&1 || { cat "$tmp/pip.log"; fail "pip install failed"; }
if grep -E '^ *(Downloading|Collecting .*https?://)' "$tmp/pip.log"; then
	fail "pip downloaded something"
fi

if [ -n "$git" ]; then
	git -C "$src" status --porcelain --untracked-files=all -- python >"$tmp/status.after"
	if ! cmp -s "$tmp/status.before" "$tmp/status.after"; then
		diff "$tmp/status.before" "$tmp/status.after"
		fail "pip's build left files that git status shows (python/.gitignore)"
	fi
fi

mkdir "$tmp/out"
cd "$tmp/out" || exit 1
# run NAME ENV...: the round trip with the venv's python and ENV; its
# output in $tmp/NAME.log.
run() {
	name=$1
	shift
	env -u PYTHONPATH -u SHMAP_LIBRARY SHMAP_DIR="$shm" PYTHONDONTWRITEBYTECODE=1 "$@" \
		"$vpy" "$src/tests/python_roundtrip.py" >"$tmp/$name.log" 2>&1 ||
		{ cat "$tmp/$name.log"; fail "$name: the round trip failed"; }
	grep -qx "package: $tmp/venv/lib/python[0-9.]*/site-packages/shmap" "$tmp/$name.log" ||
		{ cat "$tmp/$name.log"; fail "$name: shmap was not imported from the venv"; }
	grep -qx "library: $libreal" "$tmp/$name.log" ||
		{ cat "$tmp/$name.log"; fail "$name: not the library $libreal"; }
}
pkg=$(echo "$tmp"/venv/lib/python*/site-packages/shmap)
[ -f "$pkg/__init__.py" ] || fail "no package in $pkg"
[ ! -e "$pkg/_paths.py" ] || fail "a pip-installed package has a _paths.py"
run env SHMAP_LIBRARY="$lib"
run system LD_LIBRARY_PATH="$(dirname "$lib")"
echo "python_pip_install ($($vpy --version 2>&1), $py): offline install; round trips with SHMAP_LIBRARY and with the system's search: ok"
