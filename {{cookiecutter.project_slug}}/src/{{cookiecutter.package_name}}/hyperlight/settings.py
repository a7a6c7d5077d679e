"""The one table of EXTRA_CONFIG settings: default, rule, scope and meaning of every key.

Validation, defaults, did-you-mean hints, the search checks, the manifest and the settings
table in the project's README all derive from the `Settings` fields below. Defaults are
merged once, in the process that starts a run; Ray trials receive the merged `Settings`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from .errors import ConfigError, did_you_mean, raise_if
from .metric_names import TRAIN_PREFIX, VAL_PREFIX, is_epoch_metric
from .ranking import MODES
from .rules import is_int, is_positive_number

SCOPE_TRAIN, SCOPE_TUNE = "train", "tune"  # a single trial, a search
BOTH = (SCOPE_TRAIN, SCOPE_TUNE)
REQUIRED = dataclasses.MISSING
PRECISIONS = (32, "32", "32-true", "16-mixed", "bf16-mixed", 16, "16", "bf16", 64, "64", "64-true")


class Rule(NamedTuple):
    check: Callable[[Any], bool]
    text: str


class SettingInfo(NamedTuple):
    rule: Rule
    doc: str
    scopes: tuple[str, ...]


def _optional(rule: Rule) -> Rule:
    return Rule(lambda v: v is None or rule.check(v), f"{rule.text} or None")


COUNT = Rule(lambda v: is_int(v, 0), "an integer >= 0")
FLAG = Rule(lambda v: isinstance(v, bool), "True or False")
POSITIVE = Rule(lambda v: is_int(v, 1), "an integer >= 1")
TEXT = Rule(lambda v: isinstance(v, str) and bool(v), "a non-empty string")
REPORTED_METRICS = Rule(
    lambda v: isinstance(v, list | tuple) and all(is_epoch_metric(m, (TRAIN_PREFIX, VAL_PREFIX)) for m in v),
    "a list of epoch-level train/val metrics such as 'val_acc_epoch'",
)
_INFO = "hyperlight"  # the dataclass metadata key that holds a field's SettingInfo


def _setting(default: Any, rule: Rule, doc: str, scopes: tuple[str, ...] = BOTH) -> Any:
    kwargs = {} if default is REQUIRED else {"default": default}
    return dataclasses.field(metadata={_INFO: SettingInfo(rule, doc, scopes)}, **kwargs)


@dataclasses.dataclass(frozen=True)
class Settings:
    """EXTRA_CONFIG with every default filled in; read as attributes, e.g. `settings.gpus`."""

    metric_to_optimize: str = _setting(
        REQUIRED,
        _optional(
            Rule(
                lambda v: is_epoch_metric(v, (TRAIN_PREFIX, VAL_PREFIX)),
                "an epoch-level validation or train metric such as 'val_acc_epoch'",
            )
        ),
        "picks the best checkpoint and the best trial; drives early stopping and ASHA; "
        "a `train_*` one lets a run go without validation; None (single trials only): no early stopping, "
        "the last epoch is kept, as in a final fit",
    )
    metric_opt_mode: str = _setting(
        REQUIRED, Rule(MODES.__contains__, "'min' or 'max'"), "'max' for accuracy-like metrics, 'min' for losses"
    )
    seed: int | None = _setting(None, _optional(Rule(is_int, "an integer")), "seeds everything; None: not seeded")
    gpus: int = _setting(
        -1,
        Rule(lambda v: is_int(v, -1), "-1, 0 or a number of GPUs"),
        "-1: a GPU if there is one, else the CPU; 0: the CPU; 1: a GPU; 2 or more: one trial on that many "
        "GPUs with Lightning's DDP (batch_size is per GPU)",
    )
    num_processes: int = _setting(
        1,
        POSITIVE,
        "with gpus=0: one trial in this many CPU processes with DDP (gloo), as it would run on several GPUs",
        (SCOPE_TRAIN,),
    )
    ptl_precision: int | str = _setting(
        "32-true", Rule(PRECISIONS.__contains__, f"one of {PRECISIONS}"), "Lightning's precision; 16 is '16-mixed'"
    )
    ptl_early_stopping_patience: int = _setting(5, COUNT, "epochs without improvement before early stopping")
    ptl_early_stopping_grace_period: int = _setting(
        0,
        COUNT,
        "epochs before early stopping starts watching; patience counts after them, so a run stops "
        "after epoch `grace + patience` at the earliest; absent from EXTRA_CONFIG: grace_period's value "
        "when that is set (the reference's one grace period for both)",
    )
    train_loader_name: str = _setting("train_loader", TEXT, "key of the training loader in the data dict")
    val_loader_name: str | None = _setting(
        "val_loader",
        _optional(TEXT),
        "key of the validation loader; None, or the default key absent from the data dict: no validation "
        "and no re-validation (optimize a `train_*` metric)",
    )
    test_loader_name: str | None = _setting(
        "test_loader",
        _optional(TEXT),
        "key of the loader the best checkpoint is tested on; None, or the default key absent: no test",
    )
    full_train_loader_name: str | None = _setting(
        "full_train_loader",
        _optional(TEXT),
        "key of the train + validation loader that a final fit (`final`, `tune --final-fit`) trains on; "
        "None: no final fit",
        (SCOPE_TRAIN,),
    )
    n_workers: int | None = _setting(
        None, _optional(COUNT), "DataLoader worker processes; None: int(cpu_per_trial) if that is set, else 0"
    )
    fast_dev_run: bool = _setting(False, FLAG, "1 epoch of 2 batches")
    verbose: bool = _setting(
        False, FLAG, "also show what the console hides: Lightning's model summary and tips, Ray's start-up log"
    )
    results_dir: str = _setting("results", TEXT, "runs go to `<results_dir>/<experiment_id>/<run>/`")
    wandb_project: str | None = _setting(None, _optional(TEXT), "W&B project; None: no W&B", (SCOPE_TRAIN,))
    storage_path: str | None = _setting(
        None,
        _optional(TEXT),
        "where Ray keeps searches (a folder every node reaches, s3://, gs://), the search's own folder copied beside; "
        "None: results_dir, refused on a cluster of several nodes",
        (SCOPE_TUNE,),
    )
    ray_metrics_to_show: tuple[str, ...] | None = _setting(
        None, _optional(REPORTED_METRICS), "columns of Ray's progress table; None: metric_to_optimize", (SCOPE_TUNE,)
    )
    cpu_per_trial: float = _setting(
        1.0, Rule(is_positive_number, "a number > 0"), "CPUs reserved per trial", (SCOPE_TUNE,)
    )
    gpu_per_trial: float = _setting(
        0.0,
        Rule(lambda v: is_positive_number(v, allow_zero=True), "a number >= 0"),
        "GPUs per trial; fractions such as 0.5 share a GPU; more than 1 needs as many workers_per_trial",
        (SCOPE_TUNE,),
    )
    workers_per_trial: int = _setting(
        1,
        POSITIVE,
        "Ray Train workers that train each trial with DDP (Ray Train inside Tune); they share the trial's "
        "cpu_per_trial and gpu_per_trial evenly",
        (SCOPE_TUNE,),
    )
    n_checkpoints_to_keep: int = _setting(1, POSITIVE, "checkpoints Ray keeps per trial", (SCOPE_TUNE,))
    max_failures: int | None = _setting(
        None,
        _optional(COUNT),
        "retries of a failed trial from its checkpoint; None: 3 on a cluster, else 0",
        (SCOPE_TUNE,),
    )
    grace_period: int = _setting(
        1,
        POSITIVE,
        "ASHA first compares trials after this many epochs, then 4x, 16x; also early stopping's grace "
        "when ptl_early_stopping_grace_period is absent",
    )
    epoch_upper_limit: int | None = _setting(
        None, _optional(POSITIVE), "ASHA's max_t; None: the largest max_epochs of the search space", (SCOPE_TUNE,)
    )
    n_samples: int = _setting(10, POSITIVE, "number of trials", (SCOPE_TUNE,))
    max_concurrent_trials: int | None = _setting(
        None,
        _optional(POSITIVE),
        "trials at once, at most; None: as many as the CPUs and GPUs hold, on a cluster those it can grow to "
        "(its autoscaler's node types and max_workers). More at once finish sooner; fewer let HyperOpt "
        "propose each trial knowing more results",
        (SCOPE_TUNE,),
    )
    batch_size_main: int | None = _setting(
        None,
        _optional(POSITIVE),
        "batch size to re-validate and test the best trial; None: the largest batch_size searched",
        (SCOPE_TUNE,),
    )

    def in_scope(self, scope: str) -> dict[str, Any]:
        """The settings a run of this scope reads: what its manifest records."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if scope in f.metadata[_INFO].scopes}


