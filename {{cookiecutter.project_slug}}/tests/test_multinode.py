"""`tune` on a real Ray cluster on this machine, started with the `ray start` lines of cluster.yaml:
trials on both worker nodes, results in storage_path, a client without the cluster's auth, and a
search that loses a worker node.

The head runs no trials (`--num-cpus=0`), as on the cloud, so two workers of one CPU each run them.
The lines run as written; only the head's address and the ports are made local, and what three nodes
on one machine need is added (node address 127.0.0.1, a temp dir and agent ports per node, one CPU per
worker). As `ray up` does with file_mounts, every node and client finds the same token in
~/.ray/auth_token, under a HOME of the module's own. One cluster serves the whole module.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from processes import TESTS, TINY_CLI, free_port
from ray_nodes import (
    AGENT_PORTS,
    CALL_TIMEOUT_S,
    PACKAGE,
    PROJECT,
    RAY,
    kill_node,
    local_command,
    processes,
    start_lines,
)
from trial_reports import trial_reports

HOME = os.path.join(tempfile.gettempdir(), f"rayhome-{os.getpid()}")  # made by `cluster`, not at import
ENV = {**os.environ, "RAY_AUTH_MODE": "token", "HOME": HOME}
JOB_TIMEOUT_S = 300
pytestmark = [pytest.mark.cluster, pytest.mark.slow]  # minutes on 2 CPUs: `make test-integration`


def _ray(*args: str, timeout: int = CALL_TIMEOUT_S) -> subprocess.CompletedProcess:
    return subprocess.run([RAY, *args], env=ENV, capture_output=True, text=True, timeout=timeout)


def _start_node(command: list[str], temp_dir: str) -> tuple[subprocess.Popen, str]:
    """Start a node in its own session, so killing that session stops exactly this node."""
    command = [*command, "--node-ip-address=127.0.0.1", "--disable-usage-stats", f"--temp-dir={temp_dir}"]
    command += [*(f"--{name}-port={free_port()}" for name in AGENT_PORTS)]
    command += [] if any(word.startswith("--num-cpus") for word in command) else ["--num-cpus=1"]
    node = subprocess.Popen(
        command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    out, _ = node.communicate(timeout=CALL_TIMEOUT_S)
    return node, out


@pytest.fixture(scope="module")
def cluster():
    """A head that runs no trials and two workers of one CPU each, from cluster.yaml's start lines."""
    os.makedirs(HOME, exist_ok=True)
    assert _ray("get-auth-token", "--generate").returncode == 0  # what the README has you run once
    port, dashboard = free_port(), free_port()
    lines = start_lines()
    head = [*local_command(lines["head"], port, dashboard), f"--ray-client-server-port={free_port()}"]
    commands = [head, local_command(lines["worker"], port, dashboard), local_command(lines["worker"], port, dashboard)]
    temp_dirs = [tempfile.mkdtemp(prefix="ray", dir="/tmp") for _ in commands]
    nodes = []
    try:
        for command, temp_dir in zip(commands, temp_dirs, strict=True):
            node, out = _start_node(command, temp_dir)
            nodes.append(node)
            assert node.returncode == 0, out
        yield SimpleNamespace(dashboard=f"http://127.0.0.1:{dashboard}", gcs=f"127.0.0.1:{port}", workers=nodes[1:])
    finally:
        for node in reversed(nodes):
            kill_node(node.pid)
        for temp_dir in [*temp_dirs, HOME]:
            shutil.rmtree(temp_dir, ignore_errors=True)


def test_start_lines_keep_the_head_free_of_trials_and_the_dashboard_local():
    head = start_lines()["head"]
    assert "--num-cpus=0" in head and "--num-gpus=0" in head
    assert "--dashboard-host=127.0.0.1" in head and "0.0.0.0" not in head


