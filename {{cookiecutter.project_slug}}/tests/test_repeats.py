"""Repeat groups: the summary equals numpy/scipy on the runs' own manifests; bad seeds are refused; resume."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import tiny_task
from lightning.pytorch import Callback
from scipy import stats

from {{ cookiecutter.package_name }}.hyperlight import ConfigError

SEEDS = [3, 5, 8]


def read_json(path):
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    """3 seeds of the tiny task, 2 epochs each, shared by the tests that only read the group."""
    from {{ cookiecutter.package_name }}.hyperlight import Runner

    results = tmp_path_factory.mktemp("repeats") / "results"
    runner = Runner(tiny_task.configure_dataloaders, experiment_id="test")
    config = {**tiny_task.CONFIG, "max_epochs": 2}
    extra = {**tiny_task.EXTRA_CONFIG, "results_dir": str(results)}
    return runner.run_repeats(tiny_task.LitTiny, config, extra, seeds=SEEDS, run_name="tiny")


def test_summary_equals_numpy_and_scipy_on_the_runs_manifests(group):
    group_dir = group["group_dir"]
    manifest = read_json(group_dir / "manifest.json")
    assert manifest["status"] == "finished" and manifest["seeds"] == SEEDS
    runs = {int(seed): read_json(group_dir / folder / "manifest.json") for seed, folder in manifest["runs"].items()}
    assert sorted(runs) == SEEDS and [runs[seed]["seed"] for seed in SEEDS] == SEEDS
    summary = pd.read_csv(group_dir / "summary.csv", index_col="metric")
    assert {"test_acc_epoch", "reval_acc_epoch", "test_loss_epoch"} <= set(summary.index)
    for metric, row in summary.iterrows():
        x = np.array([runs[seed]["metrics_last"][metric] for seed in SEEDS])
        half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
        expected = [len(x), x.mean(), x.std(ddof=1), x.mean() - half, x.mean() + half, x.min(), x.max()]
        np.testing.assert_allclose(row[["n", "mean", "std", "ci_low", "ci_high", "min", "max"]], expected, atol=1e-9)
    assert (group_dir / "bands.png").stat().st_size > 0


def test_the_console_ends_with_mean_plus_minus_interval(group, capsys):
    from {{ cookiecutter.package_name }}.hyperlight.repeat_group import run_manifests
    from {{ cookiecutter.package_name }}.hyperlight.repeat_summary import write_summary

    summary = write_summary(group["group_dir"], run_manifests(group["group_dir"]))
    out = capsys.readouterr().out
    row = summary.loc["test_acc_epoch"]
    half = (row["ci_high"] - row["ci_low"]) / 2
    assert f"test_acc_epoch {row['mean']:.3f} ± {half:.3f} (95% CI, n=3)" in out


@pytest.mark.parametrize(
    ("seeds", "message"),
    [(1, "at least 2 seeds"), ([4], "at least 2 seeds"), ([4, 5, 4], "4 given more than once"), ([1, "a"], "integers")],
)
def test_bad_seeds_are_refused_before_any_folder(runner, config, extra_config, tmp_path, seeds, message):
    with pytest.raises(ConfigError, match=message):
        runner.run_repeats(tiny_task.LitTiny, config, extra_config, seeds=seeds)
    assert not (tmp_path / "results").exists()


class FailOnce(Callback):
    """Fails the run of one seed, the first time only (a file marks that it has failed)."""

    def __init__(self, seed, marker):
        self.seed, self.marker = seed, marker

    def on_train_start(self, trainer, pl_module):
        import torch

        if torch.initial_seed() == self.seed and not self.marker.exists():
            self.marker.touch()
            raise RuntimeError("planted failure")


def test_resume_runs_only_the_seeds_that_did_not_finish(config, extra_config, tmp_path):
    from {{ cookiecutter.package_name }}.hyperlight import Runner

    config["max_epochs"] = 1
    runner = Runner(tiny_task.configure_dataloaders, pl_callbacks=[FailOnce(2, tmp_path / "failed")], experiment_id="t")
    with pytest.raises(RuntimeError, match="planted failure"):
        runner.run_repeats(tiny_task.LitTiny, config, extra_config, seeds=[1, 2, 3])
    [group_dir] = (tmp_path / "results" / "t").iterdir()
    first = read_json(group_dir / "manifest.json")
    assert first["status"] == "failed" and list(first["runs"]) == ["1"]
    seed_1 = group_dir / first["runs"]["1"] / "manifest.json"
    finished_at = read_json(seed_1)["finished"]
    result = runner.run_repeats(tiny_task.LitTiny, config, extra_config, seeds=[1, 2, 3], resume=True)
    assert result["group_dir"] == group_dir and sorted(result["runs"]) == [1, 2, 3]
    assert read_json(seed_1)["finished"] == finished_at  # seed 1 was not run again
    seed_folders = [path for path in group_dir.iterdir() if (path / "manifest.json").exists()]
    assert len(seed_folders) == 4  # 1, the failed 2, the new 2, and 3
    assert read_json(group_dir / "manifest.json")["status"] == "finished"


def test_resume_with_another_config_is_refused(group, config, extra_config):
    from {{ cookiecutter.package_name }}.hyperlight import Runner

    runner = Runner(tiny_task.configure_dataloaders, experiment_id="test")
    manifest = group["group_dir"] / "manifest.json"
    finished = manifest.read_text()
    manifest.write_text(json.dumps({**json.loads(finished), "status": "interrupted"}))
    try:
        with pytest.raises(ConfigError, match="differs from the group's in lr$"):
            changed = {**config, "max_epochs": 2, "lr": 0.3}
            runner.run_repeats(tiny_task.LitTiny, changed, extra_config, 3, resume=group["group_dir"])
    finally:
        manifest.write_text(finished)
