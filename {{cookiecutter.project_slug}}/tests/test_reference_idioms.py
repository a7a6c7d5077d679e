"""Idioms of PyTorch Hyperlight's own notebooks and tests, written as they were there.

`get_metrics()["epoch_x_stage_run_metric"]` is a TrialMetrics of every run; a final fit on train +
validation trains `max_epochs = best_result["best_epoch"]` epochs; `extra_run_name_prefix` names a run.
"""

import json

import pandas as pd
import pytest
import tiny_task
from matplotlib.figure import Figure
from scripted_task import SCORE, LitScripted

from {{ cookiecutter.package_name }}.hyperlight import ConfigError, Runner, TrialMetrics


@pytest.mark.usefixtures("ray_local")
def test_the_runs_curves_are_one_trial_metrics(runner, config, extra_config, search_space, search_extra):
    config["max_epochs"] = 2
    first = runner.run_single_trial(tiny_task.LitTiny, config, extra_config)
    second = runner.run_single_trial(tiny_task.LitTiny, {**config, "lr": 0.01}, extra_config, run_name="slow")
    search = runner.run_hyper_opt(
        tiny_task.LitTiny, {**search_space, "max_epochs": 2}, {**search_extra, "n_samples": 2}
    )

    curves = runner.get_metrics()["epoch_x_stage_run_metric"]
    assert isinstance(curves, TrialMetrics)
    runs = {first["run_name"]: first, "slow": second, search["results_dir"].name: search}
    df = curves.df
    assert list(df.columns[:4]) == ["run", "stage", "epoch", "stage-list"]
    assert list(df["run"].unique()) == list(runs) == curves.runs
    assert not df.duplicated(["run", "stage", "epoch"]).any()  # one row per run, stage and epoch
    for name, result in runs.items():
        own = result["metrics"].df
        rows = df[df["run"] == name].drop(columns="run").reset_index(drop=True)[own.columns]
        pd.testing.assert_frame_equal(rows, own, check_dtype=False)
        assert curves.series_last[name]["test_acc_epoch"] == result["metrics_last"]["test_acc_epoch"]
    pd.testing.assert_frame_equal(TrialMetrics(df).table, curves.table)  # the flat layout reads back
    assert isinstance(curves.plot(figsize=(12, 8)), Figure)
    curves.show_report()
    train_val = runner.get_metrics(keep_train_val_only=True)["epoch_x_stage_run_metric"]
    assert set(train_val.df["stage"]) == {"Train/Val"}


@pytest.mark.usefixtures("ray_local")
@pytest.mark.parametrize("scores", [[0.9, 0.5, 0.4], [0.1, 0.9, 0.5]], ids=["best-first", "best-second"])
def test_a_final_fit_trains_the_epochs_the_best_checkpoint_had(search_extra, scores):
    runner = Runner(tiny_task.configure_dataloaders, experiment_id="final-fit")
    space = {**tiny_task.CONFIG, "scores": scores, "batch_size": 32}
    extra = {**search_extra, "metric_to_optimize": SCORE, "n_samples": 2}
    best_result = runner.run_hyper_opt(LitScripted, space, extra)
    assert best_result["best_epoch"] == scores.index(max(scores)) + 1  # epochs trained, not the 0-based index

    # The reference's notebook, line for line.
    FT_CONFIG = tiny_task.CONFIG.copy()
    FT_CONFIG["max_epochs"] = best_result["best_epoch"]
    FT_TUNE_CONFIG = extra.copy()
    FT_TUNE_CONFIG["val_loader_name"] = None
    FT_TUNE_CONFIG["train_loader_name"] = "full_train_loader"
    FT_TUNE_CONFIG["metric_to_optimize"] = "train_f1_epoch"
    full_train_result = runner.run_single_trial(
        LitScripted, FT_CONFIG, FT_TUNE_CONFIG, extra_run_name_prefix="full-train-"
    )

    assert len(full_train_result["metrics"].stage("Train")) == best_result["best_epoch"]
    manifest = json.loads((full_train_result["results_dir"] / "manifest.json").read_text())
    assert manifest["config"]["n_steps_per_epoch"] == 11  # (240 + 96) samples of 32: the full-train loader
    assert full_train_result["run_name"].startswith("full-train-LitScripted-")


def test_extra_run_name_prefix_names_the_folder_and_the_row(runner, config, extra_config):
    config["max_epochs"] = 1
    plain = runner.run_single_trial(tiny_task.LitTiny, config, extra_config, extra_run_name_prefix="noclip-")
    named = runner.run_single_trial(
        tiny_task.LitTiny, config, extra_config, run_name="wide", extra_run_name_prefix="clip-"
    )

    assert plain["run_name"] == plain["results_dir"].name and plain["run_name"].startswith("noclip-LitTiny-")
    assert named["run_name"] == "clip-wide" and named["results_dir"].name.startswith("clip-wide-")
    assert json.loads((named["results_dir"] / "manifest.json").read_text())["run_name"] == "clip-wide"
    assert list(runner.get_metrics()["run_x_last_metric_df"].index) == [plain["run_name"], "clip-wide"]
    with pytest.raises(ConfigError, match="extra_run_name_prefix must be a folder name"):
        runner.run_single_trial(tiny_task.LitTiny, config, extra_config, extra_run_name_prefix="a/")
