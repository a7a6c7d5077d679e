"""Fixtures that force the CPU, tiny data and a private results folder.

The runner's tests use their own task (tiny_task.py), never the project's stubs, so they
keep passing after data.py, model.py and config.py become your own.
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING

import pytest

# Forced, not defaulted: an exported WANDB_MODE=online must not reach the network from tests,
# and an exported RAY_ADDRESS must not send them to an outside cluster.
os.environ["WANDB_MODE"] = "offline"
os.environ["WANDB_SILENT"] = "true"
os.environ.pop("RAY_ADDRESS", None)

# The task and the runner are imported in the fixtures that use them: pytest-xdist's controller loads this file
# too, runs no test, and would spend seconds of CPU importing torch and Lightning for nothing.
if TYPE_CHECKING:
    from {{ cookiecutter.package_name }}.hyperlight import Runner


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "time_limit(seconds): fail the test when its call runs longer (ends hangs)")
    config.addinivalue_line(
        "markers", "cluster: starts a multi-node Ray cluster on this machine, with ray start or Ray's autoscaler (slow)"
    )
    config.addinivalue_line(
        "markers", "slow: a module of half a minute or more on 2 CPUs (searches, CLI runs, the notebook); run first"
    )


def pytest_collection_modifyitems(items) -> None:
    """Slow modules first, each still whole and in order: on parallel workers (pytest-xdist's --dist loadfile
    --no-loadscope-reorder) the long modules start at once and the short ones fill the end, where one long
    module started last would run alone while the other CPU idles. `-m "not slow"` leaves them out."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: each group keeps its order


# Ends a hang only: the slowest test took about 3 min on a 2-CPU machine 3x slower than this one.
DEFAULT_TIME_LIMIT_S = 600


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A test fails once its call runs DEFAULT_TIME_LIMIT_S, or the seconds of its time_limit marker: a hang
    ends with a traceback instead of holding CI. Limits are several times the measured run, never tight."""
    marker = item.get_closest_marker("time_limit")
    seconds = marker.args[0] if marker else DEFAULT_TIME_LIMIT_S

    def _over(signum, frame):
        pytest.fail(f"over its time limit of {seconds} s: hung?")

    previous = signal.signal(signal.SIGALRM, _over)
    signal.alarm(seconds)
    try:
        return (yield)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def config() -> dict:
    import tiny_task

    return dict(tiny_task.CONFIG)


@pytest.fixture
def extra_config(tmp_path) -> dict:
    import tiny_task

    return {**tiny_task.EXTRA_CONFIG, "results_dir": str(tmp_path / "results")}


@pytest.fixture
def runner() -> Runner:
    import tiny_task

    from {{ cookiecutter.package_name }}.hyperlight import Runner

    return Runner(tiny_task.configure_dataloaders, experiment_id="test")


@pytest.fixture(scope="session")
def ray_shutdown_at_end():
    """Ends the session's last local Ray instance, whichever fixture or search started it."""
    yield
    import ray

    ray.shutdown()


@pytest.fixture(scope="module")
def ray_local(ray_shutdown_at_end):
    """A local Ray instance shared by the search tests, started once: starting Ray costs seconds.

    Without the dashboard: idle for the whole session, an instance with it used 4.2 CPU s a minute against
    2.2 without (measured on 2 CPUs), time the tests beside it lose.
    """
    from {{ cookiecutter.package_name }}.hyperlight.search.ray_session import init_ray

    init_ray()  # returns at once while an instance is running


@pytest.fixture(scope="module")
def ray_local_with_dashboard(ray_shutdown_at_end):
    """A local Ray instance with the dashboard, which serves Ray's State API: Ray Train's cleanup of
    multi-worker trials and the tests that list actors ask it. init_ray restarts a plain instance with it,
    and the module ends it, so the next ray_local starts a plain one.
    """
    import ray

    from {{ cookiecutter.package_name }}.hyperlight.search.ray_session import init_ray

    init_ray(dashboard=True)
    yield
    ray.shutdown()


@pytest.fixture
def no_ray(monkeypatch):
    """Fail the test if a search starts Ray: its input checks must all come first."""
    from {{ cookiecutter.package_name }}.hyperlight.search import hyper_opt

    monkeypatch.setattr(hyper_opt, "init_ray", lambda *args, **kwargs: pytest.fail("Ray started"))


@pytest.fixture
def search_space(config) -> dict:
    from ray import tune

    return {**config, "lr": tune.loguniform(0.01, 0.1), "batch_size": tune.choice([32, 64])}


@pytest.fixture
def search_extra(extra_config) -> dict:
    """4 trials of at most 3 epochs, 2 at a time on 2 CPUs."""
    return {**extra_config, "n_samples": 4, "grace_period": 1, "cpu_per_trial": 1}
