"""Experiment tracking with Weights & Biases through Lightning's own WandbLogger."""

from __future__ import annotations

import netrc
import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from lightning.pytorch.loggers import Logger

from .manifest import SETTINGS_FIELD
from .settings import SCOPE_TRAIN, Settings

# Docker's `_FILE` convention: containers get the key as a mounted secret file, never in their environment
# at build time. An empty file means "no key".
KEY_FILE_VARIABLE = "WANDB_API_KEY_FILE"
KEY_VARIABLE = "WANDB_API_KEY"


def key_from_file(environ: Mapping[str, str] = os.environ) -> str | None:
    """The key in the file WANDB_API_KEY_FILE names, or None when unset, empty or unreadable."""
    path = environ.get(KEY_FILE_VARIABLE)
    try:
        key = Path(path).read_text().strip() if path else ""
    except OSError:
        return None
    return key or None


def load_key_file(environ: MutableMapping[str, str] = os.environ) -> None:
    """Hand a key file's key to W&B through this process's environment, which Ray's local workers inherit.

    Nothing is written to disk; WANDB_API_KEY, when set, wins.
    """
    key = key_from_file(environ)
    if key and not environ.get(KEY_VARIABLE):
        environ[KEY_VARIABLE] = key


def has_wandb_login(environ: Mapping[str, str] = os.environ) -> bool:
    """A key in WANDB_API_KEY or WANDB_API_KEY_FILE, or the entry `wandb login` writes to ~/.netrc."""
    if environ.get(KEY_VARIABLE) or key_from_file(environ):
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

    load_key_file()
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
