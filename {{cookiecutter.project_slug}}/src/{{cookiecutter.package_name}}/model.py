"""Step 2: your LightningModule, and the callbacks it needs.

Log every metric with a train_/val_/test_ prefix and `on_step=True, on_epoch=True`:
the runner's tables, plots and checkpoint selection read the `_epoch` values.
`train` and `tune` run the class named LMODULE_CLASS at the bottom of this file.
"""

from __future__ import annotations

import lightning.pytorch as pl
import torch
import torch.nn.functional as F
from lightning.pytorch import Callback
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score

Batch = tuple[torch.Tensor, torch.Tensor]  # (inputs, targets), as the DataLoaders in data.py yield them


def stage_metrics(stage: str, n_classes: int) -> MetricCollection:
    """Metrics named `<stage>_acc`, `<stage>_f1`; torchmetrics accumulates them over the epoch."""
    return MetricCollection(
        {
            "acc": MulticlassAccuracy(num_classes=n_classes),
            "f1": MulticlassF1Score(num_classes=n_classes, average="macro"),
        },
        prefix=f"{stage}_",
    )


class DigitsMLP(torch.nn.Module):
    """Three linear layers: l0 (input side) to l2 (the classifier head)."""

    def __init__(self, n_inputs: int, n_hidden: int, n_classes: int) -> None:
        super().__init__()
        self.l0 = torch.nn.Linear(n_inputs, n_hidden)
        self.l1 = torch.nn.Linear(n_hidden, n_hidden // 2)
        self.l2 = torch.nn.Linear(n_hidden // 2, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        return self.l2(torch.relu(self.l1(torch.relu(self.l0(x)))))


class LitDigits(pl.LightningModule):
    def __init__(self, hparams: dict) -> None:
        super().__init__()
        self.save_hyperparameters(hparams)  # CONFIG (+ n_steps_per_epoch, n_train_steps) as self.hparams
        self.model = DigitsMLP(64, self.hparams.n_hidden, self.hparams.n_classes)
        self.train_metrics = stage_metrics("train", self.hparams.n_classes)
        self.val_metrics = stage_metrics("val", self.hparams.n_classes)
        self.test_metrics = stage_metrics("test", self.hparams.n_classes)
        self.freeze_model()  # UnfreezeModelTailCallback thaws it layer by layer (see configure_callbacks)

    def freeze_model(self) -> None:
        self.model.requires_grad_(False)

    def unfreeze_tail(self, n_layers: int) -> None:
        """Unfreeze the last n_layers + 1 layers, counting back from the head."""
        for layer in [self.model.l2, self.model.l1, self.model.l0][: n_layers + 1]:
            layer.requires_grad_(True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

    def configure_callbacks(self) -> list[Callback]:
        """Lightning adds these to any Trainer that runs this module, so the schedule travels with the model."""
        return [UnfreezeModelTailCallback(self.hparams.unfreeze_epochs)]

    def configure_optimizers(self) -> tuple[list, list]:
        optimizer = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)
        warmup, total = self.hparams.warmup, max(self.hparams.n_train_steps, 1)

        def linear_warmup_then_decay(step: int) -> float:
            if step < warmup:
                return (step + 1) / warmup
            return max(0.0, (total - step) / max(1, total - warmup))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, linear_warmup_then_decay)
        # "interval": "step" makes Lightning step the scheduler after every batch, not every epoch.
        return [optimizer], [{"scheduler": scheduler, "interval": "step", "frequency": 1}]

    def _stage_step(self, batch: Batch, stage: str) -> torch.Tensor:
        inputs, target = batch
        logits = self(inputs)
        loss = F.cross_entropy(logits, target)
        metrics = getattr(self, f"{stage}_metrics")
        metrics(logits, target)  # updates the epoch state and computes this batch's values
        # Logging the metric objects lets Lightning compute exact epoch values (not a mean of batches).
        self.log_dict(metrics, on_step=True, on_epoch=True)
        self.log(f"{stage}_loss", loss, on_step=True, on_epoch=True)
        return loss

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        return self._stage_step(batch, "train")

    def validation_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        return self._stage_step(batch, "val")

    def test_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        return self._stage_step(batch, "test")


class UnfreezeModelTailCallback(Callback):
    """Fine-tuning schedule from the reference: thaw the head first, then deeper layers."""

    def __init__(self, epoch_vec: list[int]) -> None:
        super().__init__()
        self.epoch_vec = epoch_vec

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: LitDigits) -> None:
        if trainer.current_epoch <= self.epoch_vec[0]:
            pl_module.unfreeze_tail(0)
        elif trainer.current_epoch <= self.epoch_vec[1]:
            pl_module.unfreeze_tail(1)
        else:
            pl_module.unfreeze_tail(2)


LMODULE_CLASS = LitDigits  # what `train` and `tune` run; point it at your own LightningModule
