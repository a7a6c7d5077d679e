"""The benchmark script runs end to end: 2 trials of 2 epochs, each way as a whole process."""

import re
import subprocess
import sys

import pytest
from conftest import TEMPLATE_ROOT


def test_benchmark_smoke_mode_prints_every_way_and_the_ratios():
    script = TEMPLATE_ROOT / "benchmarks" / "hpo_vs_peers.py"
    done = subprocess.run([sys.executable, str(script), "--smoke"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    rows = re.findall(r"^(runner|plain_ray|optuna) +([\d.]+) +([\d.]+)$", done.stdout, flags=re.MULTILINE)
    wall = {way: float(seconds) for way, seconds, _ in rows}
    best = {way: float(acc) for way, _, acc in rows}
    assert set(wall) == {"runner", "plain_ray", "optuna"}, done.stdout
    # 2 trials of 2 epochs may all draw a learning rate too small to learn: only the range is certain.
    assert all(0 <= acc <= 1 for acc in best.values()), best
    assert "2 trials, at most 2 epochs, 1 round(s)" in done.stdout
    for peer, spaces in (("plain_ray", " "), ("optuna", "    ")):
        [ratio] = re.findall(rf"^{peer} / runner wall:{spaces}([\d.]+)x", done.stdout, flags=re.MULTILINE)
        assert float(ratio) == pytest.approx(wall[peer] / wall["runner"], rel=0.05)  # walls print rounded
