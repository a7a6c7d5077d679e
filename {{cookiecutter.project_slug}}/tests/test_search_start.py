"""What a search starts besides its trials, read back from Ray's own records (its State API and worker logs).

Every process Ray starts on a 2-CPU machine takes CPU from the search's own start: a search must not start
one that no trial uses.
"""

import time
from pathlib import Path

import pytest
import ray
import tiny_task
from ray.util.state import list_actors

from {{ cookiecutter.package_name }}.hyperlight.search.ray_session import API_SERVER_VARIABLE

pytestmark = pytest.mark.slow

NIL_JOB = "-ffffffff-"  # in the log names of workers Ray started before any job asked for one


@ray.remote(num_cpus=0)
def _seen_by_ray() -> tuple[int, int, list[str], str]:
    """The StartLine actors Ray has ever had and those alive, the workers' logs of this instance, and the State
    API's address.

    Run in a worker: init_ray gives the workers of a local instance its dashboard's address, not the driver.
    """
    import os

    lines = list_actors(filters=[("class_name", "=", "StartLine")], limit=10_000, raise_on_missing_output=False)
    logs = Path(os.readlink("/proc/self/fd/1")).parent  # a worker's stdout is its log, in this instance's folder
    alive = sum(line.state == "ALIVE" for line in lines)
    return len(lines), alive, sorted(path.name for path in logs.glob("worker-*.out")), os.environ[API_SERVER_VARIABLE]


@pytest.mark.usefixtures("ray_local_with_dashboard")
def test_a_one_slot_search_lines_up_no_workers_and_ray_prestarts_none(runner, search_space, search_extra):
    lines, _, _, address = ray.get(_seen_by_ray.remote())
    assert address.startswith("http://127.0.0.1:")

    runner.run_hyper_opt(tiny_task.LitTiny, search_space, {**search_extra, "n_samples": 1})
    assert ray.get(_seen_by_ray.remote())[0] == lines  # one slot: no second worker to wait for

    runner.run_hyper_opt(
        tiny_task.LitTiny, search_space, {**search_extra, "n_samples": 2, "max_concurrent_trials": None}
    )
    after, alive, worker_logs, _ = ray.get(_seen_by_ray.remote())
    assert after == lines + 1  # two slots line up their first trials
    deadline = time.monotonic() + 60  # ends a hang only: ray.kill takes effect in well under a second
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = ray.get(_seen_by_ray.remote())[1]
    assert alive == 0  # the line ended with its search: Tune's copy of its handle would keep its worker alive
    # Ray's default would have started one idle worker per CPU as the driver connected, for no job yet; no trial
    # can use them (each trial actor brings env_vars of its own), so init_ray turns that off.
    assert worker_logs and not [name for name in worker_logs if NIL_JOB in name], worker_logs
