"""The user-facing entry point, shaped like the reference's Runner."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.loggers import Logger

from .comparison import RunComparison
from .manifest import RUN_NAME
from .repeat_runner import RepeatRunner
from .settings import FAST_DEV_RUN, WANDB_PROJECT
from .single_trial import run_single_trial
from .user_loggers import LoggerFactory


class Runner(RepeatRunner):
    """Holds what every run of an experiment shares: the data function, callbacks, loggers, and the runs so far.

    Data comes as a function and the model as a class, never as live objects, so
    each run (and later each Ray worker) builds its own. Every finished run joins this
    session's comparison: `get_metrics()` and `show_metric_report()`. `run_repeats` and `run_final_fit`
    give the results a paper reports (repeat_runner.py).

    The arguments are the reference's, in its order. Two map onto settings of every run:
    is_debug: True makes every run a fast dev run (`fast_dev_run`: 1 epoch of 2 batches per stage).
    log2wandb: True tracks in W&B (project `wandb_project`, else the experiment id); False turns
        tracking off; None (ours, the default) leaves it to `wandb_project`.
    """

    def __init__(
        self,
        configure_dataloaders: Callable[..., dict],
        pl_callbacks: Sequence[pl.Callback] | None = None,
        pl_loggers: Sequence[Logger | LoggerFactory] | None = None,
        is_debug: bool = False,
        experiment_id: str | None = None,
        log2wandb: bool | None = None,
    ) -> None:
        self.configure_dataloaders = configure_dataloaders
        self.pl_callbacks = list(pl_callbacks or [])
        self.pl_loggers = list(pl_loggers or [])
        self.is_debug = is_debug
        self.experiment_id = experiment_id or "default"
        self.log2wandb = log2wandb
        self.comparison = RunComparison()

    def run_settings(self, extra_config: Mapping[str, Any]) -> dict[str, Any]:
        """extra_config with what the Runner's is_debug and log2wandb decide for every run."""
        extra = dict(extra_config)
        if self.is_debug:
            extra[FAST_DEV_RUN] = True
        if self.log2wandb is not None:
            extra[WANDB_PROJECT] = (extra.get(WANDB_PROJECT) or self.experiment_id) if self.log2wandb else None
        return extra

    def run_single_trial(
        self,
        lmodule_class: type[pl.LightningModule],
        config: dict[str, Any],
        extra_config: dict[str, Any],
        run_name: str | None = None,
        extra_run_name_prefix: str = "",
    ) -> dict[str, Any]:
        """Train, reload the best checkpoint, re-validate and test it; see `single_trial.run_single_trial`.

        extra_run_name_prefix: the reference's way to tell runs apart (`full-train-`): it starts the run's
        name, in its folder, its manifest and its row of `get_metrics()`.
        """
        result = run_single_trial(
            self.configure_dataloaders,
            lmodule_class,
            config,
            self.run_settings(extra_config),
            pl_callbacks=self.pl_callbacks,
            pl_loggers=self.pl_loggers,
            experiment_id=self.experiment_id,
            run_name=run_name,
            extra_run_name_prefix=extra_run_name_prefix,
        )
        self.comparison.add(result[RUN_NAME], result["metrics"], result["results_dir"])
        return result

    def run_hyper_opt(
        self,
        lmodule_class: type[pl.LightningModule],
        search_space_config: dict[str, Any],
        extra_config: dict[str, Any],
        resume: bool | str = False,
        address: str | None = None,
        extra_run_name_prefix: str = "",
        record: str | Path | None = None,
    ) -> dict[str, Any]:
        """Search with Ray Tune, then re-validate and test the best trial; see `search.hyper_opt.run_hyper_opt`.

        The best trial joins the comparison under the search's run name, its folder's name
        (`tune-<extra_run_name_prefix><date>-<time>`).
        """
        from .search.hyper_opt import run_hyper_opt  # Ray loads only when a search runs

        result = run_hyper_opt(
            self.configure_dataloaders,
            lmodule_class,
            search_space_config,
            self.run_settings(extra_config),
            pl_callbacks=self.pl_callbacks,
            pl_loggers=self.pl_loggers,
            experiment_id=self.experiment_id,
            resume=resume,
            address=address,
            extra_run_name_prefix=extra_run_name_prefix,
            record=record,
        )
        self.comparison.add(Path(result["results_dir"]).name, result["metrics"], result["results_dir"])
        return result

    def get_metrics(self, keep_train_val_only: bool = False) -> dict[str, Any]:
        """This session's runs: `["run_x_last_metric_df"]`, a row of last values per run, and
        `["epoch_x_stage_run_metric"]`, their merged curves (`.table` by run, stage and epoch; `.plot()`).

        keep_train_val_only: leave the re-validation and test points out of the curves.
        """
        return self.comparison.metrics(keep_train_val_only)

    def show_metric_report(
        self,
        sort_by: Sequence[str] = (),
        path: str | Path | None = None,
        figsize: tuple[float, float] | None = None,
        keep_train_val_only: bool = False,
        sort_by_metric_list: Sequence[str] = (),
        **plot_kwargs,
    ) -> None:
        """The runs' last values, best first by `sort_by`, then all their curves overlaid, a panel per metric.

        Each sort metric goes its own way: losses and errors ascending, scores descending
        (`metric_modes.metric_mode`). In a notebook both render inline; the plot is saved to `path`,
        or, outside a notebook, to `comparison.png` in the experiment folder.
        sort_by_metric_list: PyTorch Hyperlight's name for sort_by.
        """
        sort_by = [*sort_by, *sort_by_metric_list]
        self.comparison.show_report(sort_by, path, figsize, keep_train_val_only, **plot_kwargs)
