"""A single trial end to end on digits, and what it promises to return."""

import json

import numpy as np
import pandas as pd
import torch
from lightning.pytorch import Callback
from matplotlib.figure import Figure
from torchmetrics.functional.classification import multiclass_accuracy

from {{ cookiecutter.package_name }}.data import configure_dataloaders
from {{ cookiecutter.package_name }}.hyperlight import Runner, TrialMetrics
from {{ cookiecutter.package_name }}.model import LitDigits, UnfreezeModelTailCallback


def test_single_trial_returns_documented_result(runner, config, extra_config):
    result = runner.run_single_trial(LitDigits, config, extra_config)

    assert set(result) == {"lmodule_best", "best_epoch", "trainer", "metrics", "metrics_last", "results_dir"}
    assert isinstance(result["lmodule_best"], LitDigits)
    assert isinstance(result["metrics"], TrialMetrics)
    pd.testing.assert_series_equal(result["metrics_last"], result["metrics"].series_last)

    df = result["metrics"].df
    assert list(df.index.get_level_values("stage").unique()) == ["Train", "Val", "Reval", "Test"]
    assert list(df.xs("Train", level="stage").index) == [0, 1, 2]
    assert list(df.columns) == ["acc", "f1", "loss"]
    assert result["metrics_last"]["val_acc_epoch"] > 0.5  # learns something in 3 epochs
    for name in ("reval_acc_epoch", "test_acc_epoch", "train_loss_epoch"):
        assert name in result["metrics_last"]

    fig = result["metrics"].plot()
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["acc", "f1", "loss"]

    run_dir = result["results_dir"]
    assert run_dir.parent.name == "test"
    assert len(list((run_dir / "checkpoints").glob("*.ckpt"))) == 1
    assert (run_dir / "plot.png").stat().st_size > 0
    assert pd.read_csv(run_dir / "metrics.csv").shape[0] == len(df)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "finished"
    assert manifest["seed"] == extra_config["seed"]
    assert manifest["config"]["n_steps_per_epoch"] == 18
    assert manifest["extra_config"]["metric_to_optimize"] == "val_acc_epoch"
    assert manifest["device"] == "cpu"
    assert set(manifest["versions"]) >= {"torch", "lightning", "ray"}
    assert manifest["python"]
    assert "git_commit" in manifest


class ScrambleWeightsFrom(Callback):
    """Wreck the weights after a given epoch, so the best checkpoint is an earlier one."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if trainer.current_epoch >= self.epoch:
            with torch.no_grad():
                for param in pl_module.parameters():
                    param.add_(torch.randn_like(param) * 3)


def test_lmodule_best_is_the_best_checkpoint(config, extra_config):
    callbacks = [UnfreezeModelTailCallback([0, 1]), ScrambleWeightsFrom(3)]
    result = Runner(configure_dataloaders, pl_callbacks=callbacks).run_single_trial(
        LitDigits, {**config, "max_epochs": 6}, extra_config
    )

    val_acc = result["metrics"].df.xs("Val", level="stage")["acc"]
    assert result["best_epoch"] == val_acc.idxmax() <= 3 < len(val_acc) - 1
    assert val_acc.iloc[-1] < val_acc.max()  # the last model is not the best one
    model = result["lmodule_best"].eval()
    with torch.no_grad():
        batches = list(configure_dataloaders(config["batch_size"])["val_loader"])
        logits = torch.cat([model(x) for x, _ in batches])
        target = torch.cat([y for _, y in batches])
    recomputed = multiclass_accuracy(logits, target, num_classes=config["n_classes"]).item()
    assert abs(recomputed - val_acc.max()) < 1e-6
    assert abs(result["metrics_last"]["reval_acc_epoch"] - val_acc.max()) < 1e-6


def test_config_with_numpy_and_path_values_reloads_its_checkpoint(runner, config, extra_config, tmp_path):
    config.update(lr=np.float64(3e-3), n_hidden=np.int64(64), max_epochs=2, data_dir=tmp_path)
    result = runner.run_single_trial(LitDigits, config, extra_config)
    assert result["lmodule_best"].hparams.data_dir == tmp_path


def test_same_seed_gives_identical_metrics_in_separate_folders(runner, config, extra_config):
    first = runner.run_single_trial(LitDigits, config, extra_config)
    second = runner.run_single_trial(LitDigits, config, extra_config)

    pd.testing.assert_frame_equal(first["metrics"].df, second["metrics"].df, check_exact=True)
    assert first["results_dir"] != second["results_dir"]
    assert (first["results_dir"] / "manifest.json").exists()


class CountEpochs(Callback):
    def __init__(self) -> None:
        self.epochs = 0

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.epochs += 1


def test_user_callbacks_are_copied_per_run(config, extra_config):
    counter = CountEpochs()
    runner = Runner(configure_dataloaders, pl_callbacks=[UnfreezeModelTailCallback([0, 1]), counter])
    results = [runner.run_single_trial(LitDigits, {**config, "max_epochs": 2}, extra_config) for _ in range(2)]

    copies = [cb for result in results for cb in result["trainer"].callbacks if isinstance(cb, CountEpochs)]
    assert [copy.epochs for copy in copies] == [2, 2]
    assert counter.epochs == 0
    assert results[0]["results_dir"].parent.name == "default"


def test_fast_dev_run_is_one_epoch_of_two_batches(runner, config, extra_config):
    result = runner.run_single_trial(LitDigits, config, {**extra_config, "fast_dev_run": True})

    assert list(result["metrics"].df.xs("Train", level="stage").index) == [0]
    assert result["trainer"].num_training_batches == 2
    assert result["lmodule_best"].hparams.n_train_steps == 2
