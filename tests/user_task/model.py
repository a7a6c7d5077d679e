"""A swapped-in task, step 2: a small MLP regressor as a LightningModule.

Every metric is logged as train_/val_/test_<name> with `on_step=True, on_epoch=True`;
the runner reads the `<stage>_<name>_epoch` values. This task needs no callbacks, so it
does not override `configure_callbacks()`.
"""

from __future__ import annotations

import lightning.pytorch as pl
import torch
import torch.nn.functional as F
from torchmetrics import MeanAbsoluteError

Batch = tuple[torch.Tensor, torch.Tensor]  # (features, target), as the DataLoaders in data.py yield them


class LitRegressor(pl.LightningModule):
    def __init__(self, hparams: dict) -> None:
        super().__init__()
        self.save_hyperparameters(hparams)  # CONFIG (+ n_steps_per_epoch, n_train_steps) as self.hparams
        # int(): values sampled by Ray Tune may arrive as numpy integers.
        n_features, n_hidden = int(self.hparams.n_features), int(self.hparams.n_hidden)
        self.net = torch.nn.Sequential(
            torch.nn.Linear(n_features, n_hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(n_hidden, n_hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(n_hidden, 1),
        )
        # One metric object per stage: each accumulates its own epoch state.
        self.train_mae = MeanAbsoluteError()
        self.val_mae = MeanAbsoluteError()
        self.test_mae = MeanAbsoluteError()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)  # (batch, 1) -> (batch,), the shape of the target

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)

    def _stage_step(self, batch: Batch, stage: str) -> torch.Tensor:
        inputs, target = batch
        prediction = self(inputs)
        loss = F.mse_loss(prediction, target)
        mae = getattr(self, f"{stage}_mae")
        mae(prediction, target)  # updates the epoch state and computes this batch's value
        # Logging the metric object lets Lightning compute the exact epoch value (not a mean of batches).
        self.log(f"{stage}_mae", mae, on_step=True, on_epoch=True)
        self.log(f"{stage}_loss", loss, on_step=True, on_epoch=True)
        return loss

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        return self._stage_step(batch, "train")

    def validation_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        return self._stage_step(batch, "val")

    def test_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        return self._stage_step(batch, "test")


LMODULE_CLASS = LitRegressor  # the name the runner imports
