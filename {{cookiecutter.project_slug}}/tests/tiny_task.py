"""The runner tests' own task: 3-class blobs and a linear classifier, independent of the project's stubs.

Like a project it defines configure_dataloaders, LMODULE_CLASS, CONFIG, EXTRA_CONFIG,
SEARCH_SPACE_CONFIG and EXPERIMENT_ID, so `cli.main(argv, task=tiny_task)` runs it too.
The config key `fault` plants failures: "raise" on the first step, "nan" as the loss, and
"once" raises on the first step of the first attempt only (it leaves the file `marker`).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import lightning.pytorch as pl
import torch
import torch.nn.functional as F
from torch.utils.data import ConcatDataset, DataLoader, TensorDataset
from torchmetrics import MetricCollection
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score

N_FEATURES, N_CLASSES = 8, 3
SIZES = {"train": 240, "val": 96, "test": 96}
EXPERIMENT_ID = "tiny"
CONFIG = {
    "lr": 0.05,
    "max_epochs": 3,
    "batch_size": 32,
    "n_hidden": 16,
    "fault": "none",  # see the module docstring
    "marker": "",  # the file fault "once" leaves behind
    "epoch_seconds": 0.0,  # slows each epoch down, for tests that must catch a search mid-trial
}
# One trial at a time: each more at once costs a Ray worker importing torch and Lightning (about 7 CPU s)
# and a StartLine; the tests of concurrency and the cluster tests set max_concurrent_trials back to None.
EXTRA_CONFIG = {
    "metric_to_optimize": "val_acc_epoch",
    "metric_opt_mode": "max",
    "seed": 7,
    "gpus": 0,
    "max_concurrent_trials": 1,
}


def configure_dataloaders(batch_size: int, n_workers: int = 0) -> dict:
    """Gaussian blobs drawn with a fixed generator: the same data in every process."""
    generator = torch.Generator().manual_seed(0)
    centers = torch.randn(N_CLASSES, N_FEATURES, generator=generator) * 1.5
    datasets = {}
    for split, size in SIZES.items():
        y = torch.randint(0, N_CLASSES, (size,), generator=generator)
        x = centers[y] + torch.randn(size, N_FEATURES, generator=generator)
        datasets[split] = TensorDataset(x, y)
    datasets["full_train"] = ConcatDataset([datasets["train"], datasets["val"]])  # for a final fit
    return {
        f"{split}_loader": DataLoader(
            dataset,
            batch_size=batch_size,
            shuffle=split.endswith("train"),
            num_workers=n_workers,
            persistent_workers=n_workers > 0,
        )  # fmt: skip
        for split, dataset in datasets.items()
    }


def _scores(stage: str) -> MetricCollection:
    return MetricCollection(
        {"acc": MulticlassAccuracy(N_CLASSES), "f1": MulticlassF1Score(N_CLASSES, average="macro")}, prefix=f"{stage}_"
    )


class LitTiny(pl.LightningModule):
    def __init__(self, hparams: dict) -> None:
        super().__init__()
        self.save_hyperparameters(hparams)
        hidden = int(self.hparams.n_hidden)
        self.net = torch.nn.Sequential(
            torch.nn.Linear(N_FEATURES, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, N_CLASSES)
        )
        self.train_scores, self.val_scores, self.test_scores = (_scores(s) for s in ("train", "val", "test"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr, momentum=0.9)

    def _step(self, batch, stage: str) -> torch.Tensor:
        x, y = batch
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        scores = getattr(self, f"{stage}_scores")
        scores(logits, y)
        self.log_dict(scores, on_step=True, on_epoch=True)
        self.log(f"{stage}_loss", loss, on_step=True, on_epoch=True)
        return loss

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        once = self.hparams.fault == "once" and not Path(self.hparams.marker).exists()
        if once:
            Path(self.hparams.marker).touch()
        if self.hparams.fault == "raise" or once:
            raise RuntimeError("planted fault")
        loss = self._step(batch, "train")
        return loss * math.nan if self.hparams.fault == "nan" else loss

    def on_train_epoch_end(self) -> None:
        time.sleep(self.hparams.epoch_seconds)

    def validation_step(self, batch, batch_idx: int) -> None:
        self._step(batch, "val")

    def test_step(self, batch, batch_idx: int) -> None:
        self._step(batch, "test")


LMODULE_CLASS = LitTiny


def __getattr__(name: str):
    """SEARCH_SPACE_CONFIG is built on first use, as in a project's config.py, so `train` never imports Ray."""
    if name != "SEARCH_SPACE_CONFIG":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ray import tune

    return {**CONFIG, "lr": tune.loguniform(0.01, 0.1), "batch_size": tune.choice([32, 64])}
