"""Searches on real Ray: the result dict, both optimisation modes, trials that fail, checks before Ray."""

import json
from pathlib import Path

import pytest
import ray
import tiny_task
from ray import tune

from {{ cookiecutter.package_name }}.hyperlight import ConfigError, Runner, SearchFailedError, resolve_settings
from {{ cookiecutter.package_name }}.hyperlight.search import setup

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("ray_local")]


def test_search_returns_the_documented_keys(runner, search_space, search_extra):
    result = runner.run_hyper_opt(tiny_task.LitTiny, search_space, search_extra)

    assert {
        "lmodule_best",
        "best_epoch",
        "best_epoch_index",
        "best_config",
        "metrics",
        "metrics_last",
        "analysis",
        "trials",
    } <= set(result)
    trials = result["trials"]
    assert len(trials) == 4 and set(trials["status"]) == {"TERMINATED"}
    assert len(result["analysis"]) == 4
    df = result["metrics"].table
    best_epoch = result["best_epoch_index"]  # as the tables number epochs, from 0
    assert result["best_epoch"] == best_epoch + 1  # epochs trained, the reference's count
    # The driver's re-validation of the reloaded best checkpoint reproduces the best trial's best value.
    assert df.loc[("Reval", best_epoch), "acc"] == pytest.approx(trials["best_val_acc_epoch"].max(), abs=1e-6)
    assert df.loc[("Val", best_epoch), "acc"] == pytest.approx(df.loc[("Reval", best_epoch), "acc"], abs=1e-6)
    assert ("Test", best_epoch) in df.index
    assert len(df.xs("Train", level="stage")) == len(df.xs("Val", level="stage")) > 0
    assert result["metrics_last"]["test_acc_epoch"] == df.loc[("Test", best_epoch), "acc"]
    assert result["best_config"]["batch_size"] in (32, 64)
    assert (result["results_dir"] / "trials.csv").exists()
    assert (result["results_dir"] / "plot.png").exists()
    manifest = json.loads((result["results_dir"] / "manifest.json").read_text())
    assert manifest["status"] == "finished" and manifest["best_epoch_index"] == best_epoch
    assert manifest["best_config"]["batch_size"] == result["best_config"]["batch_size"]
    assert manifest["extra_config"]["n_samples"] == 4 and "wandb_project" not in manifest["extra_config"]
    assert manifest["metrics_last"]["test_acc_epoch"] == pytest.approx(result["metrics_last"]["test_acc_epoch"])
    assert manifest["experiment_path"].endswith("/ray")


def test_search_minimises_a_loss(runner, search_space, search_extra):
    extra = {**search_extra, "metric_to_optimize": "val_loss_epoch", "metric_opt_mode": "min", "n_samples": 2}
    result = runner.run_hyper_opt(tiny_task.LitTiny, search_space, extra)

    best = result["trials"]["best_val_loss_epoch"]
    assert result["metrics"].table.loc[("Reval", result["best_epoch_index"]), "loss"] == pytest.approx(
        best.min(), rel=1e-5
    )
    assert best.min() < best.max()


def test_failed_trials_are_listed_and_the_sweep_goes_on(runner, search_space, search_extra, capsys):
    # HyperOpt is seeded: with seed 3 its one random start draws "raise", then it proposes "nan", then "none".
    space = {**search_space, "fault": tune.choice(["raise", "nan", "none"])}
    result = runner.run_hyper_opt(tiny_task.LitTiny, space, {**search_extra, "n_samples": 3, "seed": 3})

    trials = result["trials"]
    expected_error = {"none": "", "raise": "planted fault", "nan": "training loss is nan"}
    for fault, status, error in zip(trials["config/fault"], trials["status"], trials["error"], strict=True):
        assert (status == "ERROR") is (fault != "none"), trials
        assert expected_error[fault] in error
    assert {"raise", "nan"} <= set(trials["config/fault"])  # the seed draws both faults
    errors = trials[trials["status"] == "ERROR"]
    assert list(trials["status"])[-1] == "TERMINATED", trials  # the search went on after its failures
    assert result["best_config"]["fault"] == "none"
    assert f"{len(errors)} of 3 trials failed" in capsys.readouterr().out


