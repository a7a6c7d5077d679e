"""The results folder of a run: a fresh folder per run, the metric table and plot, the paths to open."""

from __future__ import annotations

import time
from pathlib import Path

from .errors import ConfigError
from .metrics import TrialMetrics

METRICS_FILE, PLOT_FILE = "metrics.csv", "plot.png"


SEARCH_PREFIX = "tune-"  # of a search's folder name under results/<experiment_id>/


def check_run_name(name: str | None, what: str = "run_name") -> None:
    """A run name (`what` says which argument gave it) becomes part of a folder name: one plain path
    component, not taken for a search's folder."""
    if name is not None and (not isinstance(name, str) or name in ("", ".", "..") or Path(name).name != name):
        raise ConfigError(f"{what} must be a folder name without '/', such as 'baseline', got {name!r}")
    if name is not None and name.startswith(SEARCH_PREFIX):
        raise ConfigError(f"{what} {name!r} starts with '{SEARCH_PREFIX}', which names search folders")


def create_run_dir(results_dir: str | Path, experiment_id: str, prefix: str = "") -> Path:
    """A fresh folder per run, `<prefix><date>-<time>`, with `-2`, `-3`... when that one exists.

    Each name is claimed by an atomic mkdir, as mkdtemp does, so runs never overwrite each other.
    """
    experiment_dir = Path(results_dir) / experiment_id
    stamp, attempt = prefix + time.strftime("%Y%m%d-%H%M%S"), 1
    try:
        experiment_dir.mkdir(parents=True, exist_ok=True)
        while True:
            run_dir = experiment_dir / (stamp if attempt == 1 else f"{stamp}-{attempt}")
            try:
                run_dir.mkdir()
                return run_dir
            except FileExistsError:
                attempt += 1
    except OSError as error:
        raise ConfigError(f"results_dir: cannot create a run folder in {experiment_dir}: {error.strerror}") from None


def print_results(headline: str, files: dict[str, Path]) -> None:
    """The absolute paths a user opens next, one per line under the headline."""
    print(f"\n{headline}")
    for label, path in files.items():
        print(f"  {label:<9}{path.resolve()}")


def save_metrics(run_dir: Path, metrics: TrialMetrics) -> tuple[Path, Path]:
    """metrics.csv and plot.png; also called after a failure, for the epochs that did finish."""
    csv_path, png_path = run_dir / METRICS_FILE, run_dir / PLOT_FILE
    metrics.table.to_csv(csv_path)
    metrics.plot().savefig(png_path, dpi=100)
    return csv_path, png_path
