"""The user-facing entry point, shaped like the reference's Runner."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import lightning.pytorch as pl

from .single_trial import run_single_trial


class Runner:
    """Holds what every run of an experiment shares: the data function and the callbacks.

    Data comes as a function and the model as a class, never as live objects, so
    each run (and later each Ray worker) builds its own.
    """

    def __init__(
        self,
        configure_dataloaders: Callable[..., dict],
        pl_callbacks: Sequence[pl.Callback] | None = None,
        experiment_id: str | None = None,
    ) -> None:
        self.configure_dataloaders = configure_dataloaders
        self.pl_callbacks = list(pl_callbacks or [])
        self.experiment_id = experiment_id or "default"

    def run_single_trial(
        self, lmodule_class: type[pl.LightningModule], config: dict[str, Any], extra_config: dict[str, Any]
    ) -> dict[str, Any]:
        """Train, reload the best checkpoint, re-validate and test it; see `single_trial.run_single_trial`."""
        return run_single_trial(
            self.configure_dataloaders,
            lmodule_class,
            config,
            extra_config,
            pl_callbacks=self.pl_callbacks,
            experiment_id=self.experiment_id,
        )

    def run_hyper_opt(
        self,
        lmodule_class: type[pl.LightningModule],
        search_space_config: dict[str, Any],
        extra_config: dict[str, Any],
        resume: bool | str = False,
        address: str | None = None,
    ) -> dict[str, Any]:
        """Search with Ray Tune, then re-validate and test the best trial; see `search.hyper_opt.run_hyper_opt`."""
        from .search.hyper_opt import run_hyper_opt  # Ray loads only when a search runs

        return run_hyper_opt(
            self.configure_dataloaders,
            lmodule_class,
            search_space_config,
            extra_config,
            pl_callbacks=self.pl_callbacks,
            experiment_id=self.experiment_id,
            resume=resume,
            address=address,
        )
