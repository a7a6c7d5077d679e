"""Real W&B, offline: a run writes its W&B files inside its own results folder."""

from {{ cookiecutter.package_name }} import config as project_config
from {{ cookiecutter.package_name }}.model import LitDigits


def test_single_trial_logs_to_wandb_offline(runner, config, extra_config, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    extra_config["wandb_project"] = project_config.EXTRA_CONFIG["wandb_project"]
    result = runner.run_single_trial(LitDigits, {**config, "max_epochs": 2}, extra_config)

    [run] = (result["results_dir"] / "wandb").glob("offline-run-*")
    [log] = run.glob("run-*.wandb")  # W&B's transaction log, what `wandb sync` uploads
    records = log.read_bytes()
    for logged in (b"n_steps_per_epoch", b"val_acc_epoch", b"test_acc_epoch"):
        assert logged in records
