"""A script as PyTorch Hyperlight 0.3's users wrote them, with only the imports changed.

Runner(..., is_debug, experiment_id, log2wandb), a module built on a ready classification
task, three runs of one class, then get_metrics() and show_metric_report().
"""

import tiny_task
from lightning.pytorch.callbacks import LearningRateMonitor
from lightning.pytorch.loggers import CSVLogger
from torch import nn

from {{ cookiecutter.package_name }}.hyperlight import Runner
from {{ cookiecutter.package_name }}.hyperlight.tasks.classification import ClassificationTaskAdamWWarmup


class LitBlobs(ClassificationTaskAdamWWarmup):
    def __init__(self, hparams):
        model = nn.Sequential(nn.Linear(tiny_task.N_FEATURES, hparams["n_hidden"]), nn.ReLU())
        model.append(nn.Linear(hparams["n_hidden"], hparams["n_classes"]))
        super().__init__(hparams, model, nn.CrossEntropyLoss())


CONFIG = {"lr": 0.05, "warmup": 2, "n_classes": tiny_task.N_CLASSES, "n_hidden": 16, "max_epochs": 3, "batch_size": 32}


def test_three_runs_of_one_class_are_three_named_rows(tmp_path):
    extra_config = {
        "metric_to_optimize": "val_acc_epoch",
        "metric_opt_mode": "max",
        "seed": 7,
        "gpus": 0,
        "ptl_early_stopping_patience": 2,
        "ptl_early_stopping_grace_period": 1,
        "train_loader_name": "train_loader",
        "val_loader_name": "val_loader",
        "test_loader_name": "test_loader",
        "results_dir": str(tmp_path),
    }
    runner = Runner(
        tiny_task.configure_dataloaders,
        pl_callbacks=[LearningRateMonitor(logging_interval="step")],  # it needs a logger:
        pl_loggers=[CSVLogger(tmp_path / "csv")],  # each run gets a copy of it
        is_debug=False,
        experiment_id="reference-script",
        log2wandb=False,
    )
    results = [runner.run_single_trial(LitBlobs, {**CONFIG, "lr": lr}, extra_config) for lr in (0.05, 0.01, 0.002)]

    table = runner.get_metrics()["run_x_last_metric_df"]
    assert list(table.index) == [result["run_name"] for result in results]
    assert len(set(table.index)) == 3
    assert all(name.startswith("LitBlobs-") for name in table.index)
    for result in results:
        assert table.loc[result["run_name"], "test_acc_epoch"] == result["metrics"].series_last["test_acc"]
    assert {"val_f1_epoch", "reval_acc_epoch", "train_loss_epoch"} <= set(table.columns)

    runner.show_metric_report(sort_by_metric_list=["test_acc_epoch"])
    assert (tmp_path / "reference-script" / "comparison.png").stat().st_size > 0
    # is_debug=False and log2wandb=False: full runs, no W&B
    assert not list(tmp_path.glob("**/wandb"))
    assert max(results[0]["metrics"].df.epoch) >= 1
    assert len(list((tmp_path / "csv").glob("**/metrics.csv"))) == 3  # the learning rates, logged per step
