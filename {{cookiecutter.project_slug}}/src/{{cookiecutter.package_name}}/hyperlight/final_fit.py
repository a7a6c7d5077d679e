"""The final fit after a search: the chosen config retrained on train + validation under several seeds.

The search's best test score is biased upward: the same validation data picked that trial. A final
fit spends the validation data on training instead, so nothing is left to pick an epoch with: each
seed trains exactly the epochs the best trial's best checkpoint had (`best_epoch`), keeps the last
one, and is tested once. The seeds form an ordinary repeat group, summarized the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.loggers import Logger

from .best_epoch import BEST_EPOCH
from .checks import BATCH_SIZE, FULL_TRAIN_LOADER, MAX_EPOCHS, TRAIN_LOADER, VAL_LOADER
from .errors import ConfigError, did_you_mean
from .manifest import BEST_CONFIG_FIELD, FINISHED, STATUS_FIELD, read_manifest
from .repeats import run_repeats
from .results import SEARCH_PREFIX
from .settings import METRIC_TO_OPTIMIZE, resolve_settings
from .user_loggers import LoggerFactory

FINAL_PREFIX = "final-"  # a final fit's group is `final-<search folder without tune->-seeds-...`


def chosen_config(search_dir: Path) -> dict[str, Any]:
    """The best trial's config with max_epochs set to its best epoch; ConfigError unless the search finished."""
    manifest = read_manifest(search_dir)
    if BEST_CONFIG_FIELD not in manifest or manifest.get(STATUS_FIELD) != FINISHED:
        raise ConfigError(f"{search_dir} is not a finished search (its manifest.json names no best config)")
    return {**manifest[BEST_CONFIG_FIELD], MAX_EPOCHS: int(manifest[BEST_EPOCH])}


def final_fit_extra(extra_config: Mapping[str, Any], loader_keys: Sequence[str]) -> dict[str, Any]:
    """The runs' settings: train on the full-train loader, no validation, no selection (the last epoch)."""
    settings = resolve_settings(extra_config)
    name = settings.full_train_loader_name
    if name is None:
        raise ConfigError("full_train_loader_name is None: this project has no train + validation loader to refit on")
    if name not in loader_keys:
        raise ConfigError(
            f"no '{name}' (extra_config['{FULL_TRAIN_LOADER}']){did_you_mean(name, loader_keys)}; "
            f"the data function returned: {', '.join(sorted(loader_keys))}"
        )
    return {**extra_config, TRAIN_LOADER: name, VAL_LOADER: None, METRIC_TO_OPTIMIZE: None}


def run_final_fit(
    configure_dataloaders: Callable[..., dict],
    lmodule_class: type[pl.LightningModule],
    search_dir: str | Path,
    extra_config: Mapping[str, Any],
    seeds: int | Sequence[int],
    pl_callbacks: Sequence[pl.Callback] = (),
    pl_loggers: Sequence[Logger | LoggerFactory] = (),
    experiment_id: str = "default",
    resume: bool | str = False,
) -> dict[str, Any]:
    """Retrain the search's chosen config on `full_train_loader_name` under `seeds`; see `run_repeats`."""
    search_dir = Path(search_dir)
    config = chosen_config(search_dir)
    loaders = configure_dataloaders(config[BATCH_SIZE])  # checked here, before any seed trains
    extra = final_fit_extra(extra_config, [str(key) for key in loaders])
    name = f"{FINAL_PREFIX}{search_dir.name.removeprefix(SEARCH_PREFIX)}"
    return run_repeats(
        configure_dataloaders,
        lmodule_class,
        config,
        extra,
        seeds,
        pl_callbacks=pl_callbacks,
        pl_loggers=pl_loggers,
        experiment_id=experiment_id,
        run_name=name,
        resume=resume,
    )
