"""The deliberate breaks of PyTorch Hyperlight's idioms (issue 21) that the baked project's tests catch.

breaks.py lists them after the others of the baked project; how to add one: break_spec.py.
"""

from __future__ import annotations

from break_spec import HYPERLIGHT, Break

IDIOMS = "tests/test_reference_idioms.py"  # PyTorch Hyperlight's notebook idioms
GRACE = "tests/test_early_stopping.py::test_grace_period_delays_early_stopping_unless_its_own_key_is_set"

IDIOM_BREAKS = [
    Break(
        "curves-not-trial-metrics",
        "get_metrics()['epoch_x_stage_run_metric'] is a bare table, as before issue 21, not a TrialMetrics",
        f"{HYPERLIGHT}/comparison.py",
        "CURVES: self.curves(keep_train_val_only)}",
        "CURVES: self.curves(keep_train_val_only).table}",
        (f"{IDIOMS}::test_the_runs_curves_are_one_trial_metrics",),
    ),
    Break(
        "curves-df-without-run",
        "the flat .df of several runs loses its run column (issue 21)",
        f"{HYPERLIGHT}/flat_layout.py",
        "return flat[[RUN, *(c for c in flat.columns if c != RUN)]]",
        "return flat.drop(columns=RUN)",
        (f"{IDIOMS}::test_the_runs_curves_are_one_trial_metrics",),
    ),
    Break(
        "grace-period-not-for-early-stopping",
        "grace_period no longer delays early stopping when ptl_early_stopping_grace_period is absent (issue 21)",
        f"{HYPERLIGHT}/settings.py",
        "    if EARLY_STOPPING_GRACE not in values and GRACE_PERIOD in values:\n"
        "        values[EARLY_STOPPING_GRACE] = values[GRACE_PERIOD]\n",
        "",
        (GRACE,),
    ),
    Break(
        "grace-period-overrides-its-own-key",
        "grace_period replaces an explicit ptl_early_stopping_grace_period (issue 21)",
        f"{HYPERLIGHT}/settings.py",
        "if EARLY_STOPPING_GRACE not in values and GRACE_PERIOD in values:",
        "if GRACE_PERIOD in values:",
        (GRACE,),
    ),
    Break(
        "best-epoch-is-index",
        "best_epoch is the 0-based index again: max_epochs = best_epoch trains one epoch too few (issue 21)",
        f"{HYPERLIGHT}/best_epoch.py",
        "return {BEST_EPOCH: index + 1, BEST_EPOCH_INDEX: index}",
        "return {BEST_EPOCH: index, BEST_EPOCH_INDEX: index}",
        (f"{IDIOMS}::test_a_final_fit_trains_the_epochs_the_best_checkpoint_had",),
    ),
    Break(
        "final-fit-one-epoch-short",
        "the final fit trains the best checkpoint's 0-based epoch index, one epoch too few (issue 21)",
        f"{HYPERLIGHT}/final_fit.py",
        "MAX_EPOCHS: int(manifest[BEST_EPOCH])}",
        "MAX_EPOCHS: int(manifest[BEST_EPOCH]) - 1}",
        ("tests/test_final_fit.py::test_each_seed_trains_the_best_epoch_count_on_the_full_train_loader",),
    ),
    Break(
        "extra-run-name-prefix-dropped",
        "run_single_trial accepts extra_run_name_prefix but names the run without it (issue 21)",
        f"{HYPERLIGHT}/single_trial.py",
        'name = f"{extra_run_name_prefix}{run_name or lmodule_class.__name__}"',
        'name = f"{run_name or lmodule_class.__name__}"',
        (f"{IDIOMS}::test_extra_run_name_prefix_names_the_folder_and_the_row",),
    ),
]
