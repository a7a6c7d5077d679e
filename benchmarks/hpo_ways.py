"""The three ways `hpo_vs_peers.py` times: run one as `python hpo_ways.py WAY TRIALS EPOCHS`.

Every way searches the same space of the baked project's LitDigits on digits with the
same seed, and prints `RESULT {"best": <best val_acc_epoch>, "trials": <n>}` last.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SEED = 16
METRIC = "val_acc_epoch"
CHOICES = {"batch_size": [32, 64, 128], "n_hidden": [64, 128, 256], "warmup": [0, 20, 50]}
LR_RANGE = (1e-4, 1e-2)


def _fit(config: dict, callbacks: list) -> float:
    """A plain Lightning fit of the project's model, as each peer's documentation shows it."""
    import lightning.pytorch as pl
    from digits_research.data import configure_dataloaders
    from digits_research.model import LitDigits  # its configure_callbacks() brings the unfreeze schedule

    pl.seed_everything(SEED, workers=True, verbose=False)
    loaders = configure_dataloaders(config["batch_size"])
    n_steps = len(loaders["train_loader"])
    config = {**config, "n_steps_per_epoch": n_steps, "n_train_steps": n_steps * config["max_epochs"]}
    best = {"value": 0.0}

    class TrackBest(pl.Callback):
        def on_validation_end(self, trainer, pl_module):
            if not trainer.sanity_checking:
                best["value"] = max(best["value"], float(trainer.callback_metrics[METRIC]))

    trainer = pl.Trainer(
        max_epochs=config["max_epochs"],
        accelerator="cpu",
        devices=1,
        callbacks=[TrackBest(), *callbacks],
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(LitDigits(config), loaders["train_loader"], loaders["val_loader"])
    return best["value"]


def _ray_space(epochs: int) -> dict:
    from digits_research import config
    from ray import tune

    space = {key: tune.choice(values) for key, values in CHOICES.items()}
    return {**config.CONFIG, **space, "lr": tune.loguniform(*LR_RANGE), "max_epochs": epochs}


def runner(trials: int, epochs: int) -> float:
    from digits_research import config
    from digits_research.data import configure_dataloaders
    from digits_research.hyperlight import Runner
    from digits_research.model import LitDigits

    extra = {**config.EXTRA_CONFIG, "n_samples": trials, "epoch_upper_limit": epochs, "seed": SEED, "gpus": 0}
    extra.update(results_dir="results", wandb_project=None, metric_to_optimize=METRIC)  # the rest: project defaults
    hyperlight = Runner(configure_dataloaders)
    result = hyperlight.run_hyper_opt(LitDigits, _ray_space(epochs), extra)
    return float(result["trials"][f"best_{METRIC}"].max())


def plain_ray(trials: int, epochs: int) -> float:
    """Ray Tune as its Lightning guide shows it: every setting left at its default."""
    from ray import tune
    from ray.tune.integration.pytorch_lightning import TuneReportCheckpointCallback
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.hyperopt import HyperOptSearch

    def trainable(config):
        _fit(config, [TuneReportCheckpointCallback(metrics=[METRIC], on="validation_end")])

    tune_config = tune.TuneConfig(
        metric=METRIC,
        mode="max",
        search_alg=HyperOptSearch(random_state_seed=SEED),
        scheduler=ASHAScheduler(),  # Ray's defaults: grace_period=1, reduction_factor=4
        num_samples=trials,
    )
    run_config = tune.RunConfig(storage_path=str(Path("ray_results").resolve()))  # not ~/ray_results
    grid = tune.Tuner(trainable, param_space=_ray_space(epochs), tune_config=tune_config, run_config=run_config).fit()
    return float(grid.get_best_result(METRIC, "max", scope="all").metrics_dataframe[METRIC].max())


def optuna_in_process(trials: int, epochs: int) -> float:
    """Optuna's TPE with its median pruner, trials one after another in this process."""
    import optuna
    from digits_research import config
    from optuna_integration import PyTorchLightningPruningCallback

    def objective(trial: optuna.Trial) -> float:
        sampled = {key: trial.suggest_categorical(key, values) for key, values in CHOICES.items()}
        sampled["lr"] = trial.suggest_float("lr", *LR_RANGE, log=True)
        pruning = PyTorchLightningPruningCallback(trial, METRIC)
        return _fit({**config.CONFIG, **sampled, "max_epochs": epochs}, [pruning])

    sampler = optuna.samplers.TPESampler(seed=SEED)
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=optuna.pruners.MedianPruner())
    study.optimize(objective, n_trials=trials)
    return float(study.best_value)


WAYS = {"runner": runner, "plain_ray": plain_ray, "optuna": optuna_in_process}

if __name__ == "__main__":
    way, n_trials, n_epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print("RESULT " + json.dumps({"best": WAYS[way](n_trials, n_epochs), "trials": n_trials}), flush=True)