def test_all_trials_failing_raises_with_the_first_traceback(runner, search_space, search_extra):
    space = {**search_space, "fault": "raise"}
    with pytest.raises(SearchFailedError, match=r"(?s)no trial of 2 .*planted fault"):
        runner.run_hyper_opt(tiny_task.LitTiny, space, {**search_extra, "n_samples": 2})


@pytest.mark.parametrize(
    ("change", "culprit"),
    [
        ({"n_samples": 0}, "n_samples must be an integer >= 1"),
        ({"gpu_per_trial": -1}, "gpu_per_trial must be a number >= 0"),
        ({"ray_metrics_to_show": ["acc"]}, "ray_metrics_to_show must be a list"),
        ({"metric_to_optimize": "val_acc"}, "metric_to_optimize must be an epoch-level"),
        ({"metric_to_optimize": 5}, "metric_to_optimize must be an epoch-level"),
        ({"cpu_per_trial": 3}, "a trial needs cpu_per_trial=3 and gpu_per_trial=0, but this machine has 2 CPUs"),
        ({"gpu_per_trial": 0.5}, "a trial needs .*gpu_per_trial=0.5, but this machine has 2 CPUs and 0 GPUs"),
        ({"grace_period": 4}, "grace_period .4. must not exceed epoch_upper_limit .3."),
    ],
)
@pytest.mark.usefixtures("no_ray")
def test_bad_search_input_fails_before_ray_starts(runner, search_space, search_extra, change, culprit, monkeypatch):
    monkeypatch.setattr(setup, "local_resources", lambda: (2, 0))  # a 2-CPU machine without GPUs
    with pytest.raises(ConfigError, match=culprit):
        runner.run_hyper_opt(tiny_task.LitTiny, search_space, {**search_extra, **change})
    assert not list(Path(search_extra["results_dir"]).glob("*/tune-*"))


@pytest.mark.usefixtures("no_ray")
def test_search_space_needs_integer_batch_sizes(runner, search_space, search_extra):
    space = {**search_space, "batch_size": tune.uniform(16, 64)}
    with pytest.raises(ConfigError, match="'batch_size' must be a positive integer"):
        runner.run_hyper_opt(tiny_task.LitTiny, space, search_extra)


@pytest.mark.usefixtures("no_ray")
def test_a_broken_data_function_fails_before_ray_starts(search_space, search_extra):
    def no_train_loader(batch_size, n_workers=0):
        loaders = tiny_task.configure_dataloaders(batch_size, n_workers=n_workers)
        del loaders["train_loader"]
        return loaders

    with pytest.raises(ConfigError, match="no 'train_loader'"):
        Runner(no_train_loader).run_hyper_opt(tiny_task.LitTiny, search_space, search_extra)


@pytest.mark.usefixtures("no_ray")
def test_several_gpus_per_trial_need_as_many_workers(search_space, search_extra):
    with pytest.raises(ConfigError, match="gpu_per_trial=2 reserves several GPUs .* set workers_per_trial"):
        Runner(tiny_task.configure_dataloaders).run_hyper_opt(
            tiny_task.LitTiny, search_space, {**search_extra, "gpu_per_trial": 2}
        )


@pytest.mark.parametrize(
    ("cpu", "gpu", "cpus", "gpus", "slots"), [(0.5, 0, 2, 0, 4), (1, 0.25, 8, 1, 4), (2, 0, 3, 0, 1)]
)
def test_concurrency_counts_fractional_slots(search_extra, cpu, gpu, cpus, gpus, slots):
    settings = resolve_settings({**search_extra, "cpu_per_trial": cpu, "gpu_per_trial": gpu})
    assert setup.concurrency(settings, cpus, gpus, on_cluster=False) == slots


def test_fractional_cpus_run_more_trials_at_once(runner, search_space, search_extra):
    cpus = ray.cluster_resources()["CPU"]
    extra = {**search_extra, "cpu_per_trial": 0.5, "n_samples": 4, "max_concurrent_trials": None}
    result = runner.run_hyper_opt(tiny_task.LitTiny, search_space, extra)
    assert set(result["trials"]["status"]) == {"TERMINATED"}
    # With actor reuse, each concurrent slot is one worker process: half a CPU a trial doubles them.
    workers = {trial.metrics["pid"] for trial in result["analysis"]}
    assert len(workers) == min(4, int(2 * cpus))
