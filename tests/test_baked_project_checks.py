"""The baked project passes ruff and its own test suite, as a user would run them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _run(args: list, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd / "src"), "WANDB_MODE": "offline"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("use_wandb", ["y", "n"])
def test_baked_project_is_ruff_clean(bake, use_wandb):
    project = bake(use_wandb=use_wandb)
    for args in (["check", "."], ["format", "--check", "."]):
        done = _run([BIN / "ruff", *args], project)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("use_wandb", ["y", "n"])
def test_baked_project_tests_pass(bake, use_wandb):
    project = bake(use_wandb=use_wandb)
    done = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
    assert " passed" in done.stdout.splitlines()[-1]
