"""`tune` submitted with `ray job submit` to a real two-node Ray cluster on this machine.

Head and worker are started with `ray start`, bound to 127.0.0.1, with token auth on
for every process (head, worker, job client), as Ray 2.60 clusters expect.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from processes import TESTS, free_port

PACKAGE = "{{ cookiecutter.package_name }}"
PROJECT = Path(__file__).resolve().parents[1]
RAY = str(Path(sys.executable).with_name("ray"))
ENV = {**os.environ, "RAY_AUTH_MODE": "token"}


def _ray(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([RAY, *args], env=ENV, capture_output=True, text=True, timeout=timeout)


# Each node gets its own agent ports, so neither collides with the other or with another Ray here.
AGENT_PORTS = ("dashboard-agent-listen", "dashboard-agent-grpc", "runtime-env-agent", "metrics-export")


def _start_node(args: list[str], temp_dir: str) -> tuple[subprocess.Popen, str]:
    """`ray start` in its own session, so teardown stops exactly this node's processes."""
    command = [RAY, "start", *args, "--num-cpus=1", "--node-ip-address=127.0.0.1", "--disable-usage-stats"]
    command += [f"--temp-dir={temp_dir}", *(f"--{name}-port={free_port()}" for name in AGENT_PORTS)]
    node = subprocess.Popen(
        command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    out, _ = node.communicate(timeout=120)
    return node, out


@pytest.fixture
def cluster():
    """A head and a worker node of one CPU each; each node gets its own short temp dir."""
    port, dashboard, client = free_port(), free_port(), free_port()
    temp_dirs = [tempfile.mkdtemp(prefix="ray", dir="/tmp") for _ in range(2)]
    head = ["--head", f"--port={port}", f"--ray-client-server-port={client}"]
    head += ["--dashboard-host=127.0.0.1", f"--dashboard-port={dashboard}"]
    nodes = []
    try:
        for args, temp_dir in ((head, temp_dirs[0]), ([f"--address=127.0.0.1:{port}"], temp_dirs[1])):
            node, out = _start_node(args, temp_dir)
            nodes.append(node)
            assert node.returncode == 0, out
        yield f"http://127.0.0.1:{dashboard}"
    finally:
        for node in reversed(nodes):
            try:
                os.killpg(node.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for temp_dir in temp_dirs:
            shutil.rmtree(temp_dir, ignore_errors=True)


def test_tune_job_runs_trials_on_both_nodes(cluster, tmp_path):
    storage = tmp_path / "storage"  # stands in for a shared filesystem or s3://
    settings = [f"results_dir={tmp_path / 'results'}", f"storage_path={storage}", "max_epochs=2", "grace_period=2"]
    # The project's package travels as a py_module; the tiny task lives in tests/, on this machine.
    runtime_env = json.dumps({"py_modules": [str(PROJECT / "src" / PACKAGE)], "env_vars": {"PYTHONPATH": str(TESTS)}})
    job = _ray(
        "job", "submit", "--address", cluster, "--working-dir", str(PROJECT), "--runtime-env-json", runtime_env,
        "--", sys.executable, "tests/tiny_cli.py", "tune", "--num-samples", "4", "--set", *settings,
        timeout=300,
    )  # fmt: skip
    assert job.returncode == 0, job.stdout[-3000:] + job.stderr[-3000:]

    [search] = (tmp_path / "results").glob("*/tune-*")
    assert (pd.read_csv(search / "trials.csv")["status"] == "TERMINATED").sum() == 4
    trial_pids = {
        json.loads(line)["pid"]
        for result in storage.glob("*/tune-*/ray/*/result.json")
        for line in result.read_text().splitlines()
    }
    actors = _ray("list", "actors", "--address", cluster, "--filter", "class_name=ImplicitFunc", "--format", "json")
    node_of_pid = {actor["pid"]: actor["node_id"] for actor in json.loads(actors.stdout)}
    assert len({node_of_pid[pid] for pid in trial_pids}) == 2, (trial_pids, node_of_pid)
