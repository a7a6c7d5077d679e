"""W&B in a search: a run per trial through Ray's own `setup_wandb`, all in one group, and a run for the best.

Each trial starts its run in its own process, named after the trial and with the trial's id
(a resumed trial goes on in its run), in `<trial folder>/wandb/`; Lightning's WandbLogger then
records every metric, as in a single trial. Trials on the driver's machine hand their runs to
the driver's W&B service: Ray may end the process of a trial it stopped (ASHA) at once, and
the service, which outlives it, still closes its run. The key never travels through Ray: a
worker finds it where the driver does (its environment, a key file, `wandb login`). Ray's
other integration, WandbLoggerCallback, hands the key to its actors as a runtime_env
variable, and Ray writes those to its logs.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import ray

from ..settings import SCOPE_TUNE, Settings
from ..tracking import SERVICE_VARIABLE, TrackedRun, start_service, wandb_on, wandb_run
from ..wandb_key import MODE_VARIABLE, OFFLINE

# A trial on another machine has a service of its own, which Ray may end with the trial: it then
# writes what it has every 0.2 s rather than every 15 s, so that the reported epochs stay.
FLUSH_SECONDS = 0.2


@dataclasses.dataclass(frozen=True)
class SearchTracking:
    """What each trial of a search needs from the driver for its W&B run and its loggers."""

    experiment_path: str  # Ray's experiment; the trials' folders are in it
    service: str | None = None  # how processes on the driver's machine reach its W&B service
    node: str | None = None  # the driver's Ray node

    @property
    def group(self) -> str:
        """The W&B group of the search's runs, `<experiment_id>/<search folder>`: the two folders above Ray's."""
        return "/".join(self.experiment_path.rstrip("/").split("/")[-3:-1])


def search_tracking(settings: Settings, experiment_path: str) -> SearchTracking:
    """Once Ray runs: the driver starts its W&B service now, for the trials on its machine to share."""
    if not wandb_on(settings):
        return SearchTracking(experiment_path)
    return SearchTracking(experiment_path, start_service(), ray.get_runtime_context().get_node_id())


def _ray_wandb_init(mode: str | None = None, settings: Any = None, **kwargs: Any) -> Any:
    from ray.air.integrations.wandb import setup_wandb

    if mode == OFFLINE:  # without a key setup_wandb stops, unless WANDB_MODE says offline
        os.environ[MODE_VARIABLE] = OFFLINE  # in this trial worker's own environment
    settings.x_transaction_log_flush_interval = FLUSH_SECONDS
    return setup_wandb(mode=mode, settings=settings, resume="allow", **kwargs)


def trial_run(
    settings: Settings, trial_dir: Path, search: SearchTracking, config: Mapping[str, Any]
) -> AbstractContextManager[TrackedRun]:
    """The W&B run of one trial, in its folder; its Lightning logger records every metric the trial logs."""
    if search.service and ray.get_runtime_context().get_node_id() == search.node:
        os.environ[SERVICE_VARIABLE] = search.service  # read when this process first starts W&B
    return wandb_run(settings, trial_dir, search.group, config, SCOPE_TUNE, init=_ray_wandb_init)


def log_best(
    settings: Settings, search_dir: Path, group: str, config: Mapping[str, Any], values: Mapping[str, float], plot: Path
) -> None:
    """The run `<search folder>-best`: the best trial's config, its last, re-validation and test values, its plot."""
    with wandb_run(settings, search_dir, group, config, SCOPE_TUNE, name=f"{search_dir.name}-best") as tracked:
        tracked.log_summary(values)
        tracked.log_image(plot)