def _submit(cluster, tmp_path: Path, *settings: str) -> str:
    """Start `tune` on the tiny task as a Ray job and return its id; the project's package travels as a py_module."""
    storage = tmp_path / "storage"  # stands in for a shared filesystem or s3://
    settings = (
        f"results_dir={tmp_path / 'results'}",
        f"storage_path={storage}",
        "max_concurrent_trials=none",
        *settings,
    )
    runtime_env = json.dumps({"py_modules": [str(PROJECT / "src" / PACKAGE)], "env_vars": {"PYTHONPATH": str(TESTS)}})
    job = ["job", "submit", "--address", cluster.dashboard, "--working-dir", str(PROJECT)]
    job += ["--runtime-env-json", runtime_env, "--no-wait"]
    command = [sys.executable, "tests/tiny_cli.py", "tune", "--num-samples", "4", "--set", *settings]
    submitted = _ray(*job, "--", *command)
    assert submitted.returncode == 0, submitted.stdout[-3000:] + submitted.stderr[-3000:]
    [job_id] = set(re.findall(r"raysubmit_[A-Za-z0-9]+", submitted.stdout))  # the CLI colours its output
    return job_id


def _worker_of(cluster) -> dict[int, subprocess.Popen]:
    """The worker node of each process running now: a node's processes stay in the session its `ray start` began.

    /proc tells this without asking Ray, whose actor list empties once the job ends.
    """
    workers = {worker.pid: worker for worker in cluster.workers}
    return {pid: workers[session] for pid, (_, _, session) in processes().items() if session in workers}


def test_tune_job_runs_trials_on_both_workers_and_stores_results_in_storage_path(cluster, tmp_path):
    job_id = _submit(cluster, tmp_path, "max_epochs=2", "grace_period=2", "epoch_seconds=0.5")
    worker_of = {}  # the node of each process seen while the job ran: trials' processes end with it
    _wait_for_success(cluster, job_id, time.monotonic() + JOB_TIMEOUT_S, lambda: worker_of.update(_worker_of(cluster)))

    [search] = (tmp_path / "results").glob("*/tune-*")
    assert (pd.read_csv(search / "trials.csv")["status"] == "TERMINATED").sum() == 4
    pids_of = {trial: {line["pid"] for line in lines} for trial, lines in trial_reports(tmp_path / "storage").items()}
    trial_pids = set().union(*pids_of.values())
    assert {worker_of.get(pid) for pid in trial_pids} == set(cluster.workers), (trial_pids, worker_of)
    # No actor reuse on a cluster: Tune would hand a later trial a cached actor even on a lost node.
    assert len(trial_pids) == 4, f"trials shared a process: {pids_of}"


