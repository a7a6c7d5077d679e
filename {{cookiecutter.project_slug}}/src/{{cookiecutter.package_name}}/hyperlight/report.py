"""`report`: an experiment's runs, read back from its folder, as one page of tables and figures.

`python -m <package> report results/<experiment_id>` writes report.md and report.html into
results/<experiment_id>/report/ with every figure beside them as a PNG, so the page opens
from disk, moves as one folder, and needs neither a server nor the network. It reads only
files (Ray is never imported), so it also runs on a laptop that holds just the results;
`report s3://bucket/<...>/<experiment_id>` first fetches a cluster's searches from storage_path.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConfigError
from .report_groups import add_group_sections
from .report_page import Page
from .report_runs import RunFolder, best_run, find_runs
from .report_table import describe, run_table
from .results import PLOT_FILE
from .storage import download_folder, is_uri
from .trial_plots import draw_search_plots
from .trial_tables import ERROR_COLUMN, PARALLEL_PLOT, SPACE_PLOT, TRIAL_CURVES_PLOT, shown_columns

REPORT_FOLDER, REPORT_MD, REPORT_HTML = "report", "report.md", "report.html"
CAPTIONS = {
    PLOT_FILE: "The best checkpoint's run: train and validation per epoch, its re-validation and test",
    TRIAL_CURVES_PLOT: "{metric} per epoch, one line per trial: a short line is a trial ASHA stopped early",
    SPACE_PLOT: "Each searched hyper-parameter against each trial's best {metric}, on the scale it was sampled on",
    PARALLEL_PLOT: "The best trials across every searched hyper-parameter and {metric}",
}


def _config_table(config: Mapping[str, Any], searched: Collection[str] = ()) -> pd.DataFrame:
    """Key and value, and in a search which keys were searched."""
    table = pd.DataFrame({"key": list(config), "value": list(config.values())})
    return table.assign(searched=["yes" if key in searched else "" for key in config]) if searched else table


def _image(page: Page, path: Path, run: RunFolder) -> None:
    page.image(path.name, CAPTIONS[path.name.removeprefix(f"{run.name}-")].format(metric=run.metric))


def _curves(page: Page, run: RunFolder, out_dir: Path) -> None:
    """The run's own plot.png, copied beside the page so the page's folder holds every figure."""
    if (run.path / PLOT_FILE).exists():
        copy = out_dir / f"{run.name}-{PLOT_FILE}"
        shutil.copyfile(run.path / PLOT_FILE, copy)
        _image(page, copy, run)


def _search_section(page: Page, run: RunFolder, out_dir: Path) -> None:
    """The best config, every trial best first, and the search's figures redrawn from its tables."""
    tables = run.search_tables()
    if run.config:
        page.text("The best trial's config:")
        page.table(_config_table(run.config, tables.searched))
    if not tables.trials.empty and run.metric and run.mode:
        ranked = tables.ranked(run.metric, run.mode)
        trials = pd.concat([ranked, tables.trials.drop(ranked.index)])  # then those without a value
        if ERROR_COLUMN in trials and trials[ERROR_COLUMN].isna().all():
            trials = trials.drop(columns=ERROR_COLUMN)
        page.text("Every trial, best first:")
        page.table(shown_columns(trials))
    _curves(page, run, out_dir)
    if run.metric and run.mode:
        for path in draw_search_plots(tables, run.metric, run.mode, out_dir, prefix=f"{run.name}-"):
            _image(page, path, run)


def build_page(runs: list[RunFolder], experiment_dir: Path, out_dir: Path) -> Page:
    """The run table, the best config, then one section per run; figures are written into `out_dir`."""
    page = Page(f"Experiment {experiment_dir.resolve().name}")
    page.text(f"{len(runs)} runs in {experiment_dir.resolve()}, reported {time.strftime('%Y-%m-%d %H:%M:%S')}.")
    page.heading("Runs")
    page.table(run_table(runs))
    best = best_run(runs)
    if best is not None:
        page.heading("Best config")
        page.text(f"{best.name}: re-validated {best.metric} = {best.reval_value():.4g} ({best.mode}).")
        page.table(_config_table(best.config))
    for run in runs:
        if run.is_group:
            continue  # in the groups' own sections, below
        page.heading(f"{run.name}: {'search' if run.is_search else 'single trial'}")
        page.text(describe(run))
        if run.is_search:
            _search_section(page, run, out_dir)
        else:
            page.table(_config_table(run.config))
            _curves(page, run, out_dir)
    add_group_sections(page, [run.path for run in runs if run.is_group], out_dir)
    return page


def fetch_experiment(source: str, results_dir: str | Path = "results") -> Path:
    """An experiment kept under storage_path (s3://, gs://), copied to `results_dir/<its name>/` without
    Ray's trial folders and checkpoints: its searches' manifests, tables, plots and best evaluation."""
    local = Path(results_dir) / source.rstrip("/").rsplit("/", 1)[-1]
    try:
        count = download_folder(source, local)
    except OSError as error:
        raise ConfigError(f"report: cannot read {source}: {str(error).splitlines()[0]}") from None
    if not count:
        raise ConfigError(f"report: {source} holds no files; give the experiment's folder, <storage_path>/<id>")
    print(f"{count} files of {source} copied to {local}")
    return local


def write_report(experiment_dir: str | Path) -> list[Path]:
    """report.md and report.html of the experiment in `experiment_dir`, with their PNGs; returns both paths.

    `experiment_dir` may be a storage_path URI (s3://, gs://): the experiment is fetched to results/ first.
    Raises ConfigError when `experiment_dir` is not a folder or holds no run.
    """
    experiment_dir = fetch_experiment(experiment_dir) if is_uri(experiment_dir) else Path(experiment_dir)
    runs = find_runs(experiment_dir)
    out_dir = experiment_dir / REPORT_FOLDER
    out_dir.mkdir(exist_ok=True)
    for stale in out_dir.glob("*.png"):  # figures of runs deleted since the last report
        stale.unlink()
    page = build_page(runs, experiment_dir, out_dir)
    md_path, html_path = out_dir / REPORT_MD, out_dir / REPORT_HTML
    md_path.write_text(page.markdown())
    html_path.write_text(page.html())
    return [md_path, html_path]
