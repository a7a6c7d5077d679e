"""Step 3: every hyper-parameter in one dict, plus the settings of the runner.

`--set key=value` on the command line overrides any key of CONFIG or EXTRA_CONFIG.
This module imports neither torch nor Ray, so `--help` and `train` stay light.
"""

EXPERIMENT_ID = "{{ cookiecutter.experiment_id }}"  # names the folder that groups related runs

# Passed to your LightningModule as `hparams` (the runner adds n_steps_per_epoch and n_train_steps).
CONFIG = {
    "lr": 3e-3,  # peak learning rate of AdamW
    "weight_decay": 1e-4,  # AdamW's decoupled weight decay
    "warmup": 20,  # steps of linear warm-up before the linear decay
    "gradient_clip_val": 0,  # clip the gradient norm at this value; 0 turns clipping off
    "max_epochs": 20,  # upper bound; early stopping usually ends the run sooner
    "batch_size": 64,  # per training step
    "n_classes": 10,  # digits 0-9
    "n_hidden": 128,  # width of the first hidden layer
    "unfreeze_epochs": [0, 1],  # thaw the head at epoch 0, one more layer at epoch 1, all after
}

# How to train, validate, test and search; not hyper-parameters of the model. Only the first two keys
# are required: every other key has a default (README.md lists them all, from hyperlight/settings.py).
EXTRA_CONFIG = {
    "metric_to_optimize": "val_acc_epoch",  # a val_ (or train_) *_epoch metric: best checkpoint, early stopping
    "metric_opt_mode": "max",  # "max" for accuracy-like metrics, "min" for losses
    "seed": 16,  # remove for non-deterministic runs
    "ptl_early_stopping_patience": 5,  # epochs without improvement before stopping
    "ptl_early_stopping_grace_period": 5,  # early stopping watches after this many epochs (absent: grace_period)
    "ptl_precision": "32-true",  # "32-true", "16-mixed" (GPU) or "bf16-mixed"
    "gpus": -1,  # -1: a GPU if there is one, else the CPU; 0: the CPU; 1: a GPU
    "n_workers": 0,  # DataLoader worker processes; 0 suits small in-memory data
    "results_dir": "results",  # runs go to <results_dir>/<EXPERIMENT_ID>/<run>/
{%- if cookiecutter.use_wandb == "y" %}
    "wandb_project": "{{ cookiecutter.project_slug }}",  # W&B project; offline until you `wandb login`
{%- endif %}
    # Hyper-parameter search (Ray Tune)
    "ray_metrics_to_show": ["val_loss_epoch", "val_f1_epoch", "val_acc_epoch"],  # progress columns
    "cpu_per_trial": 1,  # CPUs reserved per trial
    "gpu_per_trial": 0,  # GPUs per trial; fractions such as 0.5 share a GPU
    "grace_period": 1,  # ASHA first compares trials after this many epochs, then after 4x, 16x as many
    "n_samples": 16,  # number of trials
    "storage_path": None,  # where Ray keeps searches: None for results_dir, or a shared path / s3:// on a cluster
}


def __getattr__(name: str):
    """Build SEARCH_SPACE_CONFIG on first use, so a single trial never imports Ray."""
    if name != "SEARCH_SPACE_CONFIG":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ray import tune

    return {
        **CONFIG,  # every key not searched below keeps its CONFIG value
        "lr": tune.loguniform(1e-4, 1e-2),  # peak learning rate, sampled on a log scale
        "warmup": tune.choice([0, 20, 50]),  # warm-up steps
        "batch_size": tune.choice([32, 64, 128]),  # per training step
        "n_hidden": tune.choice([64, 128, 256]),  # width of the first hidden layer
        "max_epochs": tune.choice([10, 20]),  # upper bound per trial; ASHA may stop a trial sooner
    }
