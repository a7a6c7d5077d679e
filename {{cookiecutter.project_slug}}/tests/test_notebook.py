"""The quickstart notebook runs clean from top to bottom, and in Jupyter the per-epoch table redraws in place.

The notebook runs in a real kernel (nbclient, ipykernel's `python3`) in a temporary folder, so its
`results/` lands there; the in-place display is also checked on the tiny task with a stand-in kernel.
"""

import os
import sys
import time
import types
from pathlib import Path

import nbformat
import pytest
import tiny_task
from nbclient import NotebookClient

import {{ cookiecutter.package_name }}
from {{ cookiecutter.package_name }}.hyperlight import progress
from {{ cookiecutter.package_name }}.hyperlight.display import figure_image

pytestmark = pytest.mark.slow

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "quickstart.ipynb"
# Per cell; ends a hang only: the whole notebook took 65-80 s on 2 CPUs, and a machine 3x slower must pass.
CELL_TIMEOUT_S = 600
PNG, HTML = "image/png", "text/html"
DATAFRAME = 'class="dataframe"'  # pandas' HTML tables; other HTML (Lightning's model summary) is not counted


class Handle:
    """A stand-in display handle: what was displayed under one display_id, then each update."""

    def __init__(self, obj) -> None:
        self.shown = [obj]

    def update(self, obj) -> None:
        self.shown.append(obj)


@pytest.fixture
def notebook(monkeypatch) -> list[Handle]:
    """A stand-in Jupyter kernel: one Handle per `display` call, in order."""
    handles = []

    def display(obj, display_id=False):
        handles.append(Handle(obj))
        return handles[-1] if display_id else None

    display_module = types.ModuleType("IPython.display")
    display_module.display = display
    display_module.Image = lambda data: ("png", data)
    ipython = types.ModuleType("IPython")
    ipython.version_info = (9, 0)  # matplotlib reads it when a figure is drawn under IPython
    ipython.get_ipython = lambda: types.SimpleNamespace(kernel=object())
    ipython.display = display_module
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    return handles


def test_in_a_notebook_one_table_and_one_plot_redraw_in_place(
    notebook, runner, config, extra_config, capsys, monkeypatch
):
    monkeypatch.setattr(progress, "PLOT_TIME_SHARE", 1e-9)  # a plot so slow that only the must-draw views are drawn
    result = runner.run_single_trial(tiny_task.LMODULE_CLASS, config, extra_config)

    table, plot = notebook  # nothing else was displayed: no table or plot per epoch
    epochs = config["max_epochs"]
    assert len(table.shown) == epochs + 2  # each epoch, then the re-validation and the test
    assert len(plot.shown) == 3  # the first epoch, the last one, the test
    assert plot.shown[-1] == figure_image(result["metrics"].plot())  # the finished run's plot
    final = table.shown[-1]
    assert list(final.index.names) == ["epoch", "stage"]
    assert len(final) == 2 * epochs + 2 == len(result["metrics"].table)
    assert list(final.index[-2:]) == [(result["best_epoch_index"], "Reval"), (result["best_epoch_index"], "Test")]
    assert final.loc[(epochs - 1, "Val"), "acc"] == result["metrics"].table.loc[("Val", epochs - 1), "acc"]
    assert [len(shown) for shown in table.shown[:epochs]] == [2 * (epoch + 1) for epoch in range(epochs)]
    assert all(kind == "png" and data.startswith(b"\x89PNG") for kind, data in plot.shown)
    assert "stage" not in capsys.readouterr().out  # the terminal's tables are not printed as well


def test_outside_a_notebook_one_epoch_table_grows_then_one_summary(runner, config, extra_config, capsys):
    result = runner.run_single_trial(tiny_task.LMODULE_CLASS, config, extra_config)

    lines = [line.split() for line in capsys.readouterr().out.splitlines() if line.split()]
    headers = [i for i, words in enumerate(lines) if words[:2] == ["epoch", "stage"]]
    assert len(headers) == 2  # the epochs' table, printed row by row, then the summary
    assert lines[headers[0]] == ["epoch", "stage", "acc", "f1", "loss"]
    epoch_rows = [words[:2] for words in lines[headers[0] + 2 : headers[0] + 2 + 2 * config["max_epochs"]]]
    assert epoch_rows == [[str(e), stage] for e in range(config["max_epochs"]) for stage in ("Train", "Val")]
    best = str(result["best_epoch_index"])
    summary = [words[:2] for words in lines[headers[1] + 2 :][:4]]
    assert summary == [[best, "Train"], [best, "Val"], [best, "Reval"], [best, "Test"]]


def _outputs(nb, tag: str) -> list[dict]:
    [cell] = [cell for cell in nb.cells if tag in cell.metadata.get("tags", [])]
    return cell.outputs


def _count(outputs: list[dict], mime: str) -> int:
    return sum(mime in output.get("data", {}) for output in outputs)


def _tables(outputs: list[dict]) -> list[str]:
    return [output.data[HTML] for output in outputs if DATAFRAME in output.get("data", {}).get(HTML, "")]


def test_quickstart_notebook_executes_clean(tmp_path, monkeypatch):
    # The kernel is a child process: it gets the tests' environment and imports the package from where they do.
    package_root = Path({{ cookiecutter.package_name }}.__file__).resolve().parent.parent
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(package_root), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("WANDB_MODE", "offline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells), "commit the notebook with its outputs cleared"
    client = NotebookClient(
        nb, kernel_name="python3", timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(tmp_path)}}
    )

    start = time.monotonic()
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on the first error
    elapsed = time.monotonic() - start
    nbformat.write(nb, tmp_path / "quickstart.executed.ipynb")  # to open when this test fails
    print(f"quickstart.ipynb executed in {elapsed:.1f} s")

    assert not [out for cell in nb.cells for out in cell.get("outputs", []) if out.output_type == "error"]
    training = _outputs(nb, "single-trial")
    [table] = _tables(training)  # updated in place, not one per epoch
    assert ">Test</th>" in table and ">Reval</th>" in table
    assert _count(training, PNG) == 1
    assert _count(_outputs(nb, "plot"), PNG) == 1
    for tag in ("df", "flat-df", "get-metrics", "trials"):
        assert len(_tables(_outputs(nb, tag))) == 1, tag
    comparison = _outputs(nb, "comparison")
    assert len(_tables(comparison)) == 1 and _count(comparison, PNG) == 1
    summary = _tables(_outputs(nb, "repeats"))[-1]  # after each seed's epoch table: mean, std, 95% CI
    assert ">ci_low</th>" in summary and ">ci_high</th>" in summary
    [printed] = [out.text for out in _outputs(nb, "compare-groups") if out.output_type == "stream"]
    assert "test_acc_epoch" in printed and ("beats" in printed or "no difference shown" in printed)
    assert "accuracy on this batch" in "".join(out.get("text", "") for out in _outputs(nb, "predict"))
    assert (tmp_path / "results").is_dir()  # the runs went to the notebook's folder
