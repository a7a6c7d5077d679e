"""The results folder of a run: a fresh folder per run, the metric table and plot, the paths to open."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .errors import ConfigError
from .metrics import TrialMetrics

METRICS_FILE, PLOT_FILE = "metrics.csv", "plot.png"


def create_run_dir(results_dir: str | Path, experiment_id: str, kind: str = "") -> Path:
    """A fresh folder per run; mkdtemp makes it atomically, so runs never overwrite each other."""
    experiment_dir = Path(results_dir) / experiment_id
    try:
        experiment_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=time.strftime(f"{kind}%Y%m%d-%H%M%S-"), dir=experiment_dir))
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
    metrics.df.to_csv(csv_path)
    metrics.plot().savefig(png_path, dpi=100)
    return csv_path, png_path