# Settings the Runner's own arguments decide (is_debug, log2wandb), by name.
FAST_DEV_RUN, WANDB_PROJECT = "fast_dev_run", "wandb_project"
# Settings a repeat group and a final fit set for each of their runs.
SEED, METRIC_TO_OPTIMIZE, METRIC_OPT_MODE = "seed", "metric_to_optimize", "metric_opt_mode"
# In the reference, grace_period served both ASHA and early stopping; the second key splits them.
GRACE_PERIOD, EARLY_STOPPING_GRACE = "grace_period", "ptl_early_stopping_grace_period"


def setting_info() -> dict[str, tuple[Any, SettingInfo]]:
    """Every key with its default (REQUIRED when there is none) and its SettingInfo."""
    return {f.name: (f.default, f.metadata[_INFO]) for f in dataclasses.fields(Settings)}


def resolve_settings(extra_config: Mapping[str, Any]) -> Settings:
    """Check every key at once (missing, unknown, out of range), then fill in the defaults."""
    if not isinstance(extra_config, Mapping):
        raise ConfigError(f"extra_config must be a dict, got {type(extra_config).__name__}")
    info = setting_info()
    required = [key for key, (default, _) in info.items() if default is REQUIRED]
    problems = [f"missing key '{key}'" for key in required if key not in extra_config]
    problems += [f"unknown key '{key}'{did_you_mean(key, info)}" for key in extra_config if key not in info]
    for key, value in extra_config.items():
        if key in info and not info[key][1].rule.check(value):
            problems.append(f"{key} must be {info[key][1].rule.text}, got {value!r}")
    raise_if(problems, "extra_config is invalid")
    values = dict(extra_config)
    if EARLY_STOPPING_GRACE not in values and GRACE_PERIOD in values:
        values[EARLY_STOPPING_GRACE] = values[GRACE_PERIOD]
    if values.get("n_workers") is None:  # the reference's "cpu_per_trial: Ray + DataLoaders"
        values["n_workers"] = int(values["cpu_per_trial"]) if "cpu_per_trial" in values else 0
    values["ray_metrics_to_show"] = tuple(values.get("ray_metrics_to_show") or (values["metric_to_optimize"],))
    return Settings(**values)