def test_a_client_without_the_clusters_auth_gets_one_line(cluster, tmp_path):
    env = {key: value for key, value in ENV.items() if key != "RAY_AUTH_MODE"}
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")])
    command = [sys.executable, str(TINY_CLI), "tune", "--address", cluster.gcs, "--set", f"results_dir={tmp_path}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=CALL_TIMEOUT_S)
    assert done.returncode == 2, done.stderr[-3000:]
    [line] = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert f"could not join the Ray cluster at {cluster.gcs}" in line and "RAY_AUTH_MODE" in line
    assert not list(tmp_path.glob("*/tune-*"))


def test_a_search_without_storage_path_is_refused_before_any_trial(cluster, tmp_path):
    """Ray would accept it and fail at a worker's first checkpoint: the head's disk is not the workers'."""
    env = {**ENV, "PYTHONPATH": os.pathsep.join([str(TESTS), ENV.get("PYTHONPATH", "")])}
    command = [sys.executable, str(TINY_CLI), "tune", "--address", cluster.gcs, "--set", f"results_dir={tmp_path}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=JOB_TIMEOUT_S)
    assert done.returncode == 2, done.stderr[-3000:]
    [line] = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert "storage_path is unset, but this Ray cluster has 3 nodes" in line, line
    assert not list(tmp_path.rglob("*")), list(tmp_path.rglob("*"))  # no search folder, no trial


def _job_status(cluster, job_id: str) -> str:
    """RUNNING until the CLI reports an end in its own words ("Job 'x' succeeded", "... failed", "... was stopped")."""
    done = _ray("job", "status", "--address", cluster.dashboard, job_id)
    out = (done.stdout + done.stderr).lower()
    ends = {"succeeded": "SUCCEEDED", "' failed": "FAILED", "was stopped": "STOPPED"}
    return next((status for words, status in ends.items() if words in out), "RUNNING")


def _wait_for_success(cluster, job_id: str, deadline: float, while_running=lambda: None) -> None:
    """Wait for the job's end, calling `while_running` meanwhile (Ray forgets a job's actors once it ends)."""
    while (status := _job_status(cluster, job_id)) == "RUNNING":
        assert time.monotonic() < deadline, "the search did not end"
        while_running()
        time.sleep(0.5)
    assert status == "SUCCEEDED", _ray("job", "logs", "--address", cluster.dashboard, job_id).stdout[-3000:]


def test_a_search_survives_losing_a_worker_node(cluster, tmp_path):
    """The module's last test: it kills a worker node. Its trial goes on, on the other worker, from its checkpoint."""
    # The driver writes result.json behind its trials, seconds behind on a loaded machine: kill while it shows a
    # trial 2 to epochs - left epochs in, so that `left` epochs (3 s) are still to run, not already run unseen.
    epochs, left = 16, 6
    job_id = _submit(cluster, tmp_path, f"max_epochs={epochs}", f"grace_period={epochs}", "epoch_seconds=0.5")
    deadline, next_status = time.monotonic() + JOB_TIMEOUT_S, 0.0
    while True:  # kill the worker while a trial on it is in that window, after another trial finished
        now = time.monotonic()
        results = trial_reports(tmp_path / "storage")
        seen = {t: [(line["epoch"], line["pid"], line.get("done")) for line in lines] for t, lines in results.items()}
        assert now < deadline, f"no moment to kill came: {seen}"
        if now >= next_status:  # the result files are polled; the job's status (a CLI call of seconds) every 10 s
            assert _job_status(cluster, job_id) == "RUNNING", f"the job ended before a moment to kill came: {seen}"
            next_status = now + 10
        finished = {t: lines for t, lines in results.items() if lines and lines[-1].get("done")}
        running = {t: lines for t, lines in results.items() if lines and not lines[-1].get("done")}
        part_way = {t: lines for t, lines in running.items() if 2 <= len(lines) <= epochs - left}
        worker_of = _worker_of(cluster) if finished and part_way else {}  # /proc is read only when it can matter
        node_of = {t: worker_of.get(lines[-1]["pid"]) for t, lines in part_way.items()}
        if lost := next((node for node in node_of.values() if node), None):
            on_worker = {t for t, node in node_of.items() if node is lost}
            break
        time.sleep(0.2)
    kill_node(lost.pid)

    _wait_for_success(cluster, job_id, deadline)
    [search] = (tmp_path / "results").glob("*/tune-*")
    trials = pd.read_csv(search / "trials.csv")
    assert set(trials["status"]) == {"TERMINATED"}, trials.to_string()
    final = trial_reports(tmp_path / "storage")
    assert len(final) == 4
    for trial, lines in finished.items():  # finished before the loss: kept as they were, not run again
        assert final[trial] == lines
    for trial in on_worker:  # lost with the node: went on elsewhere from its checkpoint, not from epoch 0
        reported, before = [line["epoch"] for line in final[trial]], [line["epoch"] for line in part_way[trial]]
        assert reported[: len(before)] == before and reported[len(before)] in (before[-1], before[-1] + 1), reported
        assert reported[-1] == epochs - 1
        assert final[trial][-1]["pid"] != part_way[trial][-1]["pid"]  # in a new process, on the other worker
