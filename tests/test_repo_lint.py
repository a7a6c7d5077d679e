"""The template repository itself: ruff-clean Python, a hadolint-clean CI Dockerfile."""

import subprocess
import sys
from pathlib import Path

from conftest import TEMPLATE_ROOT

BIN = Path(sys.executable).parent


def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=TEMPLATE_ROOT, capture_output=True, text=True, timeout=120)


def test_template_repo_is_ruff_clean():
    for args in (["check", "."], ["format", "--check", "."]):
        done = _run(BIN / "ruff", *args)
        assert done.returncode == 0, done.stdout + done.stderr


def test_ci_dockerfile_passes_hadolint():
    done = _run(BIN / "hadolint", "docker/Dockerfile.ci")
    assert done.returncode == 0, done.stdout + done.stderr
