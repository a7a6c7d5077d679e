"""Bad input fails fast, names the culprit, and never trains first."""

import json
import re
from pathlib import Path

import pytest
import tiny_task
import torch

from {{ cookiecutter.package_name }}.hyperlight import ConfigError, Runner


def _no_run_started(extra_config) -> bool:
    return not Path(extra_config["results_dir"]).exists()


def test_missing_required_keys_are_all_listed(runner, config, extra_config):
    del extra_config["metric_to_optimize"], extra_config["metric_opt_mode"]
    with pytest.raises(ConfigError, match="missing key 'metric_to_optimize'.*\n.*missing key 'metric_opt_mode'"):
        runner.run_single_trial(tiny_task.LitTiny, config, extra_config)
    assert _no_run_started(extra_config)


def test_unknown_key_suggests_the_known_one(runner, config, extra_config):
    extra_config["metric_to_optimise"] = "val_acc_epoch"
    suggestion = re.escape("unknown key 'metric_to_optimise' (did you mean 'metric_to_optimize'?)")
    with pytest.raises(ConfigError, match=suggestion):
        runner.run_single_trial(tiny_task.LitTiny, config, extra_config)
    assert _no_run_started(extra_config)


@pytest.mark.parametrize("key", ["batch_size", "max_epochs"])
def test_config_needs_batch_size_and_max_epochs(runner, config, extra_config, key):
    del config[key]
    with pytest.raises(ConfigError, match=f"missing key '{key}'"):
        runner.run_single_trial(tiny_task.LitTiny, config, extra_config)
    assert _no_run_started(extra_config)


def test_missing_loader_is_named(config, extra_config):
    def no_val_loader(batch_size, n_workers=0):
        loaders = tiny_task.configure_dataloaders(batch_size, n_workers)
        loaders["validation_loader"] = loaders.pop("val_loader")
        return loaders

    with pytest.raises(ConfigError, match="no 'val_loader' \\(extra_config\\['val_loader_name'\\]\\)") as info:
        Runner(no_val_loader).run_single_trial(tiny_task.LitTiny, config, extra_config)
    assert "validation_loader" in str(info.value)
    assert _no_run_started(extra_config)


def test_a_loader_that_is_none_is_named(config, extra_config):
    def val_loader_is_none(batch_size, n_workers=0):
        return {**tiny_task.configure_dataloaders(batch_size, n_workers), "val_loader": None}

    with pytest.raises(ConfigError, match="'val_loader' \\(extra_config\\['val_loader_name'\\]\\) is None"):
        Runner(val_loader_is_none).run_single_trial(tiny_task.LitTiny, config, extra_config)
    assert _no_run_started(extra_config)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
def test_asking_for_a_gpu_where_there_is_none_fails_before_the_run(runner, config, extra_config):
    with pytest.raises(ConfigError, match=r"gpus=1 asks for 1 GPU\(s\), but torch sees 0"):
        runner.run_single_trial(tiny_task.LitTiny, config, {**extra_config, "gpus": 1})
    assert _no_run_started(extra_config)


def test_a_results_dir_that_cannot_be_made_is_named(runner, config, extra_config, tmp_path):
    (tmp_path / "a_file").write_text("")
    extra_config["results_dir"] = str(tmp_path / "a_file" / "results")
    with pytest.raises(ConfigError, match="results_dir: cannot create a run folder in .*a_file/results/test"):
        runner.run_single_trial(tiny_task.LitTiny, config, extra_config)


def test_metric_to_optimize_that_is_not_logged_fails_after_sanity_check(runner, config, extra_config):
    extra_config["metric_to_optimize"] = "val_auroc_epoch"
    with pytest.raises(ConfigError, match="'val_auroc_epoch' is not logged") as info:
        runner.run_single_trial(tiny_task.LitTiny, config, extra_config)
    assert "val_acc_epoch, val_f1_epoch, val_loss_epoch" in str(info.value)
    [run_dir] = Path(extra_config["results_dir"]).glob("*/*")
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "failed"
    assert not (run_dir / "metrics.csv").exists()  # no training epoch ran


class LitBadNames(tiny_task.LitTiny):
    def validation_step(self, batch, batch_idx):
        super().validation_step(batch, batch_idx)
        self.log("accuracy", 1.0)  # no stage prefix, epoch-only


def test_badly_named_metric_fails_after_sanity_check(runner, config, extra_config):
    with pytest.raises(ConfigError, match="'accuracy' breaks the naming convention"):
        runner.run_single_trial(LitBadNames, config, extra_config)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("metric_opt_mode", "maximum", "metric_opt_mode must be 'min' or 'max'"),
        ("ptl_precision", 8, "ptl_precision must be one of"),
        ("gpus", -2, "gpus must be -1, 0 or a number of GPUs"),
        ("gpus", True, "gpus must be -1, 0 or a number of GPUs"),
        ("num_processes", 0, "num_processes must be an integer >= 1"),
        ("workers_per_trial", 1.5, "workers_per_trial must be an integer >= 1"),
        ("metric_to_optimize", "test_loss_epoch", "epoch-level validation or train metric"),
        ("metric_to_optimize", "val_loss_step", "epoch-level validation or train metric"),
        ("val_loader_name", "", "val_loader_name must be a non-empty string or None"),
        ("ptl_early_stopping_patience", 1.5, "ptl_early_stopping_patience must be an integer >= 0"),
        ("seed", "16", "seed must be an integer or None"),
        ("n_samples", 0, "n_samples must be an integer >= 1"),
    ],
)
def test_out_of_range_values_are_rejected(runner, config, extra_config, key, value, message):
    extra_config[key] = value
    with pytest.raises(ConfigError, match=message):
        runner.run_single_trial(tiny_task.LitTiny, config, extra_config)
    assert _no_run_started(extra_config)


@pytest.mark.parametrize(
    ("run_name", "message"), [("a/b", "must be a folder name without '/'"), ("tune-1", "names search folders")]
)
def test_bad_run_name_fails_before_any_folder_is_made(runner, config, extra_config, run_name, message):
    with pytest.raises(ConfigError, match=message):
        runner.run_single_trial(tiny_task.LitTiny, config, extra_config, run_name=run_name)
    assert not Path(extra_config["results_dir"]).exists() or not any(Path(extra_config["results_dir"]).rglob("*"))
