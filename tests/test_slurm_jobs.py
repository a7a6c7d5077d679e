"""slurm/tune.sbatch and slurm/train.sbatch submitted with sbatch to a real SLURM cluster on this machine
(slurm/cluster.py: slurmctld, two slurmd, slurmdbd for sacct); slow, marker `slurm` (`make test-slurm`).

The scripts run as baked; sbatch gets only the limits this small cluster needs (one CPU per node, a
time limit), and the project's task is the tests' tiny one (slurm/slurm_task.py). Prints the figures:
the Ray cluster's start-up inside the job, trials per node, and the time one requeue costs.

Needs root and Debian's slurmctld, slurmd, slurmdbd, slurm-client, munge and mariadb-server; skipped
without them, unless HYPERLIGHT_SLURM_TEST_REQUIRED=1 (CI) turns the skip into a failure.
"""

import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest
from ray import tune
from slurm.cluster import PRIVATE_DIR, SlurmCluster, missing_tools
from slurm.project import EPOCH_LOG, Jobs, bake

pytestmark = pytest.mark.slurm
LIMITS = ("--cpus-per-task=1", "--time=20")  # what this cluster of one-CPU nodes needs


def say(capsys, message: str) -> None:
    with capsys.disabled():
        print(f"\n[slurm test] {message}", end="", flush=True)


@pytest.fixture(scope="module")
def jobs():
    reason = missing_tools()
    if reason:
        if os.environ.get("HYPERLIGHT_SLURM_TEST_REQUIRED") == "1":
            pytest.fail(f"HYPERLIGHT_SLURM_TEST_REQUIRED=1, but the SLURM test cannot run: {reason}")
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="hl-slurm-", dir="/tmp"))
    cluster = SlurmCluster(root / "cluster")
    try:
        cluster.start()
        yield Jobs(cluster, bake(root / "bake"), root)
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


class Search:
    """One tune.sbatch job: its own storage_path and epoch log."""

    def __init__(self, jobs: Jobs, name: str, *args: str, options: tuple[str, ...] = LIMITS, **env: str) -> None:
        self.jobs, self.storage = jobs, jobs.scratch / name / "storage"
        self.epoch_log = jobs.scratch / name / "epochs.log"
        self.epoch_log.parent.mkdir(parents=True)
        self.epochs_per_trial = next((int(a.split("=")[1]) for a in args if a.startswith("max_epochs=")), 0)
        self.results = jobs.scratch / name / "results"  # the search's own summaries, apart from the others'
        env = {"STORAGE_PATH": str(self.storage), EPOCH_LOG: str(self.epoch_log), **env}
        self.id, self.refused = jobs.sbatch(*options, args=("--set", f"results_dir={self.results}", *args), **env)

    def epochs(self) -> list[tuple[str, int, str, int]]:
        """(trial, epoch, node, restart) of each epoch the trials started."""
        lines = self.epoch_log.read_text().split("\n")[:-1] if self.epoch_log.exists() else []  # ended lines only
        return [(t, int(e), n, int(r)) for t, e, n, r in (line.split() for line in lines)]

    def searches(self) -> list[Path]:
        return sorted(self.results.glob("*/tune-*"))

    def ready_seconds(self) -> list[int]:
        return [int(s) for s in re.findall(r"Ray cluster of 2 nodes ready in (\d+) s", self.jobs.log(self.id))]


def test_tune_sbatch_runs_a_search_on_both_nodes_into_storage_path(jobs, capsys):
    search = Search(jobs, "plain", "--set", "n_samples=4", "max_epochs=2", "grace_period=2", "epoch_seconds=0.5")
    assert search.refused is None, search.refused
    assert jobs.wait_end(search.id) == "COMPLETED", jobs.tail(search.id)
    assert jobs.wait("sacct's record", lambda: jobs.accounted(search.id)[0] != "RUNNING") and jobs.accounted(
        search.id
    ) == ("COMPLETED", "0:0")

    [folder] = search.searches()
    trials = pd.read_csv(folder / "trials.csv")
    assert (trials["status"] == "TERMINATED").sum() == 4, trials.to_string()
    results = jobs.results(search.storage)
    assert len(results) == 4 and all(lines[-1]["done"] for lines in results.values())
    per_node = Counter(node for _, epoch, node, _ in search.epochs() if epoch == 0)
    assert set(per_node) == {"n1", "n2"}, per_node
    token = jobs.project / "slurm" / "jobs" / search.id / "token"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    say(capsys, f"Ray cluster ready in {search.ready_seconds()} s; trials per node {dict(per_node)}")


