"""The baked project the sbatch tests submit, its task swapped for the tests' own, and its jobs.

The project's data.py, model.py and config.py become the tests' task (slurm_task.py), as a user's own
task replaces the stubs; slurm/ is left as baked. Jobs get the environment of a user who activated the
project's venv (this one, installed at the lock's pins) and set PYTHONPATH=src, as sbatch passes it on.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from cookiecutter.main import cookiecutter

from .cluster import SlurmCluster

TEMPLATE_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "digits_research"
TASK = Path(__file__).with_name("slurm_task.py")
SHIM = "from slurm_task import *  # noqa: F403\nfrom slurm_task import __getattr__  # noqa: F401\n"
EPOCH_LOG = "HYPERLIGHT_TEST_EPOCH_LOG"  # slurm_task.py's EPOCH_LOG: it runs in the jobs, where this is not importable
JOB_TIMEOUT_S = 600
ENDED = ("COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED")
# The baked tests' reader of a running search's result.json files, loaded from the template (a plain file, no
# template tags): how a poll reads reports that Tune is still appending has one home.
_READER = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}" / "tests" / "trial_reports.py"
_spec = importlib.util.spec_from_file_location("trial_reports", _READER)
trial_reports = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(trial_reports)


def bake(root: Path) -> Path:
    project = Path(cookiecutter(str(TEMPLATE_ROOT), no_input=True, output_dir=str(root)))
    shutil.copy(TASK, project / "tests")
    for name in ("config.py", "data.py", "model.py"):
        (project / "src" / PACKAGE / name).write_text(SHIM)
    return project


class Jobs:
    """sbatch, scontrol and sacct as a user on the cluster runs them, from the project's folder."""

    def __init__(self, cluster: SlurmCluster, project: Path, scratch: Path) -> None:
        self.cluster, self.project, self.scratch = cluster, project, scratch
        venv_bin = str(Path(sys.executable).parent)
        self.env = {
            **cluster.env,
            "PATH": f"{venv_bin}:{os.environ['PATH']}",
            "PYTHONPATH": f"{project / 'src'}:{project / 'tests'}",
            "WANDB_MODE": "offline",
        }

    def sbatch(self, *options: str, args: tuple[str, ...] = (), script: str = "slurm/tune.sbatch", **env: str):
        """(job id, None) once submitted, or (None, sbatch's error) when SLURM refuses the job."""
        command = ["sbatch", "--parsable", *options, script, *args]
        done = subprocess.run(command, cwd=self.project, env={**self.env, **env}, capture_output=True, text=True)
        return (done.stdout.strip(), None) if done.returncode == 0 else (None, done.stderr.strip())

    def state(self, job: str) -> str:
        out = self.cluster.run("scontrol", "show", "job", "-o", job).stdout
        return re.search(r"JobState=(\S+)", out)[1]

    def accounted(self, job: str) -> tuple[str, str]:
        """State and exit code as sacct, through slurmdbd, records them."""
        out = self.cluster.run("sacct", "-X", "-n", "-P", "-o", "State,ExitCode", "-j", job).stdout
        state, code = out.strip().splitlines()[0].split("|")
        return state, code

    def wait(self, what: str, ready, timeout: float = JOB_TIMEOUT_S, job: str | None = None):
        deadline = time.monotonic() + timeout
        while not (value := ready()):
            assert time.monotonic() < deadline, f"{what}: not within {timeout} s" + (self.tail(job) if job else "")
            time.sleep(0.5)
        return value

    def wait_end(self, job: str) -> str:
        return self.wait(f"job {job} to end", lambda: (s := self.state(job)) in ENDED and s, job=job)

    def log(self, job: str) -> str:
        """The job's output, every run of it (tune.sbatch appends after a requeue)."""
        logs = list((self.project / "slurm" / "jobs").glob(f"*-{job}.out"))
        return logs[0].read_text() if logs else "(no log)"

    def tail(self, job: str) -> str:
        return "\n" + self.log(job)[-4000:]

    def results(self, storage: Path) -> dict[str, list[dict]]:
        """Each trial's reported epochs, from its result.json in storage_path, read while the job may still run."""
        return trial_reports.trial_reports(storage)
