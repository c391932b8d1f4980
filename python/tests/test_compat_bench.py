# SPDX-License-Identifier: MIT
"""bench/bench_python.py (run by `make bench`) in a short run: every row of
its table and of its CSV is there. Its figures are not judged."""

import csv
import os
import subprocess
import sys

from compat_common import CHILD_TIMEOUT, REPO, child_env


def test_bench_python_short_run(tmp_path):
    out_csv = tmp_path / "results.csv"
    (tmp_path / "objects").mkdir()
    r = subprocess.run(
        [sys.executable, os.path.join(REPO, "bench", "bench_python.py"),
         "--target-ms", "5", "--csv", str(out_csv)],
        env=child_env(SHMAP_DIR=tmp_path / "objects"), capture_output=True,
        text=True, timeout=CHILD_TIMEOUT * 2)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "5 repetitions" in r.stdout
    with open(out_csv) as f:
        rows = list(csv.DictReader(f))
    methods = {(row["figure"], row["method"]) for row in rows}
    assert len(rows) == len(methods) == 10
    for row in rows:
        assert float(row["min"]) <= float(row["median"]) <= float(row["max"])
        assert row["method"].replace("python ", "", 1) in r.stdout
