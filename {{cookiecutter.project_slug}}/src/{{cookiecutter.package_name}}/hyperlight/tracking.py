"""Experiment tracking with Weights & Biases through Lightning's own WandbLogger."""

from __future__ import annotations

import netrc
import os
from pathlib import Path
from typing import Any

from lightning.pytorch.loggers import Logger


def _has_wandb_login() -> bool:
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:
        return netrc.netrc().authenticators("api.wandb.ai") is not None
    except (OSError, netrc.NetrcParseError):
        return False


def build_loggers(extra_config: dict[str, Any], run_dir: Path, config: dict[str, Any]) -> list[Logger]:
    """W&B when `wandb_project` is set; offline unless the user has logged in.

    Offline by default keeps a fresh laptop from blocking on a login prompt;
    `wandb sync <run_dir>/wandb/offline-run-*` uploads such a run later.
    """
    project = extra_config.get("wandb_project")
    if not project:
        return []
    from lightning.pytorch.loggers import WandbLogger

    mode = {}
    if "WANDB_MODE" not in os.environ and not _has_wandb_login():
        mode["mode"] = "offline"
        print(f"W&B: no login found, logging offline under {run_dir / 'wandb'}")
    logger = WandbLogger(project=project, name=run_dir.name, save_dir=str(run_dir), config=config, **mode)
    logger.experiment.config.update({"extra_config": extra_config}, allow_val_change=True)
    return [logger]


def finish(loggers: list[Logger]) -> None:
    """Close the W&B run, so the next run in this process starts a new one."""
    if loggers:
        import wandb

        wandb.finish()
