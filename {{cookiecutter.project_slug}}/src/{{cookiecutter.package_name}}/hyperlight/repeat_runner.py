"""The Runner's methods for results a paper reports: repeats over seeds and the final fit after a search."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.loggers import Logger

from .user_loggers import LoggerFactory


class RepeatRunner:
    """Mixed into Runner, whose data function, callbacks, loggers and experiment every group shares."""

    configure_dataloaders: Callable[..., dict]
    pl_callbacks: list[pl.Callback]
    pl_loggers: list[Logger | LoggerFactory]
    experiment_id: str
    run_settings: Callable[[dict[str, Any]], dict[str, Any]]  # extra_config with the Runner's is_debug, log2wandb

    def run_repeats(
        self,
        lmodule_class: type[pl.LightningModule],
        config: dict[str, Any],
        extra_config: dict[str, Any],
        seeds: int | Sequence[int] = 5,
        run_name: str | None = None,
        resume: bool | str = False,
        address: str | None = None,
    ) -> dict[str, Any]:
        """One config under several seeds: a group folder with summary.csv (mean, std, 95% t interval)
        and bands.png; see `repeats.run_repeats`. The reference had no repeats."""
        from .repeats import run_repeats

        return run_repeats(
            self.configure_dataloaders,
            lmodule_class,
            config,
            self.run_settings(extra_config),
            seeds,
            pl_callbacks=self.pl_callbacks,
            pl_loggers=self.pl_loggers,
            experiment_id=self.experiment_id,
            run_name=run_name,
            resume=resume,
            address=address,
        )

    def run_final_fit(
        self,
        lmodule_class: type[pl.LightningModule],
        search_dir: str | Path,
        extra_config: dict[str, Any],
        seeds: int | Sequence[int] = 5,
        resume: bool | str = False,
    ) -> dict[str, Any]:
        """The search's chosen config retrained on train + validation for its best epoch count, under
        several seeds, and tested; see `final_fit.run_final_fit`."""
        from .final_fit import run_final_fit

        return run_final_fit(
            self.configure_dataloaders,
            lmodule_class,
            search_dir,
            self.run_settings(extra_config),
            seeds,
            pl_callbacks=self.pl_callbacks,
            pl_loggers=self.pl_loggers,
            experiment_id=self.experiment_id,
            resume=resume,
        )
