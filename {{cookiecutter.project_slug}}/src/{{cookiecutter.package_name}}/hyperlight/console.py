"""What the console shows: Lightning's hints and banners kept out of the epoch tables."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from lightning.pytorch.callbacks import TQDMProgressBar
from lightning.pytorch.callbacks.progress.tqdm_progress import Tqdm

# Lightning hints that do not apply to small in-memory data and would drown the epoch table.
QUIET_WARNINGS = (
    r".*does not have many workers.*",
    r".*is smaller than the logging interval.*",
    r".*isinstance\(treespec, LeafSpec\)` is deprecated.*",
    # Evaluation Trainers restore weights only; the training callbacks have nothing left to do.
    r".*callbacks used to create the checkpoint need to be provided.*",
    # A run without a validation loader is one the user asked for (the manifest lists its stages).
    r".*defined a `validation_step` but have no `val_dataloader`.*",
)
# Lightning's info lines that tell the user nothing about their run: an advertisement, and a stop the
# epoch table already shows.
QUIET_INFO = ("💡 Tip:", "`Trainer.fit` stopped:")
# Seconds an epoch runs before its progress bar appears: short epochs print their table and nothing else.
PROGRESS_DELAY_S = 3.0


class _QuietInfo(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(QUIET_INFO)


def _handlers_reached(logger: logging.Logger) -> list[logging.Handler]:
    """Every handler a record of `logger` reaches, walked as logging itself does. Lightning adds a handler of
    its own only when the root logger has none as it is imported; after a `logging.basicConfig()` (or under
    pytest) its records go to the root's handlers instead."""
    handlers, current = [], logger
    while current is not None:
        handlers += current.handlers
        current = current.parent if current.propagate else None
    return handlers


@contextmanager
def quiet_lightning(info: bool = True) -> Iterator[None]:
    """Hide the hints and lines above; with info=False also Lightning's banners (devices, restores).

    Searches start a Trainer per trial and per evaluation: their banners repeat what the
    single trial already told the user once.
    """
    lightning_logger = logging.getLogger("lightning.pytorch")
    level, quiet_info = lightning_logger.level, _QuietInfo()
    with warnings.catch_warnings():
        for pattern in QUIET_WARNINGS:
            warnings.filterwarnings("ignore", pattern)
        if not info:
            lightning_logger.setLevel(logging.WARNING)
        handlers = _handlers_reached(lightning_logger)
        for handler in handlers:
            handler.addFilter(quiet_info)
        try:
            yield
        finally:
            lightning_logger.setLevel(level)
            for handler in handlers:
                handler.removeFilter(quiet_info)


class DelayedProgressBar(TQDMProgressBar):
    """One bar for training, drawn once an epoch has run PROGRESS_DELAY_S and wiped when it ends.

    A long epoch then shows that it is moving, while a short one leaves only the epoch table;
    validation and test are short next to training and draw no bar of their own.
    """

    def init_train_tqdm(self) -> Tqdm:
        return Tqdm(
            desc=self.train_description,
            disable=self.is_disabled,
            leave=False,
            dynamic_ncols=True,
            file=sys.stdout,
            bar_format=self.BAR_FORMAT,
            delay=PROGRESS_DELAY_S,
        )

    def init_sanity_tqdm(self) -> Tqdm:
        return Tqdm(disable=True)

    def init_validation_tqdm(self) -> Tqdm:
        return Tqdm(disable=True)

    def init_test_tqdm(self) -> Tqdm:
        return Tqdm(disable=True)
