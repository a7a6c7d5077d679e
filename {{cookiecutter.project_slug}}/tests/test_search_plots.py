"""A search's figures and the tables behind them: trial curves, the space on its sampled scales, parallel axes."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import tiny_task
from ray import tune

from {{ cookiecutter.package_name }}.hyperlight import Runner
from {{ cookiecutter.package_name }}.hyperlight.trial_plots import (
    axis_positions,
    draw_search_plots,
    plot_parallel,
    plot_space,
    plot_trial_curves,
)
from {{ cookiecutter.package_name }}.hyperlight.trial_tables import (
    CURVES_FILE,
    PARALLEL_PLOT,
    SPACE_FILE,
    SPACE_PLOT,
    TRIAL_CURVES_PLOT,
    TRIALS_FILE,
    SearchTables,
    read_search_tables,
)

METRIC, MODE = tiny_task.EXTRA_CONFIG["metric_to_optimize"], tiny_task.EXTRA_CONFIG["metric_opt_mode"]


@pytest.fixture(scope="module")
def search_dir(tmp_path_factory, ray_local):
    """One 4-trial search on the tiny task, lr sampled on a log scale; every test here reads its folder."""
    extra = {
        **tiny_task.EXTRA_CONFIG,
        "results_dir": str(tmp_path_factory.mktemp("results")),
        "n_samples": 4,
        "cpu_per_trial": 1,
    }
    space = {**tiny_task.CONFIG, "lr": tune.loguniform(0.01, 0.1), "batch_size": tune.choice([32, 64])}
    runner = Runner(tiny_task.configure_dataloaders, experiment_id="plots")
    return runner.run_hyper_opt(tiny_task.LitTiny, space, extra)["results_dir"]


def test_a_search_leaves_its_figures_and_the_tables_they_are_drawn_from(search_dir):
    for name in (TRIAL_CURVES_PLOT, SPACE_PLOT, PARALLEL_PLOT):
        assert (search_dir / name).stat().st_size > 0, name
    assert json.loads((search_dir / SPACE_FILE).read_text()) == {
        "lr": {"domain": "Float", "sampler": "LogUniform", "log": True},
        "batch_size": {"domain": "Categorical", "sampler": "Uniform", "log": False},
    }
    trials = pd.read_csv(search_dir / TRIALS_FILE, dtype={"trial": str})
    curves = pd.read_csv(search_dir / CURVES_FILE, dtype={"trial": str})
    assert {"trial", "epoch", METRIC, "train_loss_epoch"} <= set(curves.columns)
    # One row per epoch each trial ran, so a trial ASHA stopped has a shorter curve.
    assert curves.groupby("trial").size().to_dict() == dict(zip(trials["trial"], trials["epochs"], strict=True))
    best_per_trial = curves.groupby("trial")[METRIC].max()
    assert best_per_trial.to_dict() == pytest.approx(dict(zip(trials["trial"], trials[f"best_{METRIC}"], strict=True)))


def test_trial_curves_draw_one_line_per_trial_and_mark_the_best(search_dir):
    tables = read_search_tables(search_dir)
    [ax] = plot_trial_curves(tables, METRIC, MODE).axes
    assert len(ax.lines) == len(tables.trials)
    lengths = {line.get_label().removesuffix(" (best)"): len(line.get_xdata()) for line in ax.lines}
    assert lengths == dict(zip(tables.trials["trial"], tables.trials["epochs"], strict=True))
    [best_line] = [line for line in ax.lines if line.get_label().endswith(" (best)")]
    best = tables.trials.loc[tables.trials[f"best_{METRIC}"].idxmax(), "trial"]
    assert best_line.get_label() == f"{best} (best)"


def test_the_log_sampled_parameter_is_drawn_on_a_log_axis(search_dir):
    tables = read_search_tables(search_dir)
    assert tables.log_keys == {"lr"} and tables.searched == ["lr", "batch_size"]
    scales = {ax.get_xlabel(): ax.get_xscale() for ax in plot_space(tables, METRIC, MODE).axes if ax.get_visible()}
    assert scales == {"lr (log scale)": "log", "batch_size": "linear"}
    [ax] = plot_parallel(tables, METRIC, MODE).axes
    assert [label.get_text() for label in ax.get_xticklabels()] == ["lr (log)", "batch_size", f"best_{METRIC}"]


def test_axis_positions_put_numbers_on_their_scale_and_anything_else_in_categories():
    positions, categories = axis_positions(pd.Series([0.001, 0.1]), log=True)
    assert positions.tolist() == pytest.approx([-3, -1]) and categories is None
    positions, categories = axis_positions(pd.Series(["relu", "gelu", "relu"]), log=False)
    assert positions.tolist() == [1, 0, 1] and categories == ["gelu", "relu"]
    assert axis_positions(pd.Series([True, False]), log=False)[1] == ["False", "True"]


def test_a_search_without_a_finite_trial_draws_only_what_it_has(tmp_path):
    trials = pd.DataFrame({"trial": ["a", "b"], "config/lr": [0.1, 0.2], f"best_{METRIC}": [math.nan, np.inf]})
    curves = pd.DataFrame({"trial": ["a"], "epoch": [0], METRIC: [math.nan]})
    paths = draw_search_plots(SearchTables(trials, curves, {"lr"}), METRIC, MODE, tmp_path)
    assert paths == [tmp_path / TRIAL_CURVES_PLOT] and paths[0].exists()
