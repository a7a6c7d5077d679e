"""Fixtures that force the CPU, a few epochs and a private results folder."""

import os

import pytest

os.environ.setdefault("WANDB_MODE", "offline")  # never reach the network from tests
os.environ.setdefault("WANDB_SILENT", "true")

from {{ cookiecutter.package_name }} import config as project_config  # noqa: E402
from {{ cookiecutter.package_name }}.data import configure_dataloaders  # noqa: E402
from {{ cookiecutter.package_name }}.hyperlight import Runner  # noqa: E402
from {{ cookiecutter.package_name }}.model import UnfreezeModelTailCallback  # noqa: E402


@pytest.fixture
def config() -> dict:
    return {**project_config.CONFIG, "max_epochs": 3, "warmup": 5}


@pytest.fixture
def extra_config(tmp_path) -> dict:
    extra = {**project_config.EXTRA_CONFIG, "gpus": 0, "results_dir": str(tmp_path / "results")}
    extra.pop("wandb_project", None)  # tracking has its own test
    extra.update(ptl_early_stopping_grace_period=0, ptl_early_stopping_patience=5)
    return extra


@pytest.fixture
def runner(config) -> Runner:
    return Runner(
        configure_dataloaders,
        pl_callbacks=[UnfreezeModelTailCallback(config["unfreeze_epochs"])],
        experiment_id="test",
    )


@pytest.fixture(scope="session")
def ray_local():
    """One local Ray instance for every search test: starting Ray costs seconds."""
    import ray

    from {{ cookiecutter.package_name }}.hyperlight.ray_session import init_ray

    init_ray()
    yield
    ray.shutdown()


@pytest.fixture
def search_space(config) -> dict:
    from ray import tune

    return {**config, "lr": tune.loguniform(1e-3, 1e-2), "batch_size": tune.choice([64, 128])}


@pytest.fixture
def search_extra(extra_config) -> dict:
    """4 trials of at most 3 epochs, 2 at a time on the 2 CPUs."""
    return {**extra_config, "n_samples": 4, "epoch_upper_limit": 3, "grace_period": 1, "cpu_per_trial": 1}
