"""Searches on real Ray: the result dict, both optimisation modes, and trials that fail."""

import math

import pytest
from ray import tune

from {{ cookiecutter.package_name }}.data import configure_dataloaders
from {{ cookiecutter.package_name }}.hyperlight import ConfigError, Runner, SearchFailedError
from {{ cookiecutter.package_name }}.model import LitDigits

pytestmark = pytest.mark.usefixtures("ray_local")


class FaultyDigits(LitDigits):
    """Fails the way its config says: raises on the first step, or trains into a NaN loss."""

    def training_step(self, batch, batch_idx):
        if self.hparams["fault"] == "raise":
            raise RuntimeError("planted fault")
        loss = super().training_step(batch, batch_idx)
        return loss * math.nan if self.hparams["fault"] == "nan" else loss


def test_search_returns_the_documented_keys(runner, search_space, search_extra):
    result = runner.run_hyper_opt(LitDigits, search_space, search_extra)

    assert {"lmodule_best", "best_epoch", "best_config", "metrics", "metrics_last", "analysis", "trials"} <= set(result)
    trials = result["trials"]
    assert len(trials) == 4 and set(trials["status"]) == {"TERMINATED"}
    assert len(result["analysis"]) == 4
    df = result["metrics"].df
    best_epoch = result["best_epoch"]
    # The driver's re-validation of the reloaded best checkpoint reproduces the best trial's best value.
    assert df.loc[("Reval", best_epoch), "acc"] == pytest.approx(trials["best_val_acc_epoch"].max(), abs=1e-6)
    assert df.loc[("Val", best_epoch), "acc"] == pytest.approx(df.loc[("Reval", best_epoch), "acc"], abs=1e-6)
    assert ("Test", best_epoch) in df.index
    assert len(df.xs("Train", level="stage")) == len(df.xs("Val", level="stage")) > 0
    assert result["metrics_last"]["test_acc_epoch"] > 0.5
    assert result["best_config"]["batch_size"] in (64, 128)
    assert (result["results_dir"] / "trials.csv").exists()
    assert (result["results_dir"] / "plot.png").exists()


def test_search_minimises_a_loss(runner, search_space, search_extra):
    extra = {**search_extra, "metric_to_optimize": "val_loss_epoch", "metric_opt_mode": "min", "n_samples": 2}
    result = runner.run_hyper_opt(LitDigits, search_space, extra)

    best = result["trials"]["best_val_loss_epoch"]
    assert result["metrics"].df.loc[("Reval", result["best_epoch"]), "loss"] == pytest.approx(best.min(), rel=1e-5)
    assert best.min() < best.max()


def test_failed_trials_are_listed_and_the_sweep_goes_on(runner, search_space, search_extra, capsys):
    # With seed 16, HyperOpt's 3 random starts draw "none", "raise" and "nan": every kind runs.
    space = {**search_space, "fault": tune.choice(["raise", "nan", "none"])}
    result = runner.run_hyper_opt(FaultyDigits, space, {**search_extra, "n_samples": 6})

    trials = result["trials"].set_index("config/fault")
    errors = trials[trials["status"] == "ERROR"]
    assert set(errors.index) == {"raise", "nan"}, result["trials"]
    assert set(trials.loc[["none"], "status"]) == {"TERMINATED"}
    assert all("planted fault" in error for error in errors.loc[["raise"], "error"])
    assert all("training loss is nan" in error for error in errors.loc[["nan"], "error"])
    assert result["best_config"]["fault"] == "none"
    assert f"{len(errors)} of 6 trials failed" in capsys.readouterr().out


def test_all_trials_failing_raises_with_the_first_traceback(runner, search_space, search_extra):
    space = {**search_space, "fault": "raise"}
    with pytest.raises(SearchFailedError, match=r"(?s)no trial of 2 .*planted fault"):
        runner.run_hyper_opt(FaultyDigits, space, {**search_extra, "n_samples": 2})


@pytest.mark.parametrize(
    ("change", "culprit"),
    [
        ({"n_samples": 0}, "n_samples must be an integer >= 1"),
        ({"gpu_per_trial": -1}, "gpu_per_trial must be a number >= 0"),
        ({"ray_metrics_to_show": ["acc"]}, "ray_metrics_to_show must be a list"),
        ({"metric_to_optimize": "val_acc"}, "metric_to_optimize must name an epoch-level"),
        ({"cpu_per_trial": 10_000}, "a trial needs cpu_per_trial=10000 .* this machine has"),
        ({"grace_period": 4, "epoch_upper_limit": 3}, "grace_period .4. must not exceed epoch_upper_limit .3."),
    ],
)
def test_bad_search_input_fails_before_ray_runs_a_trial(runner, search_space, search_extra, change, culprit):
    with pytest.raises(ConfigError, match=culprit):
        runner.run_hyper_opt(LitDigits, search_space, {**search_extra, **change})


def test_search_space_needs_integer_batch_sizes(runner, search_space, search_extra):
    space = {**search_space, "batch_size": tune.uniform(16, 64)}
    with pytest.raises(ConfigError, match="'batch_size' must be a positive integer"):
        runner.run_hyper_opt(LitDigits, space, search_extra)


def test_a_broken_data_function_fails_before_any_trial(search_space, search_extra):
    def no_test_loader(batch_size, n_workers=0):
        loaders = configure_dataloaders(batch_size, n_workers=n_workers)
        del loaders["test_loader"]
        return loaders

    with pytest.raises(ConfigError, match="no 'test_loader'"):
        Runner(no_test_loader).run_hyper_opt(LitDigits, search_space, search_extra)
