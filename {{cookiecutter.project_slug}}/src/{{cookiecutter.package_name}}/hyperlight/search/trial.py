"""What runs inside a Ray worker: one trial of a search, built from definitions, not live objects."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from ray import tune
from ray.actor import ActorHandle

from ..checks import BATCH_SIZE, fit_loaders
from ..console import quiet_lightning
from ..metric_names import report_name
from ..metrics import EPOCH, STAGE, row_values
from ..progress import MetricsProgress
from ..settings import Settings
from ..tracking import TrackedRun
from ..trainer_setup import build_trainer, with_schedule
from ..user_loggers import LoggerFactory, run_loggers
from .start_line import wait_at
from .wandb_runs import SearchTracking, trial_run

CHECKPOINT_FILE = "checkpoint.ckpt"
FINISHED_MARK = "trial_finished"  # in the last checkpoint of a trial that ran to its end
CONFIG_KEY = "hyperlight_config"  # the trial's config, inside its Lightning checkpoints


def trial_config(ckpt_file: Path) -> dict[str, Any]:
    """The config a trial built its module from (schedule sizes included), read back from its checkpoint."""
    # weights_only=False: the trial's own checkpoint; its config may hold numpy or Path values.
    return torch.load(ckpt_file, map_location="cpu", weights_only=False)[CONFIG_KEY]


class TuneReporter(MetricsProgress):
    """Reports each finished epoch to Ray with a checkpoint of the weights that were validated.

    The checkpoint is written at validation end (like ModelCheckpoint in a single trial), or
    at train epoch end in a trial without validation, but reported once the epoch is over,
    when its train metrics exist too; the driver rebuilds the curves from these reports.
    """

    def __init__(
        self,
        config: dict[str, Any],
        tracked: TrackedRun,
        validates: bool,
        report: Callable[[dict[str, float], Path | None], None],
    ) -> None:
        super().__init__(csv_path=None, print_tables=False)  # Ray's progress table speaks for all trials
        self.config = config
        self.tracked = tracked
        self.validates = validates
        self.report = report  # report_to_tune in a trial; to Ray Train in each worker of one
        self._epoch_checkpoint: str | None = None

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_validation_end(trainer, pl_module)
        if not trainer.sanity_checking:
            self._save(trainer)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_train_epoch_end(trainer, pl_module)
        if not self.validates:
            self._save(trainer)

    def _save(self, trainer: pl.Trainer) -> None:
        self._discard()
        self._epoch_checkpoint = tempfile.mkdtemp(prefix="hyperlight-ckpt-")
        trainer.save_checkpoint(Path(self._epoch_checkpoint) / CHECKPOINT_FILE)

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        self._discard()  # the trial failed or Ray stopped it: nothing more to report

    def on_epoch_recorded(self, trainer: pl.Trainer, epoch: int, final: bool) -> None:
        if self._epoch_checkpoint is None:
            return
        if final:
            (Path(self._epoch_checkpoint) / FINISHED_MARK).touch()
            self.tracked.finish(failed=False)  # now: Ray may end this process right after the last report
        report: dict[str, float] = {EPOCH: epoch}  # reports carry the epoch under the same key as rows
        for row in self.epoch_rows(epoch):
            report.update({report_name(row[STAGE], name): value for name, value in row_values(row).items()})
        saved = Path(self._epoch_checkpoint)
        try:
            # Under DDP only rank zero writes the file: the other ranks report the epoch without one.
            self.report(report, saved if (saved / CHECKPOINT_FILE).exists() else None)
        finally:
            self._discard()

    def _discard(self) -> None:
        if self._epoch_checkpoint is not None:
            shutil.rmtree(self._epoch_checkpoint, ignore_errors=True)
            self._epoch_checkpoint = None

    def on_save_checkpoint(self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict) -> None:
        checkpoint[CONFIG_KEY] = self.config


def report_to_tune(metrics: dict[str, float], checkpoint_dir: Path | None) -> None:
    """An epoch of a one-process trial, with the checkpoint Ray keeps (copies) for it."""
    tune.report(metrics, checkpoint=None if checkpoint_dir is None else tune.Checkpoint.from_directory(checkpoint_dir))


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
