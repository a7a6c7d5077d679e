"""A single trial end to end, and what it promises to return and to record."""

import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest
import tiny_task
import torch
from lightning.pytorch import Callback
from matplotlib.figure import Figure

from {{ cookiecutter.package_name }} import TEMPLATE_VERSION
from {{ cookiecutter.package_name }}.hyperlight import Runner, TrialMetrics, __version__


def test_single_trial_returns_documented_result(runner, config, extra_config):
    result = runner.run_single_trial(tiny_task.LitTiny, config, extra_config)

    documented = {
        "lmodule_best",
        "best_epoch",
        "best_epoch_index",
        "trainer",
        "metrics",
        "metrics_last",
        "results_dir",
        "run_name",
    }
    assert set(result) == documented
    assert isinstance(result["metrics"], TrialMetrics)
    df = result["metrics"].table
    assert list(df.index.get_level_values("stage").unique()) == ["Train", "Val", "Reval", "Test"]
    assert list(df.xs("Train", level="stage").index) == [0, 1, 2]
    assert list(df.columns) == ["acc", "f1", "loss"]
    # metrics_last holds each stage's last epoch under the logged name, read from the table itself.
    last, best = df.xs("Val", level="stage").index[-1], result["best_epoch_index"]
    assert result["best_epoch"] == best + 1  # epochs trained: CONFIG["max_epochs"] = best_epoch retrains to it
    assert result["metrics_last"]["val_acc_epoch"] == df.loc[("Val", last), "acc"]
    assert result["metrics_last"]["train_loss_epoch"] == df.loc[("Train", last), "loss"]
    assert result["metrics_last"]["reval_acc_epoch"] == df.loc[("Reval", best), "acc"]
    assert result["metrics_last"]["test_acc_epoch"] == df.loc[("Test", best), "acc"]
    assert df.loc[("Val", best), "acc"] == df.xs("Val", level="stage")["acc"].max() > 0.8
    fig = result["metrics"].plot()
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["acc", "f1", "loss"]

    run_dir = result["results_dir"]
    assert run_dir.parent.name == "test"
    assert [p.name for p in (run_dir / "checkpoints").glob("*.ckpt")] == [f"best-epoch={best:03d}.ckpt"]
    csv = pd.read_csv(run_dir / "metrics.csv")
    assert list(zip(csv["stage"], csv["epoch"], strict=True)) == list(df.index)
    assert csv["acc"].tolist() == pytest.approx(df["acc"].tolist())


def test_manifest_records_the_run(runner, config, extra_config, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    (repo / "notes.txt").write_text("v1\n")
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "start"]):
        subprocess.run([*git, *args], check=True)
    monkeypatch.chdir(repo)
    (repo / "notes.txt").write_text("v2\n")  # an uncommitted change: the tree is dirty
    result = runner.run_single_trial(tiny_task.LitTiny, config, extra_config)

    manifest = json.loads((result["results_dir"] / "manifest.json").read_text())
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    assert (manifest["git_commit"], manifest["git_dirty"]) == (head, True)
    assert manifest["status"] == "finished" and manifest["finished"] >= manifest["started"]
    assert manifest["seed"] == 7 and manifest["device"] == "cpu"
    assert manifest["config"] == {**config, "n_steps_per_epoch": 8, "n_train_steps": 24}
    assert manifest["extra_config"]["metric_to_optimize"] == "val_acc_epoch"
    assert manifest["extra_config"]["ptl_early_stopping_patience"] == 5  # defaults are recorded too
    assert "n_samples" not in manifest["extra_config"]  # search settings belong to searches
    assert manifest["versions"]["torch"] == metadata.version("torch")
    assert manifest["python"] == platform.python_version()
    assert (manifest["hyperlight_version"], manifest["template_version"]) == (__version__, TEMPLATE_VERSION)
    assert (manifest["best_epoch"], manifest["best_epoch_index"]) == (result["best_epoch"], result["best_epoch_index"])
    assert manifest["metrics_last"] == pytest.approx(result["metrics_last"].to_dict())


