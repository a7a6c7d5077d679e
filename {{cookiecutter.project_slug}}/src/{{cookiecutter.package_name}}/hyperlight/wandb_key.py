"""The W&B key: where it is found, whether its file is private, and the mode W&B runs in without it.

The key is read, never written: a key from a file reaches W&B through this process's
environment only (which Ray's local workers inherit), never through a config, a manifest,
Ray's object store or a file. Looked up in this order:
WANDB_API_KEY; the file WANDB_API_KEY_FILE names (Docker's `_FILE` convention for secrets);
~/.wandb_api_key (PyTorch Hyperlight's convention); the ~/.netrc entry `wandb login` writes.
"""

from __future__ import annotations

import netrc
import os
import stat
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path

KEY_VARIABLE, KEY_FILE_VARIABLE, MODE_VARIABLE = "WANDB_API_KEY", "WANDB_API_KEY_FILE", "WANDB_MODE"
HOME_KEY_FILE = "~/.wandb_api_key"
OFFLINE, DISABLED = "offline", "disabled"  # values of WANDB_MODE
PRIVATE_BITS = stat.S_IRWXG | stat.S_IRWXO  # a key file with any of these is open to other users


def key_file(environ: Mapping[str, str] = os.environ) -> Path:
    """The file that may hold the key: WANDB_API_KEY_FILE when set (an empty file there means "no key"),
    else ~/.wandb_api_key."""
    named = environ.get(KEY_FILE_VARIABLE)
    return Path(named) if named else Path(HOME_KEY_FILE).expanduser()


def key_from_file(environ: Mapping[str, str] = os.environ) -> str | None:
    """The key in `key_file`, or None when that file is missing, empty or unreadable."""
    try:
        key = key_file(environ).read_text().strip()
    except OSError:
        return None
    return key or None


def exposed_key_file(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The key file when it holds a key that users other than its owner may read or change."""
    path = key_file(environ)
    try:
        exposed = path.stat().st_mode & PRIVATE_BITS
    except OSError:
        return None
    return path if exposed and key_from_file(environ) else None


def load_key_file(environ: MutableMapping[str, str] = os.environ) -> None:
    """Hand a key file's key to W&B through the environment; WANDB_API_KEY, when set, wins."""
    key = key_from_file(environ)
    if key and not environ.get(KEY_VARIABLE):
        environ[KEY_VARIABLE] = key


def has_wandb_login(environ: Mapping[str, str] = os.environ) -> bool:
    """A key in WANDB_API_KEY or a key file, or the entry `wandb login` writes to ~/.netrc."""
    if environ.get(KEY_VARIABLE) or key_from_file(environ):
        return True
    try:
        return netrc.netrc().authenticators("api.wandb.ai") is not None
    except (OSError, netrc.NetrcParseError):
        return False


def wandb_mode(environ: Mapping[str, str] = os.environ) -> str | None:
    """ "offline" until the user has a key; None leaves the choice to W&B (WANDB_MODE, or online).

    Offline by default keeps a fresh laptop from blocking on a login prompt;
    `wandb sync <run_dir>/wandb/offline-run-*` uploads such a run later.
    """
    if MODE_VARIABLE in environ or has_wandb_login(environ):
        return None
    return OFFLINE


_warned: set[str] = set()


def warn_once(text: str) -> None:
    """One line on stderr, once per process: a notebook re-running cells is not told twice."""
    if text not in _warned:
        _warned.add(text)
        print(f"W&B: {text}", file=sys.stderr)


def resolve_mode(warn: bool = True) -> str | None:
    """Load a key file's key, then the W&B mode: "offline" without a key, else None (W&B decides)."""
    load_key_file()
    if warn and (exposed := exposed_key_file()):
        warn_once(f"{exposed} can be read by other users; `chmod 600 {exposed}` keeps the key yours")
    mode = wandb_mode()
    if warn and mode == OFFLINE:
        warn_once(
            f"no key in {KEY_VARIABLE}, {HOME_KEY_FILE} or `wandb login`: logging offline, "
            "`wandb sync <run folder>/wandb/offline-run-*` uploads later"
        )
    return mode
