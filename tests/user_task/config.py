"""A swapped-in task, step 3: hyper-parameters and runner settings for the regression.

This module imports neither torch nor Ray; SEARCH_SPACE_CONFIG imports `ray.tune` on first use.
"""

EXPERIMENT_ID = "regression-baseline"  # names the folder that groups related runs

# Passed to LitRegressor as `hparams` (the runner adds n_steps_per_epoch and n_train_steps).
CONFIG = {
    "lr": 1e-2,  # learning rate of AdamW
    "weight_decay": 1e-4,  # AdamW's decoupled weight decay
    "max_epochs": 15,  # upper bound; early stopping usually ends the run sooner
    "batch_size": 64,  # per training step
    "n_features": 8,  # inputs per row; must match data.N_FEATURES
    "n_hidden": 32,  # width of both hidden layers
}

# How to train, validate and search; not hyper-parameters of the model.
EXTRA_CONFIG = {
    "seed": 7,  # remove for non-deterministic runs
    "metric_to_optimize": "val_loss_epoch",  # validation MSE: picks the best checkpoint, drives early stopping
    "metric_opt_mode": "min",  # lower is better for a loss
    "ptl_early_stopping_patience": 3,  # epochs without improvement before stopping
    "ptl_early_stopping_grace_period": 3,  # never stop before this many epochs
    "gpus": 0,  # a model this small trains faster on the CPU
    "n_workers": 0,  # the data is a few tensors in memory
    # Hyper-parameter search (Ray Tune)
    "cpu_per_trial": 1,  # CPUs reserved per trial
    "grace_period": 1,  # ASHA first compares trials after this many epochs
    "epoch_upper_limit": 15,  # ASHA's max_t
    "n_samples": 4,  # number of trials
}


def __getattr__(name: str) -> dict:
    """Build SEARCH_SPACE_CONFIG on first access, so a single trial never imports Ray."""
    if name != "SEARCH_SPACE_CONFIG":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ray import tune

    return {
        **CONFIG,  # every key not searched below keeps its CONFIG value
        "lr": tune.loguniform(1e-3, 3e-2),  # sampled on a log scale
        "n_hidden": tune.choice([16, 32, 64]),
        "batch_size": tune.choice([32, 64]),
    }
