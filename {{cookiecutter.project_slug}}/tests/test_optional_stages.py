"""Validation and test are optional, as in the reference: a run has the stages its loaders allow."""

import json
from functools import partial
from pathlib import Path

import pytest
import tiny_task
import torch
from scripted_task import TRAIN_SCORE, VALLEY, LitScriptedTrain

from {{ cookiecutter.package_name }}.hyperlight import ConfigError, Runner


def loaders_without(left_out: tuple[str, ...], batch_size: int, n_workers: int = 0) -> dict:
    """tiny_task's loaders, minus some: a final fit on all the data has no validation loader."""
    loaders = tiny_task.configure_dataloaders(batch_size, n_workers)
    return {name: loader for name, loader in loaders.items() if name not in left_out}


def runner_without(*left_out: str) -> Runner:
    return Runner(partial(loaders_without, left_out), experiment_id="stages")


def _stages(result) -> list[str]:
    return list(result["metrics"].table.index.get_level_values("stage").unique())


def _manifest(result) -> dict:
    return json.loads((result["results_dir"] / "manifest.json").read_text())


def _scripted_train_metric(config: dict, extra_config: dict) -> None:
    """A train metric whose best epoch (2) is not the last (4): a falling loss would always pick the last."""
    config.update(max_epochs=len(VALLEY), train_scores=VALLEY)
    extra_config.update(metric_to_optimize=TRAIN_SCORE, metric_opt_mode="min", ptl_early_stopping_patience=2)


def _checkpoint_epoch(result) -> int:
    [checkpoint] = (result["results_dir"] / "checkpoints").glob("*.ckpt")
    return torch.load(checkpoint, map_location="cpu", weights_only=False)["epoch"]


def test_without_a_validation_loader_a_train_metric_picks_the_checkpoint(config, extra_config):
    _scripted_train_metric(config, extra_config)
    result = runner_without("val_loader").run_single_trial(LitScriptedTrain, config, extra_config)

    assert _stages(result) == ["Train", "Test"]
    assert _manifest(result)["stages"] == ["Train", "Test"]
    assert list(result["metrics"].stage("Train").index) == [0, 1, 2, 3, 4]  # patience 2 after epoch 2
    assert result["best_epoch_index"] == _checkpoint_epoch(result) == VALLEY.index(min(VALLEY)) == 2
    assert list(result["metrics"].table.xs("Test", level="stage").index) == [2]  # tested on epoch 2's weights
    assert "test_acc_epoch" in result["metrics_last"]
    assert not [name for name in result["metrics_last"].index if name.startswith(("val_", "reval_"))]
    assert "Val" not in set(result["metrics"].df["stage"])  # the flat layout too


def test_without_a_test_loader_the_run_ends_with_its_re_validation(config, extra_config):
    result = runner_without("test_loader").run_single_trial(tiny_task.LitTiny, config, extra_config)

    assert _stages(result) == ["Train", "Val", "Reval"]
    assert _manifest(result)["stages"] == ["Train", "Val", "Reval"]
    best_val = result["metrics"].table.loc[("Val", result["best_epoch_index"]), "acc"]
    assert result["metrics"].table.loc[("Reval", result["best_epoch_index"]), "acc"] == pytest.approx(best_val)


def test_without_validation_or_test_the_best_weights_still_come_back(config, extra_config):
    _scripted_train_metric(config, extra_config)
    result = runner_without("val_loader", "test_loader").run_single_trial(LitScriptedTrain, config, extra_config)

    assert _stages(result) == ["Train"]
    assert result["best_epoch_index"] == _checkpoint_epoch(result) == 2  # not the last epoch's weights
    [checkpoint] = (result["results_dir"] / "checkpoints").glob("*.ckpt")
    saved = torch.load(checkpoint, map_location="cpu", weights_only=False)["state_dict"]
    for name, value in result["lmodule_best"].state_dict().items():
        assert torch.equal(value, saved[name]), name


@pytest.mark.parametrize(
    ("left_out", "extra", "message"),
    [
        # a key the user set must name a loader: a typo is never a silently skipped stage
        (("test_loader",), {"test_loader_name": "test_loader"}, r"no 'test_loader' \(extra_config\['test_loader_"),
        # a validation metric needs validation
        ((), {"val_loader_name": None}, "metric_to_optimize 'val_acc_epoch' needs validation"),
        (("val_loader",), {}, r"no 'val_loader' \(extra_config\['val_loader_name'\]\)"),
    ],
)
def test_a_stage_that_cannot_run_is_named_before_training(config, extra_config, left_out, extra, message):
    extra_config.update(extra)
    with pytest.raises(ConfigError, match=message):
        runner_without(*left_out).run_single_trial(tiny_task.LitTiny, config, extra_config)
    assert not Path(extra_config["results_dir"]).exists()  # no run folder was made


def test_a_search_without_validation_optimizes_a_train_metric(ray_local, search_space, search_extra):
    _scripted_train_metric(search_space, search_extra)
    search_extra.update(n_samples=2, grace_period=len(VALLEY), ptl_early_stopping_grace_period=0)  # ASHA stops none
    result = runner_without("val_loader").run_hyper_opt(LitScriptedTrain, search_space, search_extra)

    assert _stages(result) == ["Train", "Test"]
    assert _manifest(result)["stages"] == ["Train", "Test"]
    assert list(result["metrics"].stage("Train").index) == [0, 1, 2, 3, 4]
    assert result["best_epoch_index"] == 2
    assert list(result["metrics"].table.xs("Test", level="stage").index) == [2]
    assert len(result["trials"]) == 2
