"""AClassificationTask: the training, validation and test steps of any classifier, optimizer left open.

A subclass brings the backbone and the loss (`super().__init__(hparams, model, criterion)`)
and `configure_optimizers`; the ready subclasses in classification.py bring the latter too.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from argparse import Namespace
from collections.abc import Mapping
from typing import Any

import lightning.pytorch as pl
import torch
from torch import nn

from ..errors import ConfigError, did_you_mean
from ..trainer_setup import TRAIN_STEPS
from .classification_metrics import LitMetricsCalc

_RUNNER_ADDS = {TRAIN_STEPS: " (the Runner adds it; pass it yourself when you build the module without the Runner)"}


def hparams_dict(hparams: Mapping[str, Any] | Namespace) -> dict[str, Any]:
    """hparams as a plain dict: the reference accepted a dict or an argparse Namespace."""
    return dict(vars(hparams) if isinstance(hparams, Namespace) else hparams)


class HparamsChecked:
    """Each class lists the hparams it reads in REQUIRED_HPARAMS; a subclass needs those of all its bases.

    Checked before anything is built, so a missing key fails at construction with its name,
    not as an AttributeError deep inside Lightning's fit.
    """

    REQUIRED_HPARAMS: tuple[str, ...] = ()

    @classmethod
    def required_hparams(cls) -> dict[str, str]:
        """{key: the class that requires it}, over the whole class hierarchy."""
        required: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            for key in vars(klass).get("REQUIRED_HPARAMS", ()):
                required.setdefault(key, klass.__name__)
        return required

    @classmethod
    def check_hparams(cls, hparams: Mapping[str, Any]) -> None:
        """Raise one ConfigError naming every missing key and the class that needs it."""
        missing = [(key, owner) for key, owner in cls.required_hparams().items() if key not in hparams]
        if not missing:
            return
        lines = [
            f"'{key}' (required by {owner}){_RUNNER_ADDS.get(key, '')}{did_you_mean(key, hparams)}"
            for key, owner in missing
        ]
        raise ConfigError(f"{cls.__name__}: hparams lack " + "; ".join(lines))


class AClassificationTask(HparamsChecked, pl.LightningModule, metaclass=ABCMeta):
    """Logs `<stage>_loss` and the metrics of `metric_list` (default acc, f1) for train, val and test.

    hparams: n_classes, optional metric_list (see LitMetricsCalc). Batches are (inputs, target)
    unless a subclass overrides `_forward_batch` and `_get_target_from_batch`, the reference's
    override points (a dict batch, extra inputs such as attention masks).
    """

    REQUIRED_HPARAMS = ("n_classes",)

    def __init__(self, hparams: Mapping[str, Any] | Namespace, model: nn.Module, criterion: nn.Module) -> None:
        hparams = hparams_dict(hparams)
        self.check_hparams(hparams)
        super().__init__()
        # Only the dict: the backbone and the loss are modules, saved with the weights, not as hparams.
        self.save_hyperparameters(hparams)
        self.model, self.criterion = model, criterion
        n_classes, metric_list = self.hparams["n_classes"], self.hparams.get("metric_list")
        self.train_metric_calc = LitMetricsCalc("train", n_classes, metric_list)
        self.val_metric_calc = LitMetricsCalc("val", n_classes, metric_list)
        self.test_metric_calc = LitMetricsCalc("test", n_classes, metric_list)

    @abstractmethod
    def configure_optimizers(self) -> Any:
        """Subclasses choose the optimizer; see ClassificationTaskAdamStepLR and the others."""

    def forward(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        return self.model(*args, **kwargs)

    def _forward_batch(self, batch: Any) -> torch.Tensor:
        """The logits of a batch: override when the model takes more than `batch[0]`."""
        return self(batch[0])

    def _get_target_from_batch(self, batch: Any) -> torch.Tensor:
        """The labels of a batch: override when they are not `batch[1]`."""
        return batch[1]

    def stage_step(self, batch: Any, stage: str) -> torch.Tensor:
        """Loss and metrics of one batch of `stage`, logged per step and per epoch."""
        logits = self._forward_batch(batch)
        target = self._get_target_from_batch(batch)
        metric_calc: LitMetricsCalc = getattr(self, f"{stage}_metric_calc")
        self.log_dict(metric_calc.step(logits, target), on_step=True, on_epoch=True)
        loss = self.criterion(logits, target)
        # sync_dist: under DDP the epoch loss is the mean over every process, as the metrics are.
        self.log(f"{stage}_loss", loss, on_step=True, on_epoch=True, sync_dist=True)
        return loss

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self.stage_step(batch, "train")

    def validation_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self.stage_step(batch, "val")

    def test_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self.stage_step(batch, "test")
