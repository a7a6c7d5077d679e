"""The benchmark script runs end to end: 2 trials of 2 epochs, each way as a whole process."""

import re
import subprocess
import sys

from conftest import TEMPLATE_ROOT


def test_benchmark_smoke_mode_prints_every_way_and_the_ratios():
    script = TEMPLATE_ROOT / "benchmarks" / "hpo_vs_peers.py"
    done = subprocess.run([sys.executable, str(script), "--smoke"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    rows = dict(re.findall(r"^(runner|plain_ray|optuna) +([\d.]+) +[\d.]+$", done.stdout, flags=re.MULTILINE))
    assert set(rows) == {"runner", "plain_ray", "optuna"}, done.stdout
    assert all(float(seconds) > 0 for seconds in rows.values())
    assert re.search(r"^plain_ray / runner wall: [\d.]+x", done.stdout, flags=re.MULTILINE)
    assert re.search(r"^optuna / runner wall: +[\d.]+x", done.stdout, flags=re.MULTILINE)
