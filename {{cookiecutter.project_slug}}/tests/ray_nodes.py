"""Local Ray nodes for the cluster tests: cluster.yaml's `ray start` lines made local, and each node's
processes read from /proc (Ray's own lists forget a job's actors once it ends).

Each node is started in a session of its own; all its processes, Ray's workers included, stay in it.
"""

import os
import re
import shlex
import signal
import sys
from pathlib import Path

import yaml

PACKAGE = "{{ cookiecutter.package_name }}"
PROJECT = Path(__file__).resolve().parents[1]
CLUSTER_YAML = PROJECT / "cluster.yaml"
# cluster.yaml's lines, for a project baked without a cloud (and so without cluster.yaml).
START_LINES = {
    "head": "ray start --head --port=6379 --dashboard-host=127.0.0.1 --dashboard-port=8265 --num-cpus=0 --num-gpus=0",
    "worker": "ray start --address=$RAY_HEAD_IP:6379",
}
RAY = str(Path(sys.executable).with_name("ray"))
# Each node gets its own agent ports, so none collides with another or with another Ray here.
AGENT_PORTS = ("dashboard-agent-listen", "dashboard-agent-grpc", "runtime-env-agent", "metrics-export")
# Ends a hang only: a `ray` CLI call, a node's start or a refused client took 2-60 s here, and over 120 s
# with the 2 CPUs loaded 13-fold; a machine 3x slower must pass.
CALL_TIMEOUT_S = 600


def start_lines() -> dict[str, str]:
    """The `ray start` line of cluster.yaml's head and worker start commands (`ray stop` is left out)."""
    if not CLUSTER_YAML.exists():
        return START_LINES
    config = yaml.safe_load(CLUSTER_YAML.read_text())
    lines = {}
    for role in ("head", "worker"):
        [lines[role]] = [line for line in config[f"{role}_start_ray_commands"] if line.startswith("ray start")]
    return lines


def local_command(line: str, port: int, dashboard: int) -> list[str]:
    """The line as written, with the head's address and ports made local."""
    line = re.sub(r"--port=\d+", f"--port={port}", line)
    line = re.sub(r"--dashboard-port=\d+", f"--dashboard-port={dashboard}", line)
    line = re.sub(r"--address=\$RAY_HEAD_IP:\d+", f"--address=127.0.0.1:{port}", line)
    words = shlex.split(line)
    assert words[:2] == ["ray", "start"] and "$" not in line, line
    return [RAY, *words[1:]]


def processes() -> dict[int, tuple[str, int, int]]:
    """Each process running now: its name, parent pid and session."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended
            continue
        fields = text.rsplit(")", 1)[1].split()  # state, ppid, pgrp, session, ...
        found[int(stat.parent.name)] = (text[text.index("(") + 1 : text.rindex(")")], int(fields[1]), int(fields[3]))
    return found


def kill_node(node_pid: int) -> None:
    """SIGKILL every process of the session the node's `ray start` began, like a machine going away.

    Ray's workers run in process groups of their own, so killing the node's group alone
    would leave its trials running; they all stay in the session.
    """
    for pid, (_, _, session) in processes().items():
        if session == node_pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
