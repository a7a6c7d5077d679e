"""Experiment tracking with W&B: a run per trial, recorded through Lightning's WandbLogger.

Tracking never fails a run: a W&B run that cannot start or finish costs one warning line,
and training goes on without it. W&B starts once per process, quietly (WANDB_SILENT=false
brings its own console lines back), and an offline run skips what only the web UI would
show: system metrics, machine metadata, the console copy and the package list.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lightning.pytorch.loggers import Logger

from .manifest import SETTINGS_FIELD
from .settings import Settings
from .user_loggers import LoggerFactory, check_loggers
from .wandb_key import DISABLED, MODE_VARIABLE, OFFLINE, resolve_mode, warn_once

SILENT_VARIABLE, SERVICE_VARIABLE = "WANDB_SILENT", "WANDB_SERVICE"
PLOT_KEY = "plot"  # the W&B media key of a run's plot.png
OFFLINE_SETTINGS = {
    "x_disable_stats": True,
    "x_disable_meta": True,
    "x_save_requirements": False,  # manifest.json records the versions that matter
    "console": "off",
}


def _wandb():
    """The wandb module, set up once per process so that its service serves every run of the process."""
    import wandb

    wandb.setup(wandb.Settings(silent=True) if SILENT_VARIABLE not in os.environ else None)  # the first call counts
    return wandb


def write_out_runs() -> None:
    """Let this process's W&B service write out every run it served, by ending it (the next run starts another).

    The service writes a run's log on its own time, after finish() returns: a folder copied away
    before then (a repeat seed's, sent home from a Ray task) would carry a log without its records.
    """
    if "wandb" in sys.modules:  # never imports W&B where no run used it
        import wandb

        wandb.teardown()


def wandb_on(settings: Settings) -> bool:
    """`wandb_project` set, and W&B not disabled (then it is not even imported)."""
    return bool(settings.wandb_project) and os.environ.get(MODE_VARIABLE) != DISABLED


def start_service() -> str | None:
    """Start W&B's service in this process now; how other processes on this machine reach it (None: failed)."""
    try:
        _wandb()
    except Exception as error:
        warn_once(f"could not start: {error}")
    return os.environ.get(SERVICE_VARIABLE)


def run_settings(mode: str | None) -> Any:
    """The wandb.Settings of one run: quiet unless WANDB_SILENT is set, and lean when offline."""
    import wandb

    offline = (mode or os.environ.get(MODE_VARIABLE)) in (OFFLINE, "dryrun")
    quiet = {"silent": True} if SILENT_VARIABLE not in os.environ else {}
    return wandb.Settings(**quiet, **(OFFLINE_SETTINGS if offline else {}))


class TrackedRun:
    """One W&B run, or none when W&B is off or failed to start: callers never need to ask which."""

    def __init__(self, run: Any = None, save_dir: Path | None = None) -> None:
        self.run = run
        self.loggers: list[Logger] = []
        if run is not None:
            from lightning.pytorch.loggers import WandbLogger

            run.define_metric("*", step_metric="trainer/global_step", step_sync=True)  # as WandbLogger does
            self.loggers.append(WandbLogger(experiment=run, save_dir=str(save_dir)))

    def _safely(self, action: Callable[[], Any], what: str, quiet: bool = False) -> None:
        if self.run is not None:
            try:
                action()
            except Exception as error:  # W&B's trouble must not fail the run
                if not quiet:
                    warn_once(f"could not {what}: {error}")

    def log_image(self, path: Path) -> None:
        self._safely(lambda: self.run.log({PLOT_KEY: _wandb().Image(str(path))}), "log the plot")

    def log_summary(self, values: Mapping[str, float]) -> None:
        self._safely(lambda: self.run.summary.update(dict(values)), "record the summary")

    def finish(self, failed: bool, quiet: bool = False) -> None:
        """Close the run; later calls do nothing."""
        self._safely(lambda: self.run.finish(exit_code=int(failed)), "finish the run", quiet)
        self.run = None


@contextmanager
def wandb_run(
    settings: Settings,
    run_dir: Path,
    group: str,
    config: Mapping[str, Any],
    scope: str,
    name: str | None = None,
    init: Callable[..., Any] | None = None,
) -> Iterator[TrackedRun]:
    """A W&B run in `run_dir/wandb` when `wandb_project` is set, finished on leaving (as failed on an error).

    The run's config is `config` plus the settings of `scope`: what the manifest records, and never the key.
    `init` replaces wandb.init: a search trial starts its run with Ray's setup_wandb, and leaves the
    warnings to the driver.
    """
    tracked = TrackedRun()
    if wandb_on(settings):
        mode = resolve_mode(warn=init is None)
        named = {"name": name} if name else {}  # setup_wandb names a run after its trial
        try:
            wandb = _wandb()
            run = (init or wandb.init)(
                project=settings.wandb_project,
                group=group,
                dir=str(run_dir),
                config={**config, SETTINGS_FIELD: settings.in_scope(scope)},
                mode=mode,
                settings=run_settings(mode),
                **named,
            )
            tracked = TrackedRun(run, run_dir)
            if init is None and run.url:  # online: the one line of W&B's banner worth keeping
                print(f"W&B: {run.url}")
        except Exception as error:
            warn_once(f"could not start a run ({error}); training goes on without W&B")
    try:
        yield tracked
    except BaseException as error:
        # Ray ends a trial it stops (ASHA) with sys.exit(0): a finished run, unless Ray's teardown of the
        # process came first; then what the run flushed stays (see wandb_runs), and there is nothing to say.
        stopped = isinstance(error, SystemExit) and error.code in (0, None)
        tracked.finish(failed=not stopped, quiet=stopped)
        raise
    tracked.finish(failed=False)


def check_tracking(settings: Settings, pl_loggers: Sequence[Logger | LoggerFactory], search: bool = False) -> None:
    """Before a run starts: W&B's warnings, once, and the pl_loggers (see `user_loggers.check_loggers`)."""
    if settings.wandb_project:
        resolve_mode()
    check_loggers(pl_loggers, search)
