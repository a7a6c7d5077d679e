"""One settings table: defaults, derived defaults, the reference's EXTRA_CONFIG, `--set`, the README."""

from pathlib import Path

import pytest
import tiny_task

from {{ cookiecutter.package_name }}.hyperlight import (
    ConfigError,
    Runner,
    apply_overrides,
    resolve_settings,
    settings_markdown,
)

PACKAGE = "{{ cookiecutter.package_name }}"
README = Path(__file__).resolve().parents[1] / "README.md"
GPU_PER_TRIAL = 0
# Step 3 of PyTorch Hyperlight's README, verbatim: it must keep its meaning here.
REFERENCE_EXTRA_CONFIG = {
    "seed": 16,  # just remove this if you do not want determenistic behavior
    "metric_to_optimize": "val_f1_epoch",  # Ray + PTL Trainer
    "ray_metrics_to_show": [
        "val_loss_epoch",
        "val_f1_epoch",
        "val_acc_epoch",
    ],  # for Ray Tune
    "metric_opt_mode": "max",  # Ray + PTL Trainer
    "cpu_per_trial": 3,  # Ray + DataLoaders
    "gpu_per_trial": GPU_PER_TRIAL,  # for Ray Tune
    "n_checkpoints_to_keep": 1,  # for Ray Tune
    "grace_period": 6,  # for Ray Tune
    "epoch_upper_limit": 45,  # for Ray Tune
    "n_samples": 40,  # for Ray Tune
    "ptl_early_stopping_patience": 7,  # for PTL Trainer
    "ptl_early_stopping_grace_period": 7,  # for PTL Trainer
    "ptl_precision": 32,  # or 16, for PTL Trainer
    "train_loader_name": "train_loader",
    "val_loader_name": "val_loader",
    "test_loader_name": "test_loader",
    "batch_size_main": 32,  # batch size for revalidation and test phases
    #    that run in the main process after all Ray Tune child processes are finished
    "gpus": -1,  # -1 - use GPU if available, 0 - use CPU, 1 - use single GPU,
    # >=2 - use multiple GPUs
}


def test_the_reference_extra_config_runs_unchanged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the reference sets no results_dir: runs go to ./results
    settings = resolve_settings(REFERENCE_EXTRA_CONFIG)
    assert settings.n_workers == 3  # "cpu_per_trial: Ray + DataLoaders"
    asked_workers = []

    def configure_dataloaders(batch_size, n_workers=4):  # the reference's signature
        asked_workers.append(n_workers)
        return tiny_task.configure_dataloaders(batch_size, n_workers)

    config = {**tiny_task.CONFIG, "max_epochs": 2}
    result = Runner(configure_dataloaders).run_single_trial(tiny_task.LitTiny, config, REFERENCE_EXTRA_CONFIG)
    assert result["trainer"].precision == "32-true"
    assert asked_workers == [3]
    assert (tmp_path / "results" / "default").is_dir()


@pytest.mark.parametrize(
    ("given", "n_workers"), [({}, 0), ({"cpu_per_trial": 2}, 2), ({"cpu_per_trial": 2, "n_workers": 0}, 0)]
)
def test_loader_workers_follow_cpu_per_trial_unless_set(given, n_workers):
    assert resolve_settings({**tiny_task.EXTRA_CONFIG, **given}).n_workers == n_workers


def test_only_the_metric_and_its_mode_are_required():
    settings = resolve_settings({"metric_to_optimize": "val_loss_epoch", "metric_opt_mode": "min"})
    assert settings.ray_metrics_to_show == ("val_loss_epoch",)
    assert (settings.gpus, settings.ptl_precision, settings.seed, settings.n_samples) == (-1, "32-true", None, 10)


def test_set_reaches_settings_that_extra_config_leaves_to_their_default():
    config, extra = apply_overrides(["n_samples=4", "storage_path=s3://bucket/x"], tiny_task.CONFIG, {})
    assert extra == {"n_samples": 4, "storage_path": "s3://bucket/x"} and config == tiny_task.CONFIG
    _, extra = apply_overrides(["n_samples=four"], tiny_task.CONFIG, tiny_task.EXTRA_CONFIG)
    with pytest.raises(ConfigError, match="n_samples must be an integer >= 1, got 'four'"):
        resolve_settings(extra)


def test_readme_settings_table_is_generated_from_the_settings():
    table = settings_markdown()
    regenerate = f"python -m {PACKAGE}.hyperlight"
    assert table in README.read_text(), f"README.md's settings table is stale: paste the output of `{regenerate}`"
