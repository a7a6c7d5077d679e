"""The four ways `hpo_vs_peers.py` times: run one as `python hpo_ways.py WAY WORKLOAD TRIALS EPOCHS SEED`.

Every way searches the same space of the baked project's LitDigits on digits with the
same seed, and prints `RESULT {"best": ..., "trials": ..., "trial_seconds": ..., "slots": ..., "curve": ...}`
last. trial_seconds is the way's own sum of its trials' wall times, measured where the
trials run (Ray's per-trial `time_total_s`, a timer around Optuna's objective), so the
driver can tell how much of the process's wall time the slots spent training. curve is every
validation result of every trial as [wall-clock time, val accuracy], in time order: the driver reads
from it when the best accuracy so far first reached a target (anytime performance).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

METRIC = "val_acc_epoch"
# Widths per workload: "tiny" is the template's own space, where fixed costs dominate; "compute" has
# widths large enough that the trials' training, not imports or Ray's start-up, takes most of the time.
WIDTHS = {"tiny": [64, 128, 256], "compute": [512, 1024, 2048]}
BATCH_SIZES, WARMUPS, LR_RANGE = [32, 64, 128], [0, 20, 50], (1e-4, 1e-2)
CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _choices(workload: str) -> dict[str, list]:
    return {"batch_size": BATCH_SIZES, "n_hidden": WIDTHS[workload], "warmup": WARMUPS}


def _fit(config: dict, callbacks: list, seed: int, curve: list | None = None) -> float:
    """A plain Lightning fit of the project's model, as each peer's documentation shows it."""
    import lightning.pytorch as pl
    from digits_research.data import configure_dataloaders
    from digits_research.model import LitDigits  # its configure_callbacks() brings the unfreeze schedule

    pl.seed_everything(seed, workers=True, verbose=False)
    loaders = configure_dataloaders(config["batch_size"])
    n_steps = len(loaders["train_loader"])
    config = {**config, "n_steps_per_epoch": n_steps, "n_train_steps": n_steps * config["max_epochs"]}
    best = {"value": 0.0}

    class TrackBest(pl.Callback):
        def on_validation_end(self, trainer, pl_module):
            if not trainer.sanity_checking:
                value = float(trainer.callback_metrics[METRIC])
                best["value"] = max(best["value"], value)
                if curve is not None:  # list.append is atomic: Optuna's threads may share it
                    curve.append([time.time(), value])

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


def _ray_space(workload: str, epochs: int) -> dict:
    from digits_research import config
    from ray import tune

    space = {key: tune.choice(values) for key, values in _choices(workload).items()}
    return {**config.CONFIG, **space, "lr": tune.loguniform(*LR_RANGE), "max_epochs": epochs}


def _ray_figures(grid, trials: int) -> dict:
    """trial_seconds from Ray's own clock per trial (from the trial's start to its last report, in the
    worker); one trial per CPU at a time (the runner's concurrency with the project's cpu_per_trial=1, and
    Ray's default of one CPU per trial)."""
    seconds = float(sum(result.metrics.get("time_total_s", 0.0) for result in grid))
    return {"trial_seconds": seconds, "slots": min(CPUS, trials), "curve": _ray_curve(grid)}


def _ray_curve(grid) -> list[list[float]]:
    """Each trial's results on the wall clock, from the trial's own records.

    Ray stamps a result with whole seconds (`timestamp`) and with the float seconds since the trial
    began (`time_total_s`): every result bounds the trial's start to within a second, and together
    they pin it down (their midpoint), so each result's time is that start plus its `time_total_s`.
    """
    curve = []
    for result in grid:
        frame = result.metrics_dataframe
        if frame is None or METRIC not in frame:
            continue
        frame = frame.dropna(subset=[METRIC])
        starts = frame["timestamp"] - frame["time_total_s"]
        start = (starts.max() + starts.min() + 1) / 2  # the middle of [latest bound, earliest bound + 1 s)
        curve += [
            [float(start + total), float(value)]
            for total, value in zip(frame["time_total_s"], frame[METRIC], strict=True)
        ]
    return sorted(curve)


def runner(workload: str, trials: int, epochs: int, seed: int) -> dict:
    from digits_research import config
    from digits_research.data import configure_dataloaders
    from digits_research.hyperlight import Runner
    from digits_research.model import LitDigits

    extra = {**config.EXTRA_CONFIG, "n_samples": trials, "epoch_upper_limit": epochs, "seed": seed, "gpus": 0}
    extra.update(results_dir="results", wandb_project=None, metric_to_optimize=METRIC)  # the rest: project defaults
    result = Runner(configure_dataloaders).run_hyper_opt(LitDigits, _ray_space(workload, epochs), extra)
    best = float(result["trials"][f"best_{METRIC}"].max())
    return {"best": best, **_ray_figures(result["analysis"], trials)}


def plain_ray(workload: str, trials: int, epochs: int, seed: int) -> dict:
    """Ray Tune as its Lightning guide shows it: every setting left at its default."""
    from ray import tune
    from ray.tune.integration.pytorch_lightning import TuneReportCheckpointCallback
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.hyperopt import HyperOptSearch

    def trainable(config):
        _fit(config, [TuneReportCheckpointCallback(metrics=[METRIC], on="validation_end")], seed)

    tune_config = tune.TuneConfig(
        metric=METRIC,
        mode="max",
        search_alg=HyperOptSearch(random_state_seed=seed),
        scheduler=ASHAScheduler(),  # Ray's defaults: grace_period=1, reduction_factor=4
        num_samples=trials,
    )
    run_config = tune.RunConfig(storage_path=str(Path("ray_results").resolve()))  # not ~/ray_results
    space = _ray_space(workload, epochs)
    grid = tune.Tuner(trainable, param_space=space, tune_config=tune_config, run_config=run_config).fit()
    best = float(grid.get_best_result(METRIC, "max", scope="all").metrics_dataframe[METRIC].max())
    return {"best": best, **_ray_figures(grid, trials)}


def _optuna(workload: str, trials: int, epochs: int, seed: int, n_jobs: int) -> dict:
    """Optuna's TPE with its median pruner; n_jobs > 1 runs that many trials at once in threads."""
    import optuna
    from digits_research import config
    from optuna_integration import PyTorchLightningPruningCallback

    seconds, curve = [], []  # list.append is atomic, so threads of n_jobs > 1 may share them

    def objective(trial: optuna.Trial) -> float:
        start = time.perf_counter()
        try:  # a pruned trial leaves by raising TrialPruned: its time counts too
            sampled = {key: trial.suggest_categorical(key, values) for key, values in _choices(workload).items()}
            sampled["lr"] = trial.suggest_float("lr", *LR_RANGE, log=True)
            pruning = PyTorchLightningPruningCallback(trial, METRIC)
            return _fit({**config.CONFIG, **sampled, "max_epochs": epochs}, [pruning], seed, curve)
        finally:
            seconds.append(time.perf_counter() - start)

    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=optuna.pruners.MedianPruner())
    study.optimize(objective, n_trials=trials, n_jobs=n_jobs)
    slots = min(n_jobs, trials)
    return {"best": float(study.best_value), "trial_seconds": sum(seconds), "slots": slots, "curve": sorted(curve)}


def optuna_in_process(workload: str, trials: int, epochs: int, seed: int) -> dict:
    """Trials one after another in this process, as Optuna's quick start runs them."""
    return _optuna(workload, trials, epochs, seed, n_jobs=1)


def optuna_parallel(workload: str, trials: int, epochs: int, seed: int) -> dict:
    """`study.optimize(n_jobs=CPUs)`: Optuna's own way to use every CPU of one machine."""
    return _optuna(workload, trials, epochs, seed, n_jobs=CPUS)


WAYS = {"runner": runner, "plain_ray": plain_ray, "optuna": optuna_in_process, "optuna_parallel": optuna_parallel}

if __name__ == "__main__":
    way, workload_name, n_trials, n_epochs, run_seed = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
    outcome = WAYS[way](workload_name, n_trials, n_epochs, run_seed)
    print("RESULT " + json.dumps({**outcome, "trials": n_trials}), flush=True)
