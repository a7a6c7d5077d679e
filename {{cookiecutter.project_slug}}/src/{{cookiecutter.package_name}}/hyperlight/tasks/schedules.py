"""Learning-rate schedules the ready tasks share, built on torch alone.

The reference took its warm-up schedule from `transformers`; a LambdaLR gives the same
shape without pulling a large dependency into every project.
"""

from __future__ import annotations

from typing import Any

import torch


def warmup_decay_factor(step: int, warmup: int, n_train_steps: int) -> float:
    """The LR multiplier after `step` optimizer steps: up over `warmup` steps, then down to 0 at `n_train_steps`.

    The warm-up starts at 1/warmup, not 0, so the very first batch already learns something
    (the project's model.py uses the same rule). warmup=0 skips the warm-up.
    """
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (n_train_steps - step) / max(1, n_train_steps - warmup))


def linear_warmup_decay(
    optimizer: torch.optim.Optimizer, warmup: int, n_train_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """A LambdaLR that scales every param group's own LR by `warmup_decay_factor`."""
    warmup, n_train_steps = int(warmup), int(n_train_steps)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: warmup_decay_factor(step, warmup, n_train_steps))


def scheduler_config(scheduler: Any, interval: str) -> dict[str, Any]:
    """Lightning's scheduler dict: "step" steps it after every batch, "epoch" after every epoch."""
    return {"scheduler": scheduler, "interval": interval, "frequency": 1}
