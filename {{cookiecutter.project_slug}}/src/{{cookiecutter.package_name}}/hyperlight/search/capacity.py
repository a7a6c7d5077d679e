"""How many trials a search runs at once: what the cluster holds now, or, under an autoscaler, what it
can grow to. A `ray up` head runs no trial and starts with no worker, so counting only the resources
present when the search starts gave one slot: one trial pending, one worker launched, of max_workers.

Ray reports an autoscaler's node types through its GCS (`get_max_resources_from_cluster_config`, which
Ray Train reads too) when the autoscaler publishes them: autoscaler v2, as KubeRay runs it. Ray's v1
autoscaler, the one `ray up` starts, publishes nothing there; it runs from the config `ray up` writes on
the head, ~/ray_bootstrap_config.yaml (where Ray Tune's `_is_ray_cluster` looks too), and the driver of
`ray job submit` runs on that head, so that config is read there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import ray

from ..settings import Settings
from .setup import concurrency

BOOTSTRAP_CONFIG = Path("~/ray_bootstrap_config.yaml")  # the autoscaler's config on a `ray up` head


def _slots(settings: Settings, resources: Mapping[str, float]) -> int:
    """Trials that fit in these resources (one node's, or a total)."""
    slots = resources.get("CPU", 0) / settings.cpu_per_trial
    if settings.gpu_per_trial > 0:
        slots = min(slots, resources.get("GPU", 0) / settings.gpu_per_trial)
    return math.floor(slots + 1e-9)


def _reported_slots(settings: Settings) -> int:
    from ray._private.state import state

    maximum = state.get_max_resources_from_cluster_config()
    return _slots(settings, maximum) if maximum else 0


def _bootstrap_slots(settings: Settings) -> int:
    """Each worker type's trials per node times the nodes it may have, within the cluster's max_workers."""
    path = BOOTSTRAP_CONFIG.expanduser()
    if not path.exists():
        return 0
    import yaml

    config = yaml.safe_load(path.read_text())  # as `ray up` wrote it: defaults and cloud resources filled in
    head, types = config["head_node_type"], config["available_node_types"]
    nodes_left = config.get("max_workers", sum(node_type.get("max_workers", 0) for node_type in types.values()))
    slots = 0
    for name, node_type in sorted(types.items(), key=lambda item: item[0] == head):
        per_node = _slots(settings, node_type.get("resources", {}))
        nodes = 1 if name == head else min(node_type.get("max_workers", 0), nodes_left)
        nodes_left -= 0 if name == head else nodes
        slots += per_node * nodes
    return slots


def trials_at_once(settings: Settings, on_cluster: bool) -> int:
    """HyperOpt proposes each trial knowing the results of all but the running ones, so no more run at
    once than can: max_concurrent_trials caps it further."""
    resources = ray.cluster_resources()
    slots = concurrency(settings, resources.get("CPU", 0), resources.get("GPU", 0), on_cluster)
    if on_cluster:
        slots = max(slots, _reported_slots(settings), _bootstrap_slots(settings))
    cap = settings.max_concurrent_trials
    return min(slots, cap) if cap else slots
