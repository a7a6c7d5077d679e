"""The one place that knows how metric names are built: `<stage>_<name>_<step|epoch>`.

Modules log `train_acc` with `on_step=True, on_epoch=True`; Lightning turns that into
`train_acc_step` and `train_acc_epoch`. Tables key a stage's epoch values by `<name>`
(`acc`), and the re-validation (Reval) reads the validation metrics (`val_*`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

TRAIN, VAL, REVAL, TEST = "Train", "Val", "Reval", "Test"
STAGES = (TRAIN, VAL, REVAL, TEST)  # in the order a run produces them
EPOCH_SUFFIX, STEP_SUFFIX = "epoch", "step"
TRAIN_PREFIX, VAL_PREFIX, TEST_PREFIX = LOGGED_PREFIXES = ("train", "val", "test")
_LOGGED_PREFIX = {TRAIN: TRAIN_PREFIX, VAL: VAL_PREFIX, REVAL: VAL_PREFIX, TEST: TEST_PREFIX}
# What Lightning's LearningRateMonitor logs (`lr-AdamW`, `lr-AdamW/pg1`, `lr-AdamW-momentum`): the
# module did not log these, and they follow Lightning's naming, not ours.
CALLBACK_METRIC = re.compile(r"^lr-")
METRIC_NAME = re.compile(rf"^({'|'.join(LOGGED_PREFIXES)})_(.+)_({STEP_SUFFIX}|{EPOCH_SUFFIX})$")


def metric_name(prefix: str, name: str, when: str = EPOCH_SUFFIX) -> str:
    """`metric_name("val", "acc")` is `val_acc_epoch`."""
    return f"{prefix}_{name}_{when}"


def report_name(stage: str, name: str) -> str:
    """How results report a stage's epoch value: `reval_acc_epoch` for the Reval row's `acc`."""
    return metric_name(stage.lower(), name)


def split_metric_name(full_name: str) -> tuple[str, str, str] | None:
    """(prefix, name, step|epoch) of a conventional name, or None when it breaks the convention."""
    match = METRIC_NAME.match(full_name)
    return match.groups() if match else None


def is_callback_metric(full_name: str) -> bool:
    """A value a Lightning callback logged under its own name, which the naming rule leaves alone."""
    return bool(CALLBACK_METRIC.match(full_name))


def is_epoch_metric(full_name: str, prefixes: tuple[str, ...] = LOGGED_PREFIXES) -> bool:
    """An epoch-level value of one of `prefixes`, e.g. `val_acc_epoch` for ("val",)."""
    parts = split_metric_name(full_name) if isinstance(full_name, str) else None
    return parts is not None and parts[0] in prefixes and parts[2] == EPOCH_SUFFIX


def is_forked(base_name: str, logged: Mapping | set) -> bool:
    """Lightning also lists `train_acc` once it forked it into `train_acc_step` and `train_acc_epoch`."""
    return f"{base_name}_{EPOCH_SUFFIX}" in logged


def stage_values(stage: str, logged: Mapping[str, float]) -> dict[str, float]:
    """The epoch values one stage logged, keyed by `<name>`: {"acc": 0.93, "loss": 0.21}."""
    prefix = _LOGGED_PREFIX[stage]
    values = {}
    for full_name, value in logged.items():
        parts = split_metric_name(full_name)
        if parts is not None and parts[0] == prefix and parts[2] == EPOCH_SUFFIX:
            values[parts[1]] = float(value)
    return values


def monitored_stage(full_name: str) -> str:
    """The stage whose rows hold a logged epoch metric: Train for `train_loss_epoch`, Val for `val_acc_epoch`."""
    parts = split_metric_name(full_name)
    stages = {prefix: stage for stage, prefix in _LOGGED_PREFIX.items() if stage != REVAL}
    if parts is None or parts[0] not in stages:
        raise ValueError(f"'{full_name}' is not a <stage>_<name>_<step|epoch> metric name")
    return stages[parts[0]]


def after_training_epoch(full_name: str | None) -> bool:
    """A `train_*` value exists only once the training epoch ends, after that epoch's validation:
    whatever reads it (checkpoints, early stopping, reports) must wait until then. With no metric
    (None) the last epoch is kept, and an epoch is last only once it has trained."""
    return full_name is None or monitored_stage(full_name) == TRAIN


def table_column(full_name: str) -> str:
    """The column of a table that holds `full_name`: `val_acc_epoch` lives in column `acc`."""
    parts = split_metric_name(full_name)
    if parts is None:
        raise ValueError(f"'{full_name}' is not a <stage>_<name>_<step|epoch> metric name")
    return parts[1]


def result_stage(key: str) -> str | None:
    """The stage of a best checkpoint's result as `metrics_last` keys it (`reval_acc_epoch`: Reval), else None."""
    for stage in (REVAL, TEST):
        if key.startswith(f"{stage.lower()}_") and key.endswith(f"_{EPOCH_SUFFIX}"):  # as report_name spells it
            return stage
    return None
