"""TrialMetrics as PyTorch Hyperlight's README uses it, on a table in that project's flat layout.

No training here: the table is written by hand, as a user reading back an old notebook would have it.
"""

import sys
import types

import pandas as pd
import pytest
from matplotlib.figure import Figure

from {{ cookiecutter.package_name }}.hyperlight import TrialMetrics
from {{ cookiecutter.package_name }}.hyperlight.metric_modes import metric_mode

NAN = float("nan")
# The flat layout: a Train/Val row per epoch, then the Reval and Test rows filed under the best epoch.
FLAT = pd.DataFrame(
    {
        "stage": ["Train/Val", "Train/Val", "Train/Val", "Reval", "Test"],
        "epoch": [0, 1, 2, 1, 1],
        "stage-list": [["train", "val"]] * 3 + [["reval"], ["test"]],
        "train_acc": [0.50, 0.80, 0.90, NAN, NAN],
        "train_loss": [1.10, 0.60, 0.40, NAN, NAN],
        "val_acc": [0.55, 0.85, 0.84, NAN, NAN],
        "val_loss": [1.00, 0.50, 0.52, NAN, NAN],
        "reval_acc": [NAN, NAN, NAN, 0.85, NAN],
        "reval_loss": [NAN, NAN, NAN, 0.50, NAN],
        "test_acc": [NAN, NAN, NAN, NAN, 0.83],
        "test_loss": [NAN, NAN, NAN, NAN, 0.55],
    }
)


@pytest.fixture
def notebook(monkeypatch) -> list:
    """A stand-in Jupyter kernel: what the runner displays lands in the returned list."""
    shown = []
    display = types.ModuleType("IPython.display")
    display.display = shown.append
    display.Image = lambda data: ("png", data)
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: types.SimpleNamespace(kernel=object())
    ipython.display = display
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    return shown


def test_built_from_the_flat_layout_it_gives_it_back():
    metrics = TrialMetrics(FLAT)

    assert metrics.table.loc[("Val", 1), "acc"] == 0.85
    assert metrics.table.loc[("Test", 1), "loss"] == 0.55
    assert list(metrics.table.columns) == ["acc", "loss"]
    flat = metrics.df
    assert list(flat.columns[:3]) == ["stage", "epoch", "stage-list"]
    assert max(flat.epoch) == 2  # code written for the reference reads `df.epoch`
    expected = FLAT.assign(**{"stage-list": FLAT["stage-list"].map(tuple)})
    pd.testing.assert_frame_equal(flat[expected.columns], expected)
    pd.testing.assert_frame_equal(TrialMetrics(flat).table, metrics.table)
    pd.testing.assert_frame_equal(TrialMetrics(metrics.table).table, metrics.table)  # our layout reads back too


def test_rows_without_a_stage_list_or_with_one_stage_each():
    one_per_stage = pd.DataFrame(
        {"stage": ["Train", "Val", "Test"], "epoch": [0, 0, 0], "train_acc": [0.5, NAN, NAN],
         "val_acc": [NAN, 0.6, NAN], "test_acc": [NAN, NAN, 0.7]}
    )  # fmt: skip
    metrics = TrialMetrics(one_per_stage)
    assert metrics.series_last.to_dict() == {"train_acc_epoch": 0.5, "val_acc_epoch": 0.6, "test_acc_epoch": 0.7}
    with pytest.raises(ValueError, match="'acc'"):
        TrialMetrics(pd.DataFrame({"stage": ["Val"], "epoch": [0], "acc": [0.5]}))


def test_series_last_answers_to_both_spellings_and_lists_each_value_once():
    series_last = TrialMetrics(FLAT).series_last

    assert series_last["val_acc"] == series_last["val_acc_epoch"] == 0.84  # the last epoch, not the best
    assert series_last["reval_acc"] == 0.85 and series_last.get("test_loss") == 0.55
    assert "train_loss" in series_last and "train_f1" not in series_last
    assert list(series_last[["test_acc", "test_loss_epoch"]]) == [0.83, 0.55]
    assert sorted(series_last.index) == sorted(
        f"{stage}_{name}_epoch" for stage in ("train", "val", "reval", "test") for name in ("acc", "loss")
    )


def test_readme_snippets_plot_and_show_report(capsys, tmp_path):
    best_result = {"metrics": TrialMetrics(FLAT)}

    fig = best_result["metrics"].plot()
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["acc", "loss"]
    assert tuple(best_result["metrics"].plot(figsize=(10, 10)).get_size_inches()) == (10, 5)  # height per column
    fig = best_result["metrics"].plot(figsize=(10, 10), max_cols=1, is_figsize_absolute=True)
    assert tuple(fig.get_size_inches()) == (10, 10) and len(fig.axes) == 2

    best_result["metrics"].show_report()  # outside a notebook: the table is printed, no figure is drawn
    assert "Reval" in capsys.readouterr().out
    best_result["metrics"].show_report(figsize=(10, 10), path=tmp_path / "report.png")
    assert (tmp_path / "report.png").read_bytes().startswith(b"\x89PNG")


def test_show_report_in_a_notebook_displays_the_table_and_the_plot(notebook):
    TrialMetrics(FLAT).show_report()

    table, (kind, png) = notebook
    assert isinstance(table, pd.DataFrame) and kind == "png" and png.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("name", "mode"),
    [("val_loss_epoch", "min"), ("test_loss", "min"), ("val_mae", "min"), ("train_error-rate", "min"),
     ("val_acc_epoch", "max"), ("test_f1", "max"), ("val_auroc", "max"), ("val_lossless_acc", "max")],
)  # fmt: skip
def test_metric_mode_reads_the_direction_from_the_name(name, mode):
    assert metric_mode(name) == mode