def _part_way(search: Search, left: int = 1) -> tuple[dict, dict] | None:
    """(finished, part-way) trials' reported epochs, once at least one of each exists, a part-way one with
    at least `left` epochs still to run (so that it is still part-way a moment later)."""
    results = search.jobs.results(search.storage)
    finished = {t: lines for t, lines in results.items() if lines and lines[-1].get("done")}
    part_way = {t: lines for t, lines in results.items() if lines and not lines[-1].get("done")}
    enough = any(lines[-1]["epoch"] + left < search.epochs_per_trial for lines in part_way.values())
    return (finished, part_way) if finished and enough else None


def _went_on(reported: int) -> tuple[int, int]:
    """The epoch a trial that reported `reported` may go on with: the next one, or this one again when the stop
    came between its report and Ray's record of its checkpoint (as in the baked test_tune_resume.py)."""
    return reported, reported + 1


def test_a_requeued_search_goes_on_where_it_was(jobs, capsys):
    """`scontrol requeue` mid-search: the job starts again and resumes the same search; part-way trials go
    on from their checkpoints, finished ones are not run again, and every trial ends."""
    epochs = 6
    settings = (f"max_epochs={epochs}", f"grace_period={epochs}", "epoch_seconds=1.5")
    search = Search(jobs, "requeue", "--set", "n_samples=4", *settings)
    assert search.refused is None, search.refused
    jobs.wait("a trial finished and one part-way", lambda: _part_way(search, left=3), job=search.id)
    jobs.cluster.run("scontrol", "requeue", search.id)
    requeued = time.monotonic()
    # SLURM holds a requeued job back for a while (its BeginTime); a busy cluster would keep it waiting anyway.
    jobs.wait("the job to be pending again", lambda: jobs.state(search.id) == "PENDING", job=search.id)
    finished, part_way = _part_way(search) or ({}, {})  # as the requeue left them
    assert finished and part_way, "no trial was part-way when the job stopped: the test proves nothing"
    jobs.cluster.run("scontrol", "update", f"JobId={search.id}", "StartTime=now")
    jobs.wait("the job to run again", lambda: jobs.state(search.id) == "RUNNING", job=search.id)
    restarted = time.monotonic()
    resumed = lambda: any(restart == 1 for *_, restart in search.epochs()) and time.monotonic()  # noqa: E731
    first_new_epoch = jobs.wait("an epoch after the restart", resumed, job=search.id)
    assert jobs.wait_end(search.id) == "COMPLETED", jobs.tail(search.id)

    assert "Restart 1: resuming" in jobs.log(search.id)
    [folder] = search.searches()  # the same search, not a second one
    assert json.loads((folder / "manifest.json").read_text())["status"] == "finished"
    trials = pd.read_csv(folder / "trials.csv")
    assert len(trials) == 4 and set(trials["status"]) == {"TERMINATED"}, trials.to_string()
    final = jobs.results(search.storage)
    for trial, lines in finished.items():  # finished before the requeue: kept as they were
        assert final[trial] == lines
    started_after = defaultdict(list)
    for trial, epoch, _, restart in search.epochs():
        if restart == 1:
            started_after[trial].append(epoch)
    assert not set(started_after) & {lines[-1]["trial_id"] for lines in finished.values()}
    for trial, lines in part_way.items():  # went on from its checkpoint, not from epoch 0
        first = (started_after[lines[-1]["trial_id"]] or [None])[0]
        assert first in _went_on(lines[-1]["epoch"]), (lines, started_after)
        assert final[trial][-1]["epoch"] == epochs - 1
    say(
        capsys,
        f"requeue: running again {restarted - requeued:.0f} s after `scontrol requeue` (hold skipped), first epoch "
        f"{first_new_epoch - restarted:.0f} s after that; Ray cluster ready in {search.ready_seconds()} s",
    )


