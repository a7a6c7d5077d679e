"""The search's figures, written into its folder as the search ends, with the tables they are drawn from."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ray import tune
from ray.tune.search import sample

from ..settings import Settings
from ..trial_plots import draw_search_plots
from ..trial_tables import CURVES_FILE, LOG_FIELD, SPACE_FILE, SearchTables
from .results import curves_frame, trials_frame
from .setup import searched_keys


def space_scales(search_space: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """How each searched key is sampled (search_space.json): a key sampled on a log scale
    (tune.loguniform, tune.lograndint and their q- forms) is drawn on a log axis."""
    scales = {}
    for key in searched_keys(search_space):
        domain = search_space[key]
        sampler = domain.get_sampler()
        inner = sampler.sampler if isinstance(sampler, sample.Quantized) else sampler
        scales[key] = {
            "domain": type(domain).__name__,
            "sampler": type(inner).__name__.lstrip("_"),
            LOG_FIELD: isinstance(inner, sample.LogUniform),
        }
    return scales


def save_search_plots(
    run_dir: Path, grid: tune.ResultGrid, search_space: Mapping[str, Any], settings: Settings
) -> list[Path]:
    """trial_curves.csv and search_space.json, then the figures drawn from them; `report` redraws them alike."""
    metric, mode = settings.metric_to_optimize, settings.metric_opt_mode
    scales = space_scales(search_space)
    (run_dir / SPACE_FILE).write_text(json.dumps(scales, indent=2) + "\n")
    curves = curves_frame(grid)
    curves.to_csv(run_dir / CURVES_FILE, index=False)
    log_keys = {key for key, scale in scales.items() if scale[LOG_FIELD]}
    tables = SearchTables(trials_frame(grid, metric, mode, list(scales)), curves, log_keys)
    return draw_search_plots(tables, metric, mode, run_dir)
