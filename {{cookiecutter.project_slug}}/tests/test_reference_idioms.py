"""Idioms of PyTorch Hyperlight's own notebooks and tests, written as they were there.

`get_metrics()["epoch_x_stage_run_metric"]` is a TrialMetrics of every run; a final fit on train +
validation trains `max_epochs = best_result["best_epoch"]` epochs; `extra_run_name_prefix` names a run.
One session, as the reference's comparison notebook runs it, serves every test here: one search in all.
"""

import json

import pandas as pd
import pytest
import tiny_task
from matplotlib.figure import Figure
from scripted_task import SCORE, LitScripted

from {{ cookiecutter.package_name }}.hyperlight import ConfigError, Runner, TrialMetrics

BEST_SECOND = [0.1, 0.9, 0.5]  # the single trial's best checkpoint is its second epoch
BEST_FIRST = [0.9, 0.5, 0.4]  # the search's best checkpoint is its first epoch: max_epochs 1 must train
FULL_TRAIN_STEPS = 11  # (240 + 96) samples in batches of 32: the full-train loader, not the train loader


def reference_final_fit(runner: Runner, best_result: dict, tune_config: dict, **name) -> dict:
    """The reference's notebook, line for line: retrain on train + validation for best_epoch epochs."""
    FT_CONFIG = tiny_task.CONFIG.copy()
    FT_CONFIG["max_epochs"] = best_result["best_epoch"]
    FT_TUNE_CONFIG = tune_config.copy()
    FT_TUNE_CONFIG["val_loader_name"] = None
    FT_TUNE_CONFIG["train_loader_name"] = "full_train_loader"
    FT_TUNE_CONFIG["metric_to_optimize"] = "train_f1_epoch"
    return runner.run_single_trial(LitScripted, FT_CONFIG, FT_TUNE_CONFIG, extra_run_name_prefix="full-train-", **name)


@pytest.fixture(scope="module")
def session(ray_local, tmp_path_factory) -> tuple[Runner, dict[str, dict], dict[str, tuple[dict, dict]]]:
    """Two single trials, a search, and a final fit after each of a best-second trial and a best-first search."""
    results = tmp_path_factory.mktemp("idioms") / "results"
    runner = Runner(tiny_task.configure_dataloaders, experiment_id="idioms")
    extra = {**tiny_task.EXTRA_CONFIG, "results_dir": str(results)}
    scripted = {**extra, "metric_to_optimize": SCORE}
    plain = runner.run_single_trial(tiny_task.LitTiny, {**tiny_task.CONFIG, "max_epochs": 2}, extra)
    single = runner.run_single_trial(
        LitScripted, {**tiny_task.CONFIG, "scores": BEST_SECOND}, scripted, run_name="scripted"
    )
    space = {**tiny_task.CONFIG, "scores": BEST_FIRST}  # every key pinned: one config, n_samples trials of it
    search = runner.run_hyper_opt(LitScripted, space, {**scripted, "n_samples": 1, "cpu_per_trial": 1})
    full_single = reference_final_fit(runner, single, scripted, run_name="scripted")
    full_search = reference_final_fit(runner, search, scripted)
    runs = {
        plain["run_name"]: plain,
        "scripted": single,
        search["results_dir"].name: search,
        "full-train-scripted": full_single,
        full_search["run_name"]: full_search,
    }
    fits = {"single-trial": (single, full_single), "search": (search, full_search)}
    return runner, runs, fits


def test_the_runs_curves_are_one_trial_metrics(session):
    runner, runs, _ = session
    curves = runner.get_metrics()["epoch_x_stage_run_metric"]

    assert isinstance(curves, TrialMetrics)
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
    assert set(train_val.df["stage"]) == {"Train/Val", "Train"}  # Train alone: the final fits, unvalidated


@pytest.mark.parametrize(("fitted", "scores"), [("single-trial", BEST_SECOND), ("search", BEST_FIRST)])
def test_a_final_fit_trains_the_epochs_the_best_checkpoint_had(session, fitted, scores):
    _, _, fits = session
    best_result, full_train_result = fits[fitted]

    assert best_result["best_epoch"] == scores.index(max(scores)) + 1  # epochs trained, not the 0-based index
    assert len(full_train_result["metrics"].stage("Train")) == best_result["best_epoch"]
    manifest = json.loads((full_train_result["results_dir"] / "manifest.json").read_text())
    assert manifest["stages"] == ["Train", "Test"]  # no validation
    assert manifest["config"]["max_epochs"] == best_result["best_epoch"]
    assert manifest["config"]["n_steps_per_epoch"] == FULL_TRAIN_STEPS


def test_extra_run_name_prefix_names_the_folder_and_the_row(session, runner, config, extra_config):
    _, runs, _ = session
    [full_search] = [name for name in runs if name.startswith("full-train-LitScripted-")]
    assert runs[full_search]["results_dir"].name == full_search  # the prefix before the default name
    assert runs["full-train-scripted"]["results_dir"].name.startswith("full-train-scripted-")  # and before run_name

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
