"""Ready classification tasks: PyTorch Hyperlight 0.3's `pytorch_hyperlight.tasks.classification`.

Code written for the reference runs after changing its import to `<package>.hyperlight.tasks`
(or `.tasks.classification`). A subclass builds its backbone and loss and calls
`super().__init__(hparams, model, criterion)`; the class picks the optimizer and schedule.
The Runner adds n_train_steps (and n_steps_per_epoch) to every config, so warm-up schedules
know where training ends before it starts.
"""

from __future__ import annotations

from typing import Any

import torch

from ..trainer_setup import TRAIN_STEPS
from .classification_base import AClassificationTask, HparamsChecked, hparams_dict
from .classification_head import AAutoClsHeadClassificationWeightDecayTask, FCClassifier
from .classification_metrics import LitMetricsCalc
from .schedules import linear_warmup_decay, scheduler_config

__all__ = [
    "AAutoClsHeadClassificationTaskWDAdamWStepLR",
    "AAutoClsHeadClassificationTaskWDAdamWWarmup",
    "AAutoClsHeadClassificationWeightDecayTask",
    "AClassificationTask",
    "ClassificationTaskAdamStepLR",
    "ClassificationTaskAdamWWarmup",
    "FCClassifier",
    "HparamsChecked",
    "LitMetricsCalc",
    "hparams_dict",
]

OptimizerConfig = tuple[list[torch.optim.Optimizer], list[dict[str, Any]]]


class ClassificationTaskAdamStepLR(AClassificationTask):
    """Adam at hparams lr, multiplied by lr_step_factor every lr_step_epochs epochs."""

    REQUIRED_HPARAMS = ("lr", "lr_step_epochs", "lr_step_factor")

    def configure_optimizers(self) -> OptimizerConfig:
        optimizer = torch.optim.Adam(self.parameters(), lr=self.hparams["lr"])
        scheduler = torch.optim.lr_scheduler.StepLR(
            optimizer, step_size=self.hparams["lr_step_epochs"], gamma=self.hparams["lr_step_factor"]
        )
        return [optimizer], [scheduler_config(scheduler, "epoch")]


class ClassificationTaskAdamWWarmup(AClassificationTask):
    """AdamW at hparams lr (weight_decay optional, default 0): linear warm-up over `warmup` steps,
    then linear decay to 0 at n_train_steps, stepped after every batch."""

    REQUIRED_HPARAMS = ("lr", "warmup", TRAIN_STEPS)

    def configure_optimizers(self) -> OptimizerConfig:
        optimizer = torch.optim.AdamW(
            self.parameters(), lr=self.hparams["lr"], weight_decay=self.hparams.get("weight_decay", 0.0)
        )
        scheduler = linear_warmup_decay(optimizer, self.hparams["warmup"], self.hparams[TRAIN_STEPS])
        return [optimizer], [scheduler_config(scheduler, "step")]


class AAutoClsHeadClassificationTaskWDAdamWStepLR(AAutoClsHeadClassificationWeightDecayTask):
    """AdamW over the head/backbone param groups; every group's LR times step_lr_gamma each step_lr_step_size epochs."""

    REQUIRED_HPARAMS = ("step_lr_step_size", "step_lr_gamma")

    def configure_optimizers(self) -> OptimizerConfig:
        optimizer = torch.optim.AdamW(self.get_optimizer_params())
        scheduler = torch.optim.lr_scheduler.StepLR(
            optimizer, step_size=self.hparams["step_lr_step_size"], gamma=self.hparams["step_lr_gamma"]
        )
        return [optimizer], [scheduler_config(scheduler, "epoch")]


class AAutoClsHeadClassificationTaskWDAdamWWarmup(AAutoClsHeadClassificationWeightDecayTask):
    """AdamW over the head/backbone param groups with the warm-up-then-decay schedule, stepped every batch."""

    REQUIRED_HPARAMS = ("warmup", TRAIN_STEPS)

    def configure_optimizers(self) -> OptimizerConfig:
        optimizer = torch.optim.AdamW(self.get_optimizer_params(), betas=(0.9, 0.999), eps=1e-8)
        scheduler = linear_warmup_decay(optimizer, self.hparams["warmup"], self.hparams[TRAIN_STEPS])
        return [optimizer], [scheduler_config(scheduler, "step")]
