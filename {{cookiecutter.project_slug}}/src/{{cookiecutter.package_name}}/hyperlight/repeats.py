"""run_repeats: one configuration under several seeds, summarized as a paper reports it.

Each seed is an ordinary single trial (`run_single_trial`) inside the group's folder. On one machine
with fewer than two GPUs they run one after another and Ray is never imported; on a Ray cluster
(`address`) or with two GPUs or more they run side by side as Ray tasks (`search.repeat_tasks`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.loggers import Logger

from .checks import check_config
from .manifest import CONFIG_FIELD, RUN_NAME, SETTINGS_FIELD, record_run
from .repeat_group import (
    GROUP_KIND,
    KIND_FIELD,
    RUNS_FIELD,
    SEEDS_FIELD,
    SUMMARY_FILE,
    check_same_config,
    finished_runs,
    group_to_resume,
    new_group,
    run_manifests,
    seed_list,
    seed_run_name,
)
from .repeat_plots import plot_bands
from .repeat_summary import write_summary
from .results import check_run_name, print_results
from .settings import SCOPE_TRAIN, SEED, resolve_settings
from .single_trial import run_single_trial
from .tracking import check_tracking, wandb_run
from .user_loggers import LoggerFactory

GROUP_DIR, SUMMARY = "group_dir", "summary"  # keys of run_repeats' result, beside RUN_NAME


def runs_in_parallel(address: str | None) -> bool:
    """Ray is worth starting only where seeds can share out: a cluster, or two GPUs or more here."""
    return address is not None or torch.cuda.device_count() >= 2


def run_repeats(
    configure_dataloaders: Callable[..., dict],
    lmodule_class: type[pl.LightningModule],
    config: dict[str, Any],
    extra_config: Mapping[str, Any],
    seeds: int | Sequence[int],
    pl_callbacks: Sequence[pl.Callback] = (),
    pl_loggers: Sequence[Logger | LoggerFactory] = (),
    experiment_id: str = "default",
    run_name: str | None = None,
    resume: bool | str = False,
    address: str | None = None,
) -> dict[str, Any]:
    """Train `config` once per seed, then write the group's summary.csv and bands.png.

    seeds: how many (counted up from extra_config's seed, else from 0), or the list of seeds.
    resume: True continues this experiment's newest unfinished group, a path that group; its finished
        seeds are not run again.
    address: a Ray cluster to spread the seeds over (RAY_ADDRESS is not read: without an address the
        seeds run here).
    """
    check_config(config)
    settings = resolve_settings(extra_config)
    check_run_name(run_name)
    check_tracking(settings, pl_loggers)
    name = run_name or lmodule_class.__name__
    if resume:
        group_dir, started = group_to_resume(settings.results_dir, experiment_id, resume)
        check_same_config(group_dir, started[CONFIG_FIELD], config)
        seeds, done = started[SEEDS_FIELD], finished_runs(group_dir, started)
        name = started[RUN_NAME]
    else:
        seeds, done = seed_list(seeds, settings.seed), {}
        group_dir = new_group(settings.results_dir, experiment_id, name)
    group = f"{experiment_id}/{group_dir.name}"  # the runs' folder under results_dir, and their W&B group
    fields = {RUN_NAME: name, KIND_FIELD: GROUP_KIND, SEEDS_FIELD: seeds, CONFIG_FIELD: config}
    fields[SETTINGS_FIELD] = settings.in_scope(SCOPE_TRAIN)
    todo = [seed for seed in seeds if seed not in done]
    with record_run(group_dir, **fields, **{RUNS_FIELD: done}) as manifest:
        runs = dict(done)

        def finished(seed: int, run_dir: Path) -> None:
            runs[seed] = run_dir.name
            manifest.update(**{RUNS_FIELD: runs})

        args = (configure_dataloaders, lmodule_class, config)
        kwargs = {"pl_callbacks": pl_callbacks, "pl_loggers": pl_loggers}
        if todo and runs_in_parallel(address):
            from .repeat_tasks import run_seeds_on_ray  # Ray loads only here

            run_seeds_on_ray(args, extra_config, settings, todo, group, name, address, finished, **kwargs)
        else:
            for seed in todo:
                extra, seed_name = {**extra_config, SEED: seed}, seed_run_name(name, seed)
                result = run_single_trial(*args, extra, experiment_id=group, run_name=seed_name, **kwargs)
                finished(seed, result["results_dir"])
        manifests = run_manifests(group_dir)
        summary = write_summary(group_dir, manifests)
        bands = plot_bands(group_dir, runs)
        with wandb_run(settings, group_dir, group, config, SCOPE_TRAIN, name=f"{group_dir.name}-summary") as tracked:
            tracked.log_summary({f"{metric}/{column}": value for (metric, column), value in summary.stack().items()})
            tracked.log_image(bands)
    print_results(f"{len(runs)} seeds of {name}. Group: {group_dir.resolve()}", {"summary": group_dir / SUMMARY_FILE})
    return {RUN_NAME: name, GROUP_DIR: group_dir, SUMMARY: summary, RUNS_FIELD: runs}
