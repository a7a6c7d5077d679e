"""Checks of a fixed cluster, such as a SLURM allocation, made once Ray has joined it and before any trial.

A cluster that `ray up` or KubeRay scales may still add a node that fits a trial, or a shared volume
it mounts; an allocation never grows, so there a trial no node can hold would wait forever, and a
storage_path that only some nodes see would lose the checkpoints the others write.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from ..errors import ConfigError
from ..settings import Settings

SLURM_JOB = "SLURM_JOB_ID"  # set in every process of a SLURM job, the driver of `slurm/tune.sbatch` included
MARKER_PREFIX = ".hyperlight-shared-"


def in_fixed_allocation() -> bool:
    """Inside a SLURM job the Ray cluster is the allocation: no node joins later."""
    return SLURM_JOB in os.environ


def _alive_nodes() -> list[dict]:
    return [node for node in ray.nodes() if node["Alive"]]


def _holds_a_trial(settings: Settings, resources: dict) -> bool:
    """Per node, not in total: a trial's CPUs and GPUs must all come from one node."""
    needs = {"CPU": settings.cpu_per_trial, "GPU": settings.gpu_per_trial}
    return all(resources.get(name, 0) >= amount for name, amount in needs.items())


def check_trial_fits_a_node(settings: Settings) -> None:
    nodes = [node["Resources"] for node in _alive_nodes()]
    if any(_holds_a_trial(settings, node) for node in nodes):
        return
    largest = max(nodes, key=lambda node: (node.get("GPU", 0), node.get("CPU", 0)), default={})
    raise ConfigError(
        f"a trial needs cpu_per_trial={settings.cpu_per_trial:g} and gpu_per_trial={settings.gpu_per_trial:g} "
        f"on one node, but no node of this allocation has that much (the largest: {largest.get('CPU', 0):g} CPUs, "
        f"{largest.get('GPU', 0):g} GPUs); ask sbatch for more (--cpus-per-task, --gpus-per-node) or lower them"
    )


def _named(node: dict) -> str:
    """By address and id: two nodes may share an address (two SLURM nodes of a test cluster on one host)."""
    return f"{node['NodeManagerAddress']} ({node['NodeID'][:8]})"


@ray.remote(num_cpus=0)
def _sees(path: str) -> bool:
    return Path(path).exists()


def check_shared_storage(root: str, name: str) -> None:
    """Every node must see a file the driver writes in `root`, the folder Ray keeps the search in."""
    nodes = _alive_nodes()
    if "://" in root or len(nodes) < 2:
        return  # s3:// and gs:// are shared by nature; one node shares with itself
    Path(root).mkdir(parents=True, exist_ok=True)
    marker = Path(root) / f"{MARKER_PREFIX}{uuid.uuid4().hex}"
    marker.touch()
    try:
        on_each = [NodeAffinitySchedulingStrategy(node["NodeID"], soft=False) for node in nodes]
        seen = ray.get([_sees.options(scheduling_strategy=on).remote(str(marker)) for on in on_each])
        blind = ", ".join(_named(node) for node, sees in zip(nodes, seen, strict=True) if not sees)
    finally:
        marker.unlink()
    if blind:
        raise ConfigError(
            f"{name} '{root}' is not shared: the node at {blind} cannot see it; on a cluster Ray keeps "
            "the search there, so set storage_path to a folder on the shared file system (or s3:// / gs://)"
        )


def check_storage_path_is_set(settings: Settings) -> None:
    """Without storage_path Ray keeps the search on the driver's disk, which the workers cannot write to:
    Ray itself would fail only at a worker's first checkpoint, once the GPUs are paid for."""
    nodes = _alive_nodes()
    # A lone node that holds no trial (a `ray up` head of 0 CPUs) means workers will join to run them.
    if settings.storage_path or (len(nodes) < 2 and any(_holds_a_trial(settings, n["Resources"]) for n in nodes)):
        return
    cluster = f"{len(nodes)} nodes" if len(nodes) > 1 else "a head that runs no trial, so workers will join"
    raise ConfigError(
        f"storage_path is unset, but this Ray cluster has {cluster}: set storage_path to s3://..., gs://... "
        "or a folder every node mounts (Ray keeps checkpoints there; the driver's results_dir is not shared)"
    )


def check_joined_cluster(settings: Settings) -> None:
    """A joined cluster's storage must be shared by its nodes; in an allocation a trial must fit one node."""
    if in_fixed_allocation():
        check_trial_fits_a_node(settings)
    check_storage_path_is_set(settings)
    if settings.storage_path:
        check_shared_storage(settings.storage_path, "storage_path")
