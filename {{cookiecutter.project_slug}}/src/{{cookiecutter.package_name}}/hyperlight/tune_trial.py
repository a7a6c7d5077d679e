"""What runs inside a Ray worker: one trial of a search, built from definitions, not live objects."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from ray import tune
from ray.actor import ActorHandle

from .progress import MetricsProgress
from .single_trial import DEFAULTS
from .start_line import wait_at
from .trainer_setup import build_trainer, quiet_lightning, with_schedule

CHECKPOINT_FILE = "checkpoint.ckpt"
FINISHED_MARK = "trial_finished"  # in the last checkpoint of a trial that ran to its end


def epoch_report(rows: list[dict], epoch: int) -> dict[str, float]:
    """One epoch's Train and Val rows under their logged names, e.g. val_acc_epoch."""
    report: dict[str, float] = {"epoch": epoch}
    for row in rows:
        if row["epoch"] == epoch and row["stage"] in ("Train", "Val"):
            prefix = row["stage"].lower()
            report.update({f"{prefix}_{k}_epoch": v for k, v in row.items() if k not in ("stage", "epoch")})
    return report


class TuneReporter(MetricsProgress):
    """Reports each finished epoch to Ray with a checkpoint of the weights that were validated.

    The checkpoint is written at validation end (like ModelCheckpoint in a single trial)
    but reported once the epoch is over, when its train metrics exist too; the driver
    rebuilds the curves from these reports.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(csv_path=None)
        self.config = config
        self._validated_dir: str | None = None
        self._final = False

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_validation_end(trainer, pl_module)
        if not trainer.sanity_checking:
            self._discard()
            self._validated_dir = tempfile.mkdtemp(prefix="hyperlight-ckpt-")
            trainer.save_checkpoint(Path(self._validated_dir) / CHECKPOINT_FILE)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._final = True
        super().on_train_end(trainer, pl_module)

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        self._discard()  # the trial failed or Ray stopped it: nothing more to report

    def _finish_epoch(self, trainer: pl.Trainer) -> None:
        epoch = self._pending_epoch
        super()._finish_epoch(trainer)
        if epoch is None or self._validated_dir is None:
            return
        if self._final:
            (Path(self._validated_dir) / FINISHED_MARK).touch()
        checkpoint = tune.Checkpoint.from_directory(self._validated_dir)
        try:
            tune.report(epoch_report(self.rows, epoch), checkpoint=checkpoint)
        finally:
            self._discard()

    def _discard(self) -> None:
        if self._validated_dir is not None:
            shutil.rmtree(self._validated_dir, ignore_errors=True)
            self._validated_dir = None

    def _print(self, *rows: dict) -> None:
        """Silent: Ray's progress table speaks for all trials at once."""

    def on_save_checkpoint(self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict) -> None:
        checkpoint["hyperlight_config"] = self.config  # the driver rebuilds the module from it


def train_trial(
    config: dict[str, Any],
    *,
    configure_dataloaders: Callable[..., dict],
    lmodule_class: type[pl.LightningModule],
    extra_config: dict[str, Any],
    pl_callbacks: Sequence[pl.Callback],
    start_line: ActorHandle | None = None,
) -> None:
    """Ray's function trainable; `tune.with_parameters` binds everything but `config`."""
    wait_at(start_line)
    extra = {**DEFAULTS, **extra_config, "gpus": 1 if extra_config["gpu_per_trial"] > 0 else 0}
    with ExitStack() as stack:
        ckpt_path = None
        if (resumed := tune.get_checkpoint()) is not None:
            ckpt_dir = Path(stack.enter_context(resumed.as_directory()))
            if (ckpt_dir / FINISHED_MARK).exists():
                return  # the trial ended before the driver recorded it: never train it twice
            ckpt_path = ckpt_dir / CHECKPOINT_FILE
        logging.getLogger("ray.train").setLevel(logging.WARNING)  # one "checkpoint created" line per epoch
        if extra["seed"] is not None:
            pl.seed_everything(extra["seed"], workers=True, verbose=False)
        loaders = configure_dataloaders(config["batch_size"], n_workers=extra["n_workers"])
        train_loader = loaders[extra["train_loader_name"]]
        config = with_schedule(config, extra, len(train_loader))
        trial_dir = Path(tune.get_context().get_trial_dir())
        with quiet_lightning(info=False):
            reporter = TuneReporter(config)
            # Ray keeps the checkpoints the reporter hands it; Lightning's own would double the writes.
            trainer = build_trainer(
                config,
                extra,
                trial_dir,
                pl_callbacks,
                [],
                [reporter],
                enable_model_summary=False,
                enable_checkpointing=False,
            )
            # weights_only=False: the trial's own checkpoint; its config may hold numpy or Path values.
            val_loader = loaders[extra["val_loader_name"]]
            trainer.fit(lmodule_class(config), train_loader, val_loader, ckpt_path=ckpt_path, weights_only=False)
