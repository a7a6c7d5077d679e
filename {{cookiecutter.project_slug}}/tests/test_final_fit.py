"""The final fit after a search: the best config on the full-train loader, for the best epoch count, tested."""

import json

import pandas as pd
import pytest
import tiny_task
from lightning.pytorch import Callback
from scripted_task import SCORE, LitScripted

from {{ cookiecutter.package_name }}.hyperlight import ConfigError, Runner

pytestmark = pytest.mark.slow

FULL_TRAIN_SAMPLES = tiny_task.SIZES["train"] + tiny_task.SIZES["val"]


class CountSamples(Callback):
    """Records how many samples each training epoch saw: the loader's size, whatever it is called."""

    seen = {}

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        key = (trainer.default_root_dir, trainer.current_epoch)
        CountSamples.seen[key] = CountSamples.seen.get(key, 0) + len(batch[0])


@pytest.fixture(scope="module")
def search(ray_local, tmp_path_factory):
    """A 2-trial search whose best checkpoint is its second epoch (scripted), then a 2-seed final fit."""
    results = tmp_path_factory.mktemp("final") / "results"
    runner = Runner(tiny_task.configure_dataloaders, pl_callbacks=[CountSamples()], experiment_id="final")
    space = {**tiny_task.CONFIG, "scores": [0.1, 0.9, 0.5, 0.4], "max_epochs": 4}
    extra = {**tiny_task.EXTRA_CONFIG, "results_dir": str(results), "metric_to_optimize": SCORE, "n_samples": 2}
    extra.update(cpu_per_trial=1, grace_period=4)  # ASHA stops nothing: both trials run their 4 epochs
    best = runner.run_hyper_opt(LitScripted, space, extra)
    final = runner.run_final_fit(LitScripted, best["results_dir"], extra, seeds=2)
    return best, final


def test_each_seed_trains_the_best_epoch_count_on_the_full_train_loader(search):
    best, final = search
    assert best["best_epoch"] == 2
    group_dir = final["group_dir"]
    for folder in final["runs"].values():
        run_dir = group_dir / folder
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert manifest["config"]["max_epochs"] == 2 and manifest["stages"] == ["Train", "Test"]
        assert manifest["best_epoch"] == 2  # the last epoch is kept: no validation picks one
        epochs = pd.read_csv(run_dir / "metrics.csv").query("stage == 'Train'")["epoch"].tolist()
        assert epochs == [0, 1]
        seen = [CountSamples.seen[(str(run_dir), epoch)] for epoch in (0, 1)]
        assert seen == [FULL_TRAIN_SAMPLES, FULL_TRAIN_SAMPLES]


def test_the_summary_holds_the_test_metrics_only(search):
    _, final = search
    summary = pd.read_csv(final["group_dir"] / "summary.csv", index_col="metric")
    assert "test_acc_epoch" in summary.index and (summary["n"] == 2).all()
    assert not any(metric.startswith("reval_") for metric in summary.index)  # nothing is left to re-validate


def test_a_project_without_a_full_train_loader_is_told_before_training(search, tmp_path):
    best, _ = search
    extra = {**tiny_task.EXTRA_CONFIG, "results_dir": str(tmp_path), "full_train_loader_name": "all_loader"}
    runner = Runner(tiny_task.configure_dataloaders)
    with pytest.raises(ConfigError, match=r"no 'all_loader' \(extra_config\['full_train_loader_name'\]\)"):
        runner.run_final_fit(LitScripted, best["results_dir"], extra, seeds=2)
    assert not any(tmp_path.iterdir())


def test_the_final_command_refits_a_finished_search_folder(search, capsys):
    from types import SimpleNamespace

    from {{ cookiecutter.package_name }}.cli import main

    best, _ = search
    results = best["results_dir"].parent.parent
    task = SimpleNamespace(
        configure_dataloaders=tiny_task.configure_dataloaders,
        LMODULE_CLASS=LitScripted,
        CONFIG=tiny_task.CONFIG,
        EXTRA_CONFIG={**tiny_task.EXTRA_CONFIG, "metric_to_optimize": SCORE, "results_dir": str(results)},
        EXPERIMENT_ID="final",
    )
    assert main(["final", str(best["results_dir"]), "--seeds", "4", "5"], task=task) == 0
    assert "test_acc_epoch " in capsys.readouterr().out
    groups = results.glob(f"final/final-{best['results_dir'].name.removeprefix('tune-')}-seeds-*")
    [group] = [group for group in groups if json.loads((group / "manifest.json").read_text())["seeds"] == [4, 5]]
    assert sorted(json.loads((group / "manifest.json").read_text())["runs"]) == ["4", "5"]
    assert main(["final", str(group), "--seeds", "2"], task=task) == 2  # a group is not a search
    assert "is not a finished search" in capsys.readouterr().err
