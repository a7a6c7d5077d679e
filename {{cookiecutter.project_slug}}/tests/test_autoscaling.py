"""A search on Ray's own autoscaler, as `ray up cluster.yaml` runs it, on this machine (slow: marker `cluster`).

The autoscaler is Ray's, with the `fake_multinode` node provider Ray's autoscaler tests use: its "nodes"
are raylets on this machine. The config is cluster.yaml's node types (a head of 0 CPUs, a worker type
of min_workers 0), with one CPU per worker standing in for its GPU and at most 3 of them. As `ray up`
does, it lies at ~/ray_bootstrap_config.yaml on the head and `ray start --autoscaling-config` names it.
The search is submitted with README step 4's `ray job submit`; the address, the storage, and the task
(the tests' tiny one, in place of `python -m <package>`) are what change. Every process of the cluster is
in the head's session, and is ended by its pid (never `ray stop`, which ends every Ray on the machine).
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import tiny_task
import yaml
from processes import TESTS, free_port
from ray.autoscaler._private.fake_multi_node.node_provider import FAKE_HEAD_NODE_TYPE
from ray_nodes import (
    AGENT_PORTS,
    CALL_TIMEOUT_S,
    CLUSTER_YAML,
    PACKAGE,
    PROJECT,
    RAY,
    kill_node,
    local_command,
    processes,
    start_lines,
)

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.hyperlight.results import SEARCH_PREFIX
from {{ cookiecutter.package_name }}.hyperlight.trial_tables import TRIALS_FILE

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.time_limit(900)]

README = PROJECT / "README.md"
MAX_WORKERS = 3
N_TRIALS = 6
JOB_TIMEOUT_S = 600  # ends a hang only: the search took about 1-2 min here


def _autoscaling_config(gcs_address: str) -> dict:
    """cluster.yaml's node types for the fake provider: the head as written, workers of one CPU each."""
    if CLUSTER_YAML.exists():
        cluster = yaml.safe_load(CLUSTER_YAML.read_text())
        head_type, types = cluster["head_node_type"], cluster["available_node_types"]
    else:  # a bake without a cloud: cluster.yaml's shape
        head_type, types = "ray_head", {"ray_head": {"resources": {"CPU": 0, "GPU": 0}}, "gpu_worker": {}}
    head_resources = types[head_type]["resources"]
    [worker_type] = [name for name in types if name != head_type]
    worker = types[worker_type]
    head_type = FAKE_HEAD_NODE_TYPE  # the type the fake provider tags its head with, whatever the config says
    return {
        "cluster_name": "autoscaling-test",
        "max_workers": MAX_WORKERS,
        "idle_timeout_minutes": 5,
        "upscaling_speed": 1.0,
        "provider": {
            "type": "fake_multinode",
            "gcs_address": gcs_address,
            "use_node_id_as_ip": True,
            "disable_node_updaters": True,
            "disable_launch_config_check": True,
        },
        "auth": {"ssh_user": "ray"},
        "available_node_types": {
            head_type: {"resources": head_resources, "node_config": {}, "max_workers": 0},
            worker_type: {
                "resources": {"CPU": 1},  # stands in for the worker's GPU
                "node_config": {},
                "min_workers": worker.get("min_workers", 0),
                "max_workers": min(worker.get("max_workers", MAX_WORKERS), MAX_WORKERS),
            },
        },
        "head_node_type": head_type,
        **{key: [] for key in ("initialization_commands", "setup_commands", "head_setup_commands")},
        **{key: [] for key in ("worker_setup_commands", "head_start_ray_commands", "worker_start_ray_commands")},
        "file_mounts": {},
        "cluster_synced_files": [],
        "file_mounts_sync_continuously": False,
        "rsync_exclude": [],
        "rsync_filter": [],
    }


