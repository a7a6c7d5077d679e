"""What runs inside a Ray worker: one trial of a search, built from definitions, not live objects."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from ray import tune
from ray.actor import ActorHandle

from ..checks import BATCH_SIZE, fit_loaders
from ..console import quiet_lightning
from ..settings import Settings
from ..tracking import TrackedRun
from ..trainer_setup import build_trainer, with_schedule
from ..user_loggers import LoggerFactory, run_loggers
from .reporter import CHECKPOINT_FILE, FINISHED_MARK, TuneReporter, report_to_tune
from .start_line import wait_at
from .wandb_runs import SearchTracking, trial_run


def trial_folder(experiment_path: str) -> Path:
    """The trial's own folder in Ray's experiment: its W&B run and pl_loggers write there.

    Ray's `get_trial_dir()` is a staging folder for a trial that reuses a worker, which Ray
    does not copy back; on a local or shared experiment path the trial writes in place instead.
    """
    working = Path(tune.get_context().get_trial_dir())
    if not experiment_path or "://" in experiment_path:
        return working
    folder = Path(experiment_path) / working.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def fit_trial(
    config: dict[str, Any],
    resumed: tune.Checkpoint | None,
    trial_dir: Path,
    tracked_run: Callable[[dict[str, Any]], AbstractContextManager[TrackedRun]],
    report: Callable[[dict[str, float], Path | None], None],
    *,
    configure_dataloaders: Callable[..., dict],
    lmodule_class: type[pl.LightningModule],
    settings: Settings,
    pl_callbacks: Sequence[pl.Callback],
    pl_loggers: Sequence[LoggerFactory],
    prepare: Callable[[pl.Trainer], pl.Trainer] = lambda trainer: trainer,
    **trainer_kwargs: Any,
) -> None:
    """One trial's fit, in a Tune trial or in each Ray Train worker of one (see `train_workers`).

    resumed: the checkpoint to go on from; tracked_run: the trial's W&B run for its final config;
    report: how an epoch reaches Ray; prepare and trainer_kwargs adapt the Trainer to Ray Train.
    """
    with ExitStack() as stack:
        ckpt_path = None
        if resumed is not None:
            ckpt_dir = Path(stack.enter_context(resumed.as_directory()))
            if (ckpt_dir / FINISHED_MARK).exists():
                return  # the trial ended before the driver recorded it: never train it twice
            ckpt_path = ckpt_dir / CHECKPOINT_FILE
        logging.getLogger("ray.train").setLevel(logging.WARNING)  # one "checkpoint created" line per epoch
        if settings.seed is not None:
            pl.seed_everything(settings.seed, workers=True, verbose=False)
        loaders = configure_dataloaders(config[BATCH_SIZE], n_workers=settings.n_workers)
        train_loader, val_loader = fit_loaders(loaders, settings)
        config = with_schedule(config, settings, len(train_loader))
        tracked = stack.enter_context(tracked_run(config))
        loggers = tracked.loggers + run_loggers(pl_loggers, trial_dir)
        with quiet_lightning(info=False):
            reporter = TuneReporter(config, tracked, validates=val_loader is not None, report=report)
            # Ray keeps the checkpoints the reporter hands it; Lightning's own would double the writes.
            trainer = build_trainer(
                config, settings, trial_dir, pl_callbacks, loggers, [reporter],
                enable_checkpointing=False, **trainer_kwargs,
            )  # fmt: skip
            # weights_only=False: the trial's own checkpoint; its config may hold numpy or Path values.
            prepare(trainer).fit(
                lmodule_class(config), train_loader, val_loader, ckpt_path=ckpt_path, weights_only=False
            )


def train_trial(
    config: dict[str, Any],
    *,
    search: SearchTracking,
    start_line: ActorHandle | None = None,
    **definitions: Any,
) -> None:
    """Ray's function trainable; `tune.with_parameters` binds everything but `config`.

    definitions: what `fit_trial` builds the trial from; their `settings` arrive merged by the
    driver, with `gpus` already set from gpu_per_trial. Each trial is a W&B run (see `wandb_runs`)
    when wandb_project is set, and calls the pl_loggers functions with its own folder.
    """
    wait_at(start_line)
    trial_dir = trial_folder(search.experiment_path)
    settings = definitions["settings"]
    fit_trial(
        config,
        tune.get_checkpoint(),
        trial_dir,
        lambda final_config: trial_run(settings, trial_dir, search, final_config),
        report_to_tune,
        **definitions,
    )
