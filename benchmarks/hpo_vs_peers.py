"""Benchmark: our runner against plain Ray Tune and in-process Optuna, side by side.

    python benchmarks/hpo_vs_peers.py [--rounds 3] [--trials 16] [--epochs 10] [--smoke]

Bakes the template once, then runs each way (see hpo_ways.py) as a whole process,
taking turns round by round, and prints the median wall time, the best val accuracy
of each way, and the ratios between them. --smoke is a 2-trial, 2-epoch check.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
WAYS = ("runner", "plain_ray", "optuna")


def bake(into: Path) -> Path:
    return Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(into), extra_context={"use_wandb": "n"}))


def run_way(way: str, project: Path, trials: int, epochs: int, workdir: Path) -> tuple[float, float]:
    """Wall time of the whole process (imports and Ray start-up included) and its best val accuracy."""
    workdir.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(project / "src"), "WANDB_MODE": "disabled"}
    command = [sys.executable, str(Path(__file__).with_name("hpo_ways.py")), way, str(trials), str(epochs)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - start
    results = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not results:
        raise RuntimeError(f"{way} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return wall, json.loads(results[-1][len("RESULT ") :])["best"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--smoke", action="store_true", help="1 round of 2 trials of 2 epochs")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.trials, args.epochs = 1, 2, 2

    walls: dict[str, list[float]] = {way: [] for way in WAYS}
    bests: dict[str, list[float]] = {way: [] for way in WAYS}
    with tempfile.TemporaryDirectory(prefix="hpo-bench-") as tmp:
        project = bake(Path(tmp))
        for round_ in range(args.rounds):
            for way in WAYS[round_ % len(WAYS) :] + WAYS[: round_ % len(WAYS)]:  # rotate who goes first
                wall, best = run_way(way, project, args.trials, args.epochs, Path(tmp) / f"{way}-{round_}")
                walls[way].append(wall)
                bests[way].append(best)
                print(f"round {round_ + 1}: {way:<10} {wall:6.1f} s  best val acc {best:.4f}", flush=True)

    wall = {way: statistics.median(walls[way]) for way in WAYS}
    best = {way: max(bests[way]) for way in WAYS}
    print(f"\n{args.trials} trials, at most {args.epochs} epochs, {args.rounds} round(s), {os.cpu_count()} CPUs")
    print(f"{'way':<10} {'median wall s':>14} {'best val acc':>13}")
    for way in WAYS:
        print(f"{way:<10} {wall[way]:>14.1f} {best[way]:>13.4f}")
    print(f"\nplain_ray / runner wall: {wall['plain_ray'] / wall['runner']:.2f}x  (target >= 4)")
    print(f"optuna / runner wall:    {wall['optuna'] / wall['runner']:.2f}x  (target >= 1)")
    for peer in ("plain_ray", "optuna"):
        print(f"best val acc, runner - {peer}: {best['runner'] - best[peer]:+.4f}  (target >= 0)")


if __name__ == "__main__":
    main()
