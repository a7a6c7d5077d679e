"""Searches whose trials each train on two Ray Train workers (Ray Train inside Tune), on real CPU processes."""

import json
import os

import lightning.pytorch as pl
import pytest
import ray._private.worker
import ray.train
import tiny_task
from ray.tune.integration.ray_train import CHECKPOINT_PATH_KEY

from {{ cookiecutter.package_name }}.hyperlight import Runner
from {{ cookiecutter.package_name }}.hyperlight.search.ray_session import API_SERVER_VARIABLE
from {{ cookiecutter.package_name }}.hyperlight.search.results import CHECKPOINT_PATH

pytestmark = pytest.mark.slow


class RecordWorkers(pl.Callback):
    """Each training process writes which trial it serves, its rank and world size as Ray Train and Lightning
    see them, and the Ray actor it runs in: `ddp_spawn` inside one actor would give Lightning the same ranks."""

    def __init__(self, folder) -> None:
        self.folder = folder

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        context = ray.train.get_context()
        record = {
            "lr": pl_module.hparams.lr,
            "rank": context.get_world_rank(),
            "world": context.get_world_size(),
            "lightning": [trainer.global_rank, trainer.world_size],
            "actor": ray.get_runtime_context().get_actor_id(),
        }
        (self.folder / f"{os.getpid()}-{record['rank']}.json").write_text(json.dumps(record))


# Ends a hang only: 3 trials took 70-250 s on 2 CPUs (240 s with two other test suites running beside it).
@pytest.mark.time_limit(900)
def test_each_trial_trains_on_two_workers_and_the_best_is_evaluated_here(
    ray_local, tmp_path, search_space, search_extra
):
    # Ray runs without the dashboard, as a notebook's earlier search leaves it: this search must restart it
    # with one, or Ray Train's cleanup fails and the first trial's workers keep their CPUs.
    assert not ray._private.worker.get_dashboard_url()
    # 2 trials, one at a time: the first's workers must make way for the second's (each trial starts 4 actors).
    search_extra.update(n_samples=2, cpu_per_trial=2, workers_per_trial=2)
    runner = Runner(tiny_task.configure_dataloaders, pl_callbacks=[RecordWorkers(tmp_path)], experiment_id="workers")
    result = runner.run_hyper_opt(tiny_task.LitTiny, {**search_space, "max_epochs": 3}, search_extra)

    records = [json.loads(path.read_text()) for path in tmp_path.glob("*.json")]
    by_trial = {}
    for record in records:
        by_trial.setdefault(record["lr"], []).append(record)
    assert len(by_trial) == 2, records  # two trials ...
    for workers in by_trial.values():  # ... each on two Ray Train workers, two actors of one DDP group
        assert sorted(w["rank"] for w in workers) == [0, 1] and {w["world"] for w in workers} == {2}, workers
        assert all(w["lightning"] == [w["rank"], w["world"]] for w in workers), workers
        assert len({w["actor"] for w in workers}) == 2 and None not in {w["actor"] for w in workers}, workers
    assert list(result["trials"]["status"]) == ["TERMINATED"] * 2
    table = result["metrics"].table
    assert list(table.xs("Reval", level="stage").index) == [result["best_epoch_index"]]
    assert list(table.xs("Test", level="stage").index) == [result["best_epoch_index"]]
    assert isinstance(result["lmodule_best"], tiny_task.LitTiny)
    assert ray._private.worker.get_dashboard_url()  # the instance the search ran on serves the State API


def test_the_checkpoint_column_is_the_one_ray_reports():
    assert CHECKPOINT_PATH == CHECKPOINT_PATH_KEY


def test_state_api_clients_in_workers_ask_this_instance_of_ray(ray_local_with_dashboard):
    """Ray Train's cleanup asks the State API from actors; left to guess, they fail when several Ray
    instances share the machine, and a finished trial's workers keep their CPUs."""

    @ray.remote(num_cpus=0)
    def api_server() -> str | None:
        return os.environ.get(API_SERVER_VARIABLE)

    assert ray.get(api_server.remote()) == f"http://{ray._private.worker.get_dashboard_url()}"
    assert API_SERVER_VARIABLE not in os.environ  # a `ray job submit` started from here goes where it is told
