"""Searches whose trials each train on two Ray Train workers (Ray Train inside Tune), on real CPU processes."""

import json
import os

import lightning.pytorch as pl
import tiny_task
from ray.tune.integration.ray_train import CHECKPOINT_PATH_KEY

from {{ cookiecutter.package_name }}.hyperlight import Runner
from {{ cookiecutter.package_name }}.hyperlight.search.results import CHECKPOINT_PATH


class RecordWorkers(pl.Callback):
    """Each training process writes which trial it serves, its rank, the world size and its pid."""

    def __init__(self, folder) -> None:
        self.folder = folder

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        record = {"lr": pl_module.hparams.lr, "rank": trainer.global_rank, "world": trainer.world_size}
        (self.folder / f"{os.getpid()}.json").write_text(json.dumps(record))


def test_each_trial_trains_on_two_workers_and_the_best_is_evaluated_here(
    ray_local, tmp_path, search_space, search_extra
):
    # 3 trials, one at a time: ASHA stops some after an epoch, and their workers must make way for the next.
    search_extra.update(n_samples=3, cpu_per_trial=2, workers_per_trial=2)
    runner = Runner(tiny_task.configure_dataloaders, pl_callbacks=[RecordWorkers(tmp_path)], experiment_id="workers")
    result = runner.run_hyper_opt(tiny_task.LitTiny, {**search_space, "max_epochs": 3}, search_extra)

    records = [json.loads(path.read_text()) for path in tmp_path.glob("*.json")]
    by_trial = {}
    for record in records:
        by_trial.setdefault(record["lr"], []).append(record)
    assert len(by_trial) == 3, records  # three trials ...
    for workers in by_trial.values():  # ... each on two processes of one DDP group
        assert sorted(w["rank"] for w in workers) == [0, 1] and {w["world"] for w in workers} == {2}
    assert list(result["trials"]["status"]) == ["TERMINATED"] * 3
    table = result["metrics"].table
    assert list(table.xs("Reval", level="stage").index) == [result["best_epoch_index"]]
    assert list(table.xs("Test", level="stage").index) == [result["best_epoch_index"]]
    assert isinstance(result["lmodule_best"], tiny_task.LitTiny)


def test_the_checkpoint_column_is_the_one_ray_reports():
    assert CHECKPOINT_PATH == CHECKPOINT_PATH_KEY