@pytest.fixture(scope="module")
def autoscaling_cluster():
    home = tempfile.mkdtemp(prefix="rayhome-autoscaling-")
    temp_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    env = {**os.environ, "HOME": home, "RAY_AUTH_MODE": "token", "RAY_FAKE_CLUSTER": "1"}
    env["AUTOSCALER_UPDATE_INTERVAL_S"] = "1"
    ray = lambda *args, **kw: subprocess.run([RAY, *args], env=env, capture_output=True, text=True, **kw)  # noqa: E731
    assert ray("get-auth-token", "--generate", timeout=CALL_TIMEOUT_S).returncode == 0
    port, dashboard = free_port(), free_port()
    config = Path(home) / "ray_bootstrap_config.yaml"
    config.write_text(yaml.safe_dump(_autoscaling_config(f"127.0.0.1:{port}")))
    head = [*local_command(start_lines()["head"], port, dashboard), f"--ray-client-server-port={free_port()}"]
    head += ["--node-ip-address=127.0.0.1", "--disable-usage-stats", f"--temp-dir={temp_dir}"]
    head += [f"--{name}-port={free_port()}" for name in AGENT_PORTS]
    if "--autoscaling-config" not in " ".join(head):  # a bake without cluster.yaml
        head.append("--autoscaling-config=~/ray_bootstrap_config.yaml")
    head = [word.replace("~", home) for word in head]
    node = subprocess.Popen(
        head, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    out, _ = node.communicate(timeout=CALL_TIMEOUT_S)
    try:
        assert node.returncode == 0, out
        yield env, f"http://127.0.0.1:{dashboard}", ray
    finally:
        kill_node(node.pid)  # the head's session holds the autoscaler and the worker raylets it started
        shutil.rmtree(temp_dir, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)


def _readme_submit() -> list[str]:
    """README step 4's `ray job submit` command, as words."""
    step = README.read_text()[README.read_text().index("**4. Submit the search**") :]
    block = step[step.index("```bash\n") + 8 : step.index("```", step.index("```bash\n") + 8)]
    command = block[block.index("ray job submit") :].replace("\\\n", " ")
    return shlex.split(command.split("\n")[0])


def _trial_spans(storage: Path) -> dict[str, tuple[float, float, int]]:
    """Each trial's first and last report (Ray's timestamps: whole seconds) and the pid that ran it: a span
    inside the trial's run, so two spans that overlap are two trials running at once."""
    spans = {}
    for path in storage.glob(f"tiny/{SEARCH_PREFIX}*/ray/*/result.json"):
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        spans[path.parent.name] = (lines[0]["timestamp"], lines[-1]["timestamp"], lines[-1]["pid"])
    return spans


def _raylet_of_each_process() -> dict[int, int]:
    """The raylet (so the node) of each Ray worker process running now: a worker is its raylet's child.

    Read from /proc while the job runs, as Ray's actor list empties once a job ends; the fake
    nodes all share this machine's IP, so the trials' own reports cannot tell them apart.
    """
    running = processes()
    raylets = {pid for pid, (name, _, _) in running.items() if name == "raylet"}
    return {pid: parent for pid, (_, parent, _) in running.items() if parent in raylets}


def _peak(spans) -> int:
    edges = sorted([(start, 1) for start, _, _ in spans] + [(end, -1) for _, end, _ in spans])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


@pytest.mark.skipif(not README.exists(), reason="the README holds the command")
def test_a_search_grows_the_cluster_and_runs_trials_side_by_side(autoscaling_cluster, tmp_path, capsys):
    env, dashboard, ray = autoscaling_cluster
    words = _readme_submit()
    assert words[:3] == ["ray", "job", "submit"] and "--working-dir" in words, words
    address, runtime_env = words.index("--address") + 1, words.index("--runtime-env-json") + 1
    assert json.loads(words[runtime_env]) == {"py_modules": [f"src/{PACKAGE}"]}, words[runtime_env]
    separator = words.index("--")
    assert shlex.join(words[separator + 1 : separator + 5]) == f"python -m {PACKAGE} tune", words
    settings = words[words.index("--set", separator) + 1 :]
    assert [s.split("=")[0] for s in settings] == ["gpu_per_trial", "storage_path"], settings

    storage = tmp_path / "storage"  # a folder every fake node sees: they share this machine's disk
    words[address] = dashboard
    words[runtime_env] = json.dumps({"py_modules": [f"src/{PACKAGE}"], "env_vars": {"PYTHONPATH": str(TESTS)}})
    # The tiny task in place of the project's; cpu_per_trial stands in for gpu_per_trial on the fake nodes.
    tune = [sys.executable, str(TESTS / "tiny_cli.py"), *words[separator + 4 : words.index("--set", separator) + 1]]
    tune += [
        "gpu_per_trial=0",
        "cpu_per_trial=1",
        f"storage_path={storage}",
        f"n_samples={N_TRIALS}",
        "max_concurrent_trials=none",
    ]
    tune += ["max_epochs=4", "grace_period=4", "epoch_seconds=1.5", f"results_dir={tmp_path / 'results'}"]
    # The fake nodes share this machine's runtime_resources folder, and each one that starts unpacks the
    # working dir afresh, replacing the folder the driver runs in: the driver runs from tmp_path instead.
    words[separator + 1 :] = ["bash", "-c", f"cd {shlex.quote(str(tmp_path))} && exec {shlex.join(tune)}"]
    started, raylet_of = time.monotonic(), {}
    log = open(tmp_path / "job.log", "w+")  # noqa: SIM115
    job = subprocess.Popen([RAY, *words[1:]], env=env, cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT, text=True)
    while job.poll() is None:  # ray job submit follows the job to its end
        assert time.monotonic() - started < JOB_TIMEOUT_S, "the search did not end"
        raylet_of.update(_raylet_of_each_process())
        time.sleep(0.5)
    wall = time.monotonic() - started
    log.seek(0)
    assert job.returncode == 0, log.read()[-6000:]

    nodes = json.loads(ray("list", "nodes", "--address", dashboard, "--format", "json", timeout=CALL_TIMEOUT_S).stdout)
    workers = {node["node_id"] for node in nodes if not node["is_head_node"]}
    spans = _trial_spans(storage)
    trial_raylets = {raylet_of.get(pid) for _, _, pid in spans.values()}
    peak = _peak(spans.values())
    with capsys.disabled():
        print(f"\nautoscaling search: {len(workers)} workers launched, peak {peak} trials at once, {wall:.0f} s")
    assert len(spans) == N_TRIALS
    assert len(workers) >= 2, nodes
    assert peak >= 2, spans
    assert None not in trial_raylets and len(trial_raylets) >= 2, (trial_raylets, spans)  # on 2+ nodes

    [search] = (storage / "tiny").glob(f"{SEARCH_PREFIX}*")
    assert (search / TRIALS_FILE).is_file()  # the search's own folder, under storage_path
    assert main(["report", str(storage / "tiny")], task=tiny_task) == 0
    assert re.search(r"report\.html$", capsys.readouterr().out.strip(), re.MULTILINE)
