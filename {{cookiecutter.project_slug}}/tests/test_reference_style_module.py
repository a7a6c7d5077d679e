"""A module the runner has never seen, written the way the reference README writes one."""

import lightning.pytorch as pl
import pytest
import torch
import torch.nn.functional as F
import torchmetrics
from tiny_task import N_CLASSES, N_FEATURES, configure_dataloaders

from {{ cookiecutter.package_name }}.hyperlight import Runner


class LitLogisticRegression(pl.LightningModule):
    """No save_hyperparameters, and a train metric logged from the module's on_train_epoch_end."""

    def __init__(self, hparams):
        super().__init__()
        self.config = hparams
        self.linear = torch.nn.Linear(N_FEATURES, hparams["n_classes"])
        self.train_acc = torchmetrics.Accuracy(task="multiclass", num_classes=hparams["n_classes"])
        self.val_acc = torchmetrics.Accuracy(task="multiclass", num_classes=hparams["n_classes"])

    def forward(self, x):
        return self.linear(x)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.config["lr"])

    def _step(self, batch, stage):
        x, y = batch
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        self.log(f"{stage}_loss", loss, on_step=True, on_epoch=True)
        return loss, logits, y

    def training_step(self, batch, batch_idx):
        loss, logits, y = self._step(batch, "train")
        self.train_acc.update(logits, y)
        return loss

    def on_train_epoch_end(self):
        self.log("train_acc_epoch", self.train_acc.compute())
        self.train_acc.reset()

    def validation_step(self, batch, batch_idx):
        loss, logits, y = self._step(batch, "val")
        self.val_acc(logits, y)
        self.log("val_acc", self.val_acc, on_step=True, on_epoch=True)

    def test_step(self, batch, batch_idx):
        self._step(batch, "test")


def test_min_mode_metric_on_an_unseen_module(extra_config):
    config = {"lr": 0.05, "batch_size": 32, "max_epochs": 4, "n_classes": N_CLASSES}
    extra_config.update(metric_to_optimize="val_loss_epoch", metric_opt_mode="min")
    result = Runner(configure_dataloaders).run_single_trial(LitLogisticRegression, config, extra_config)

    val_loss = result["metrics"].table.xs("Val", level="stage")["loss"]
    assert isinstance(result["lmodule_best"], LitLogisticRegression)
    assert result["best_epoch_index"] == val_loss.idxmin()
    assert abs(result["metrics_last"]["reval_loss_epoch"] - val_loss.min()) < 1e-6
    assert val_loss.iloc[-1] < val_loss.iloc[0]
    assert "test_loss_epoch" in result["metrics_last"]
    # logged after the callbacks' on_train_epoch_end, yet filed under its own epoch
    train_acc = result["metrics"].table.xs("Train", level="stage")["acc"]
    assert train_acc.notna().all() and len(train_acc) == config["max_epochs"]
    assert train_acc.is_unique


def test_seed_step_7_search_on_an_unseen_module(extra_config, ray_local):
    """Steps 7-8 of the reference: a SEARCH_SPACE_CONFIG with constants and a list, then the result keys."""
    from ray import tune

    search_space_config = {
        "lr": tune.uniform(0.01, 0.1),
        "max_epochs": tune.choice([2, 3]),
        "batch_size": tune.choice([32, 64]),
        "n_classes": N_CLASSES,
        "unfreeze_epochs": [0, 1],  # a constant list, passed through as is
    }
    extra_config.update(n_samples=3, epoch_upper_limit=3, grace_period=1, cpu_per_trial=1)
    extra_config.update(metric_to_optimize="val_loss_epoch", metric_opt_mode="min")
    best_result = Runner(configure_dataloaders).run_hyper_opt(LitLogisticRegression, search_space_config, extra_config)

    assert isinstance(best_result["lmodule_best"], LitLogisticRegression)
    assert list(best_result["best_config"]["unfreeze_epochs"]) == [0, 1]
    best_val_loss = min(best_result["trials"]["best_val_loss_epoch"])
    assert best_result["metrics_last"]["reval_loss_epoch"] == pytest.approx(best_val_loss, abs=1e-5)
    assert len(best_result["analysis"]) == 3