class ScrambleWeightsFrom(Callback):
    """Wreck the weights after a given epoch, so the best checkpoint is an earlier one; keep the last ones."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch
        self.last_weights: dict[str, torch.Tensor] = {}

    def on_train_end(self, trainer, pl_module) -> None:
        self.last_weights = {name: value.clone() for name, value in pl_module.state_dict().items()}

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if trainer.current_epoch >= self.epoch:
            with torch.no_grad():
                for param in pl_module.parameters():
                    param.add_(torch.randn_like(param) * 3)


def test_lmodule_best_holds_the_best_checkpoint_not_the_last_weights(config, extra_config):
    runner = Runner(tiny_task.configure_dataloaders, pl_callbacks=[ScrambleWeightsFrom(2)])
    result = runner.run_single_trial(tiny_task.LitTiny, {**config, "max_epochs": 5}, extra_config)
    [scrambler] = [cb for cb in result["trainer"].callbacks if isinstance(cb, ScrambleWeightsFrom)]

    val_acc = result["metrics"].table.xs("Val", level="stage")["acc"]
    assert result["best_epoch_index"] == val_acc.idxmax() <= 2 < len(val_acc) - 1
    [ckpt] = (result["results_dir"] / "checkpoints").glob("*.ckpt")
    saved = torch.load(ckpt, weights_only=False)["state_dict"]
    best, last = result["lmodule_best"].state_dict(), scrambler.last_weights
    assert all(torch.equal(best[name], saved[name]) for name in saved)
    assert not all(torch.equal(last[name], saved[name]) for name in saved)
    assert abs(result["metrics_last"]["reval_acc_epoch"] - val_acc.max()) < 1e-6


def test_config_with_numpy_and_path_values_reloads_its_checkpoint(runner, config, extra_config, tmp_path):
    import numpy as np

    config.update(lr=np.float64(0.05), n_hidden=np.int64(8), max_epochs=2, data_dir=tmp_path)
    result = runner.run_single_trial(tiny_task.LitTiny, config, extra_config)
    assert result["lmodule_best"].hparams.data_dir == tmp_path
    recorded = json.loads((result["results_dir"] / "manifest.json").read_text())["config"]  # numpy as numbers
    assert (recorded["lr"], recorded["n_hidden"], recorded["data_dir"]) == (0.05, 8, str(tmp_path))


class CountEpochs(Callback):
    def __init__(self) -> None:
        self.epochs = 0

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.epochs += 1


def test_user_callbacks_are_copied_per_run(config, extra_config):
    counter = CountEpochs()
    runner = Runner(tiny_task.configure_dataloaders, pl_callbacks=[counter])
    results = [runner.run_single_trial(tiny_task.LitTiny, {**config, "max_epochs": 2}, extra_config) for _ in range(2)]

    copies = [cb for result in results for cb in result["trainer"].callbacks if isinstance(cb, CountEpochs)]
    assert [copy.epochs for copy in copies] == [2, 2]
    assert counter.epochs == 0
    assert results[0]["results_dir"].parent.name == "default"
    assert results[0]["results_dir"] != results[1]["results_dir"]


def test_fast_dev_run_is_one_epoch_of_two_batches(runner, config, extra_config):
    result = runner.run_single_trial(tiny_task.LitTiny, config, {**extra_config, "fast_dev_run": True})

    assert list(result["metrics"].table.xs("Train", level="stage").index) == [0]
    assert result["trainer"].num_training_batches == 2
    assert result["lmodule_best"].hparams.n_train_steps == 2


def test_a_nan_loss_stops_the_run_naming_epoch_and_batch(runner, config, extra_config):
    with pytest.raises(FloatingPointError, match="training loss is nan at epoch 0, batch 0"):
        runner.run_single_trial(tiny_task.LitTiny, {**config, "fault": "nan"}, extra_config)
    [manifest] = Path(extra_config["results_dir"]).glob("*/*/manifest.json")
    assert json.loads(manifest.read_text())["status"] == "failed"
