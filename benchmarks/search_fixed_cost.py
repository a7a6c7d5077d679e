"""Benchmark: what a search costs beyond the training itself, `tune` against `train` on one epoch.

    python benchmarks/search_fixed_cost.py [--rounds 5] [--against OTHER_TEMPLATE]

Bakes the template once, then runs `train --set max_epochs=1` and `tune --num-samples 1 --set
max_epochs=1` as whole processes, taking turns, and prints the median wall of each and their
difference: Ray's start-up, a worker that imports torch and Lightning, Tune's bookkeeping and Ray's
shut-down. --against bakes another checkout of the template too (say main's, in a git worktree) and
times its `tune` in the same turns, so that a change is measured side by side on a shared machine. Each
figure comes with the CPU seconds of the process and the children it reaped (Ray's processes, and theirs),
which other work on a shared machine does not inflate as it does walls. --rounds 1 is the smoke check.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hpo_vs_peers import bake

COMMANDS = {
    "train": ["train", "--set", "max_epochs=1"],
    "tune": ["tune", "--num-samples", "1", "--set", "max_epochs=1"],
}
TARGET_S = 5.0  # tune minus train, at most
TARGET_RATIO = 2.0  # tune / train, at most: holds on slower machines too
AGAINST = "against"  # the other checkout's tune, in the figures


def _cpu_seconds() -> float:
    """User and system seconds of the children reaped so far, theirs included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], project: Path, workdir: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one whole CLI process in a fresh working directory."""
    workdir.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(project / "src"), "WANDB_MODE": "disabled"}
    start, cpu = time.perf_counter(), _cpu_seconds()
    done = subprocess.run(
        [sys.executable, "-m", project.name.replace("-", "_"), *command],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    wall, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"{command} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout of the template, whose tune runs beside")
    args = parser.parse_args()
    commands = {**COMMANDS, **({AGAINST: COMMANDS["tune"]} if args.against else {})}
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory(prefix="fixed-cost-") as tmp:
        projects = dict.fromkeys(COMMANDS, bake(Path(tmp) / "this"))
        if args.against:
            projects[AGAINST] = bake(Path(tmp) / AGAINST, args.against)
        for round_ in range(args.rounds):
            order = list(commands) if round_ % 2 == 0 else list(reversed(commands))  # none always first
            for name in order:
                wall, cpu = run(commands[name], projects[name], Path(tmp) / f"{name}-{round_}")
                walls[name].append(wall)
                cpus[name].append(cpu)
                print(f"round {round_ + 1}: {name:<7} {wall:6.2f} s  CPU {cpu:6.2f} s", flush=True)
    median = {name: statistics.median(values) for name, values in walls.items()}
    print(f"\n{args.rounds} round(s), {os.cpu_count()} CPUs")
    for name in commands:
        print(f"{name:<5} median wall {median[name]:6.2f} s")
        print(f"{name:<5} median CPU {statistics.median(cpus[name]):6.2f} s")
    extra = median["tune"] - median["train"]
    print(f"tune - train: {extra:.2f} s  (target <= {TARGET_S:g}: {'met' if extra <= TARGET_S else 'NOT met'})")
    ratio = median["tune"] / median["train"]
    print(f"tune / train: {ratio:.2f}x  (target <= {TARGET_RATIO:g}: {'met' if ratio <= TARGET_RATIO else 'NOT met'})")
    if args.against:
        print(f"{args.against}'s tune - train: {median[AGAINST] - median['train']:.2f} s")


if __name__ == "__main__":
    main()
