#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the Python package's tests of one kind (api: python/tests/test_api*.py,
# compat: python/tests/test_compat*.py) with pytest against the library
# LIB of this build, in a private backing directory. Skips (77) without a
# python3 that has pytest, or without test files of that kind.
#   python_test.sh SRC LIB KIND
set -u
src=$1
lib=$2
kind=$3
py=
for p in ${SHMAP_PYTHON:-} python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import pytest' 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -z "$py" ]; then
	echo "skipped: python_$kind: no python3 with pytest (python3-pytest)"
	exit 77
fi
set -- "$src"/python/tests/test_"$kind"*.py
if [ ! -e "$1" ]; then
	echo "skipped: python_$kind: no python/tests/test_$kind*.py"
	exit 77
fi
dir=$(mktemp -d /dev/shm/shmap-pytest.XXXXXX 2>/dev/null || mktemp -d /tmp/shmap-pytest.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$src/python"
SHMAP_DIR=$dir SHMAP_LIBRARY=$lib PYTHONPATH="$src/python" PYTHONDONTWRITEBYTECODE=1 \
	"$py" -m pytest -q -p no:cacheprovider "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
	echo "skipped: python_$kind: pytest collected no test"
	exit 77
fi
exit $rc
