"""Step 2: your LightningModule, and the callbacks it needs.

LitDigits builds on a ready task from `hyperlight.tasks`: it brings a backbone and a loss, and
the task logs `train_/val_/test_` acc, f1 and loss and trains with AdamW and a linear warm-up.
Writing a LightningModule of your own instead? Log every metric with a train_/val_/test_ prefix and
`on_step=True, on_epoch=True` (as `AClassificationTask.stage_step` does): the runner's tables, plots
and checkpoint selection read the `_epoch` values.
`train` and `tune` run the class named LMODULE_CLASS at the bottom of this file.
"""

from __future__ import annotations

import lightning.pytorch as pl
import torch
from lightning.pytorch import Callback

from .hyperlight.tasks.classification import ClassificationTaskAdamWWarmup


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


class LitDigits(ClassificationTaskAdamWWarmup):
    """AdamW (lr, weight_decay) with `warmup` steps of linear warm-up, then linear decay to zero."""

    def __init__(self, hparams: dict) -> None:
        backbone = DigitsMLP(64, hparams["n_hidden"], hparams["n_classes"])
        # The task saves hparams (CONFIG + n_steps_per_epoch, n_train_steps) as self.hparams.
        super().__init__(hparams, backbone, torch.nn.CrossEntropyLoss())
        self.freeze_model()  # UnfreezeModelTailCallback thaws it layer by layer (see configure_callbacks)

    def freeze_model(self) -> None:
        self.n_trainable_layers = 0

    def unfreeze_tail(self, n_layers: int) -> None:
        """Unfreeze the last n_layers + 1 layers, counting back from the head."""
        self.n_trainable_layers = n_layers + 1

    def on_after_backward(self) -> None:
        """Frozen layers lose their gradients here, so AdamW leaves them alone.

        They keep requires_grad: DDP (several GPUs, or `num_processes`) syncs only the parameters that
        required gradients when training started, so toggling it would let processes drift apart.
        """
        for layer in [self.model.l2, self.model.l1, self.model.l0][self.n_trainable_layers :]:
            for parameter in layer.parameters():
                parameter.grad = None

    def configure_callbacks(self) -> list[Callback]:
        """Lightning adds these to any Trainer that runs this module, so the schedule travels with the model."""
        return [UnfreezeModelTailCallback(self.hparams.unfreeze_epochs)]


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
