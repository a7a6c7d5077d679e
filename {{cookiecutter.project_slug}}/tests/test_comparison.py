"""Comparing the runs of one session: get_metrics() and show_metric_report() on two different models."""

import json

import lightning.pytorch as pl
import pandas as pd
import pytest
import tiny_task
import torch
import torch.nn.functional as F
from torchmetrics.classification import MulticlassAccuracy

from {{ cookiecutter.package_name }}.hyperlight import Runner, TrialMetrics
from {{ cookiecutter.package_name }}.hyperlight.comparison import RunComparison, sort_runs


class LitFirstFeature(pl.LightningModule):
    """A deliberately weak second model: a linear classifier that sees one feature of eight."""

    def __init__(self, hparams: dict) -> None:
        super().__init__()
        self.save_hyperparameters(hparams)
        self.linear = torch.nn.Linear(1, tiny_task.N_CLASSES)
        self.train_acc, self.val_acc, self.test_acc = (MulticlassAccuracy(tiny_task.N_CLASSES) for _ in range(3))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    def _step(self, batch, stage: str) -> torch.Tensor:
        x, y = batch
        logits = self.linear(x[:, :1])
        loss = F.cross_entropy(logits, y)
        acc = getattr(self, f"{stage}_acc")
        acc(logits, y)
        self.log_dict({f"{stage}_acc": acc, f"{stage}_loss": loss}, on_step=True, on_epoch=True)
        return loss

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch, batch_idx: int) -> None:
        self._step(batch, "val")

    def test_step(self, batch, batch_idx: int) -> None:
        self._step(batch, "test")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One Runner, two finished runs of two models: the strong one named, the weak one by default."""
    extra_config = {**tiny_task.EXTRA_CONFIG, "results_dir": str(tmp_path_factory.mktemp("results"))}
    config = {**tiny_task.CONFIG, "max_epochs": 2}
    runner = Runner(tiny_task.configure_dataloaders, experiment_id="compare")
    strong = runner.run_single_trial(tiny_task.LitTiny, {**config, "n_hidden": 32}, extra_config, run_name="wide")
    weak = runner.run_single_trial(LitFirstFeature, config, extra_config)
    return runner, strong, weak


def test_get_metrics_holds_a_row_and_the_curves_of_each_run(session):
    runner, strong, weak = session
    metrics = runner.get_metrics()

    table = metrics["run_x_last_metric_df"]
    assert list(table.index) == ["wide", weak["run_name"]]
    for name, result in zip(table.index, (strong, weak), strict=True):
        assert table.loc[name].dropna().to_dict() == pytest.approx(result["metrics_last"].to_dict())
    curves = metrics["epoch_x_stage_run_metric"]
    assert curves.table.index.names == ["run", "stage", "epoch"]
    assert curves.table.loc[("wide", "Val"), "acc"].tolist() == strong["metrics"].stage("Val")["acc"].tolist()
    assert set(curves.table.loc[weak["run_name"]].index.get_level_values("stage")) == {"Train", "Val", "Reval", "Test"}
    train_val = runner.get_metrics(keep_train_val_only=True)["epoch_x_stage_run_metric"].table
    assert set(train_val.index.get_level_values("stage")) == {"Train", "Val"}


def test_show_metric_report_sorts_each_metric_its_own_way_and_saves_the_overlay(session, capsys, tmp_path):
    runner, strong, weak = session
    assert strong["metrics_last"]["test_loss"] < weak["metrics_last"]["test_loss"]  # the setting the test relies on
    assert strong["metrics_last"]["test_acc"] > weak["metrics_last"]["test_acc"]

    for sort_by in (["test_loss"], ["test_acc_epoch"], ["val_loss_epoch", "test_acc"]):
        capsys.readouterr()
        runner.show_metric_report(sort_by=sort_by, path=tmp_path / "overlay.png")
        out = capsys.readouterr().out
        assert out.index("wide") < out.index(weak["run_name"]), (sort_by, out)  # best first, either direction
    png = tmp_path / "overlay.png"
    assert png.stat().st_size > 10_000 and png.read_bytes().startswith(b"\x89PNG")

    runner.show_metric_report(sort_by_metric_list=["test_acc", "test_loss"])  # the reference README's call
    default = strong["results_dir"].parent / "comparison.png"
    assert f"Comparison plot: {default.resolve()}" in capsys.readouterr().out
    assert default.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(KeyError, match="did you mean 'test_acc_epoch'"):
        runner.show_metric_report(sort_by=["test_accc"])


@pytest.mark.usefixtures("ray_local")
def test_a_search_joins_the_comparison_with_its_best_trial(runner, search_space, search_extra):
    search_space, search_extra = {**search_space, "max_epochs": 2}, {**search_extra, "n_samples": 2}
    result = runner.run_hyper_opt(tiny_task.LitTiny, search_space, search_extra)

    metrics = runner.get_metrics()
    name = json.loads((result["results_dir"] / "manifest.json").read_text())["run_name"]
    assert list(metrics["run_x_last_metric_df"].index) == [name]
    assert metrics["run_x_last_metric_df"].loc[name].to_dict() == pytest.approx(result["metrics_last"].to_dict())
    pd.testing.assert_frame_equal(metrics["epoch_x_stage_run_metric"].table.loc[name], result["metrics"].table)


def test_sort_runs_puts_the_lowest_loss_and_the_highest_score_first():
    table = pd.DataFrame({"val_loss_epoch": [0.3, 0.2, 0.1], "val_acc_epoch": [0.7, 0.9, 0.9]}, index=["a", "b", "c"])
    assert list(sort_runs(table, ["val_loss"]).index) == ["c", "b", "a"]
    assert list(sort_runs(table, ["val_acc"]).index) == ["b", "c", "a"]  # a tie keeps the run order
    assert list(sort_runs(table, ["val_acc", "val_loss"]).index) == ["c", "b", "a"]
    assert list(sort_runs(table, ["val_acc"]).columns) == ["val_acc_epoch", "val_loss_epoch"]


def test_a_repeated_run_name_is_numbered(tmp_path):
    runs = RunComparison()
    names = [runs.add("same", TrialMetrics([]), tmp_path) for _ in range(3)]
    assert names == ["same", "same@2", "same@3"]