def test_at_the_time_limit_the_search_stops_resumable(jobs, capsys):
    """The time limit, cut while trials are part-way, comes with tune.sbatch's warning signal: the search stops
    cleanly (manifest "interrupted", checkpoints kept) before SLURM kills the job, and a new job resumes it."""
    epochs = 20  # a search of about 2 min: slurmctld sends the signal at a check of its own, within a minute
    settings = (f"max_epochs={epochs}", f"grace_period={epochs}", "epoch_seconds=2")
    search = Search(jobs, "time-limit", "--set", "n_samples=4", *settings)
    assert search.refused is None, search.refused
    started = jobs.wait("trials part-way", lambda: search.epochs(), job=search.id)
    # Two minutes left or more: inside the script's signal margin, so SLURM sends it at its next check.
    run_time = re.search(r"RunTime=(\d+):(\d+):(\d+)", jobs.cluster.run("scontrol", "show", "job", search.id).stdout)
    jobs.cluster.run("scontrol", "update", f"JobId={search.id}", f"TimeLimit={int(run_time[2]) + 3}")
    cut = time.monotonic()
    state = jobs.wait_end(search.id)
    say(capsys, f"time limit: the job ended {time.monotonic() - cut:.0f} s after the cut, as {state}")
    assert state != "TIMEOUT", jobs.tail(search.id)  # it ended itself, before SLURM had to kill it
    assert started and "Stop signal received" in jobs.log(search.id)  # Ray Tune's clean stop

    [folder] = search.searches()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "interrupted", manifest
    assert re.search(f"continue it with --resume .*{folder.name}", jobs.log(search.id))
    assert tune.Tuner.can_restore(manifest["experiment_path"])
    results = jobs.results(search.storage)
    part_way = {lines[-1]["trial_id"]: lines[-1]["epoch"] for lines in results.values() if not lines[-1]["done"]}
    assert part_way and all(list(search.storage.glob(f"*/tune-*/ray/*{trial}*/checkpoint_*")) for trial in part_way)

    again = Search(jobs, "time-limit-resumed", "--resume", str(folder), STORAGE_PATH=str(search.storage))
    assert again.refused is None and jobs.wait_end(again.id) == "COMPLETED", jobs.tail(again.id)
    trials = pd.read_csv(folder / "trials.csv")
    assert len(trials) == 4 and set(trials["status"]) == {"TERMINATED"}, trials.to_string()
    went_on = {trial: epoch for trial, epoch, *_ in reversed(again.epochs()) if trial in part_way}
    assert went_on.keys() == part_way.keys(), (went_on, part_way)
    assert all(went_on[trial] in _went_on(epoch) for trial, epoch in part_way.items()), (went_on, part_way)


@pytest.mark.parametrize(
    "options, words",
    [
        (("--nodes=3",), "More processors requested than permitted"),  # two nodes of one CPU each
        (("--gpus-per-node=1",), "Invalid generic resource"),
    ],
)
def test_sbatch_refuses_what_the_cluster_cannot_give(jobs, options, words):
    search = Search(jobs, f"sbatch-{options[0][2:7]}", options=(*LIMITS, *options))
    assert search.id is None and len(search.refused.splitlines()) == 1 and words in search.refused, search.refused


@pytest.mark.parametrize(
    "setting, env, words",
    [
        ("gpu_per_trial=1", {}, "a trial needs cpu_per_trial=1 and gpu_per_trial=1 on one node"),
        (
            "cpu_per_trial=1",
            {"STORAGE_PATH": f"{PRIVATE_DIR}/storage"},
            f"storage_path '{PRIVATE_DIR}/storage' is not shared",
        ),
    ],
)
def test_a_search_the_allocation_cannot_hold_is_refused_before_any_trial(jobs, setting, env, words):
    search = Search(jobs, f"refused-{setting[:3]}", "--set", setting, **env)
    assert search.refused is None, search.refused
    assert jobs.wait_end(search.id) == "FAILED"
    errors = [line for line in jobs.log(search.id).splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and words in errors[0], jobs.tail(search.id)
    assert not search.epochs() and not search.searches()
