"""Experiment tracking with Weights & Biases through Lightning's own WandbLogger."""

from __future__ import annotations

import netrc
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lightning.pytorch.loggers import Logger

from .manifest import SETTINGS_FIELD
from .settings import SCOPE_TRAIN, Settings


def has_wandb_login(environ: Mapping[str, str] = os.environ) -> bool:
    """A key in WANDB_API_KEY, or the entry `wandb login` writes to ~/.netrc."""
    if environ.get("WANDB_API_KEY"):
        return True
    try:
        return netrc.netrc().authenticators("api.wandb.ai") is not None
    except (OSError, netrc.NetrcParseError):
        return False


def wandb_mode(environ: Mapping[str, str] = os.environ) -> str | None:
    """ "offline" until the user logs in; None leaves the choice to W&B (WANDB_MODE, or online).

    Offline by default keeps a fresh laptop from blocking on a login prompt;
    `wandb sync <run_dir>/wandb/offline-run-*` uploads such a run later.
    """
    if "WANDB_MODE" in environ or has_wandb_login(environ):
        return None
    return "offline"


def build_loggers(settings: Settings, run_dir: Path, config: dict[str, Any]) -> list[Logger]:
    """W&B when `wandb_project` is set, with the config and the settings as the run's config."""
    if not settings.wandb_project:
        return []
    from lightning.pytorch.loggers import WandbLogger

    mode = wandb_mode()
    if mode == "offline":
        print(f"W&B: no login found, logging offline under {run_dir / 'wandb'}")
    logger = WandbLogger(
        project=settings.wandb_project, name=run_dir.name, save_dir=str(run_dir), config=config, mode=mode
    )
    logger.experiment.config.update({SETTINGS_FIELD: settings.in_scope(SCOPE_TRAIN)}, allow_val_change=True)
    return [logger]


def finish(loggers: list[Logger]) -> None:
    """Close the W&B run, so the next run in this process starts a new one."""
    if loggers:
        import wandb

        wandb.finish()
