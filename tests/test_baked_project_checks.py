"""The baked project passes ruff and its own test suite, as a user would run them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
# Ends a hang only. The baked suite took 21 min alone on a 2-CPU machine 3x slower than this one; each of
# its tests has a limit of its own (DEFAULT_TIME_LIMIT_S and time_limit markers in its conftest.py), which
# ends a hung test long before this.
SUITE_TIMEOUT_S = 3600
# Makes `import wandb` fail as if it were not installed, in the tests and in the Ray workers they start
# (Ray hands the driver's sys.path, this folder included, to its local workers).
NO_WANDB = """import importlib.abc, sys


class NoWandb(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "wandb":
            raise ModuleNotFoundError(f"No module named {name!r} (hidden by the template's tests)", name=name)
        return None


sys.meta_path.insert(0, NoWandb())
"""


def run_in_project(
    args: list, cwd: Path, timeout: int = SUITE_TIMEOUT_S, path: tuple = ()
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*map(str, path), str(cwd / "src")]), "WANDB_MODE": "offline"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def run_baked_suite(project: Path, *pytest_args: str, path: tuple = (), parallel: bool = True) -> None:
    """Two pytest-xdist workers, a test file each at a time: one's waits (Ray's start, trials' processes,
    polls) overlap with the other's work. Files stay whole, so a module's shared fixtures start once. They go
    out in the order collected, slow modules first (the baked conftest.py), not xdist's most-tests-first, which
    left a long module of two tests running alone at the end.

    parallel=False runs a few files in one process: there the second worker and xdist's controller, each
    importing torch and Lightning, cost more than the overlap saves (test_user_task's 4 files, two runs each:
    42-43 CPU s and 41-42 s in one process, 60-61 CPU s and 40-43 s on two workers).
    """
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    pytest += ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"] if parallel else ["-p", "no:xdist"]
    done = run_in_project([*pytest, "--tb=short", *pytest_args], project, path=path)
    _, _, failures = done.stdout.partition("= FAILURES =")  # the tracebacks, before what the tests printed
    assert done.returncode == 0, failures[:12000] + done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout.splitlines()[-1]


@pytest.mark.parametrize("use_wandb", ["y", "n"])
def test_baked_project_is_ruff_clean(bake, use_wandb):
    project = bake(use_wandb=use_wandb)
    for args in (["check", "."], ["format", "--check", "."]):
        done = run_in_project([BIN / "ruff", *args], project)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.longest
def test_baked_project_tests_pass(bake):
    run_baked_suite(bake(), "-m", "not cluster")


@pytest.mark.cluster
def test_baked_project_cluster_tests_pass(bake):
    """The baked tests that start multi-node Ray clusters (minutes on 2 CPUs): `make test-integration`."""
    run_baked_suite(bake(), "-m", "cluster")


def hide_wandb(folder: Path) -> tuple[Path]:
    """Writes NO_WANDB into folder as sitecustomize.py and proves it works; returns the path to prepend."""
    (folder / "sitecustomize.py").write_text(NO_WANDB)
    probe = run_in_project([sys.executable, "-c", "import wandb"], folder, path=(folder,))
    assert "hidden by the template's tests" in probe.stderr  # the blocker works
    return (folder,)


def test_a_project_without_wandb_trains_its_digits_files_with_wandb_unimportable(bake, tmp_path):
    """use_wandb=n promises no W&B dependency, down to the digits stubs it bakes: their `train` runs where
    `import wandb` fails. The runner's own paths (train and tune through the CLI, single trials, other
    loggers) run there too, with another task swapped in: test_user_task.py.
    """
    path = hide_wandb(tmp_path)
    project = bake(use_wandb="n")
    train = [sys.executable, "-m", "digits_research", "train", "--fast-dev-run"]
    train += ["--set", "gpus=0", f"results_dir={tmp_path}"]
    done = run_in_project(train, project, path=path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
