"""One Ray connection per process: a private local instance, or a cluster named by address."""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import ray

from ..errors import ConfigError

# Ray Tune reads these when a search runs; users may still set their own values.
TUNE_ENVIRONMENT = {
    # Snapshot the experiment state every second instead of every 10 s (Ray's floor in "auto"
    # mode): a driver killed with SIGKILL then loses at most a second of bookkeeping, and
    # snapshots of a few small trials take milliseconds.
    "TUNE_GLOBAL_CHECKPOINT_S": "1",
    "TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S": "0",  # frequent on purpose
    # Ray's classic reporter honours `metric_columns`, which is how ray_metrics_to_show
    # becomes the columns of the progress table; the newer one picks columns itself.
    "RAY_AIR_NEW_OUTPUT": "0",
    # Trials keep the driver's working directory, so a data function's relative paths work in them too.
    "RAY_CHDIR_TO_TRIAL_DIR": "0",
}


AUTH_LOGGER = "ray._private.authentication.authentication_token_setup"
# Where Ray's State API clients (Ray Train's cleanup of a finished run's workers, in its actors) find
# the dashboard. Unset, they look for "the" Ray instance on the machine and fail when
# several run side by side; the workers' placement groups then outlive their trials.
API_SERVER_VARIABLE = "RAY_API_SERVER_ADDRESS"


# Read by the raylet a local instance starts. By default it starts one idle worker per CPU as the driver
# connects, for no job and with no runtime_env. Every task and actor here has one (the job's PYTHONPATH
# below; trial actors also Tune's env_vars, ray/tune/execution/class_cache.py), and Ray hands a worker only
# to work of the same runtime_env: it starts fresh workers and ends the idle ones unused (raylet.out: two
# "Started worker process" with job ffffffff, one per trial later, then "Disconnecting worker" for the first
# two). On 2 CPUs those two only took CPU from the search's own start.
PRESTART_VARIABLE = "RAY_prestart_worker_first_driver"

# The GCS address of the local instance this process started without the dashboard, while it may still run.
_local_without_dashboard: str | None = None


@contextmanager
def _spawned_with(variables: Mapping[str, str]) -> Iterator[None]:
    """Set variables only while Ray spawns its processes: they inherit them, this process keeps its own."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _free_local_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cluster_address(address: str | None) -> str | None:
    """The cluster to join: the one named, else RAY_ADDRESS, else None (start Ray locally)."""
    return address or os.environ.get("RAY_ADDRESS") or None


def init_ray(
    address: str | None = None, num_cpus: int | None = None, verbose: bool = False, dashboard: bool = False
) -> None:
    """Start or join Ray once; later calls in the same process reuse the connection.

    Without an address (or RAY_ADDRESS) Ray starts privately ("local"), so a stray
    `ray start` cluster on the same machine is never joined by accident. The dashboard
    stays off locally unless `dashboard` (on 127.0.0.1): Ray Train's cleanup of a finished run's workers
    asks the State API, which it serves. On a cluster it is whatever `ray start` chose. `num_cpus` sizes
    a local instance, so that it agrees with the checks made before it started. `verbose` shows Ray's
    start-up log. A running local instance that this process started without the dashboard is restarted
    with it when `dashboard` asks (a notebook's search of multi-worker trials after a plain one): a running
    instance cannot add it, and Ray Train's cleanup would fail in every trial.
    """
    global _local_without_dashboard
    for name, value in TUNE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    if ray.is_initialized():
        if not (dashboard and ray.get_runtime_context().gcs_address == _local_without_dashboard):
            return
        ray.shutdown()
    address = cluster_address(address)
    quiet = {"logging_level": logging.INFO if verbose else logging.WARNING, "log_to_driver": True}
    if address:
        try:
            ray.init(address=address, **quiet)
        except ConnectionError as error:
            raise ConfigError(
                f"address: could not join the Ray cluster at {address} ({error}); Ray 2.60 clusters use token "
                "authentication: give this process the head's RAY_AUTH_MODE and its token (~/.ray/auth_token "
                "on the head, or RAY_AUTH_TOKEN)"
            ) from None
    else:
        # Local workers import from the driver's sys.path, so modules found through a notebook's
        # or pytest's path edits (not only installed packages) resolve in trials too.
        path = os.pathsep.join(entry for entry in sys.path if entry)
        env_vars = {"PYTHONPATH": path}
        ports = {}
        if dashboard:  # its address goes to every worker of this instance, so it is chosen here
            ports["dashboard_port"] = _free_local_port()
            # Not in this process's environment: it would outlive this instance and, as Ray's CLI reads
            # it before its --address, send a later `ray job submit` here.
            env_vars[API_SERVER_VARIABLE] = f"http://127.0.0.1:{ports['dashboard_port']}"
        # A private instance turns token auth on and says so each time; the line teaches nothing locally.
        auth_logger = logging.getLogger(AUTH_LOGGER)
        level = auth_logger.level
        auth_logger.setLevel(logging.NOTSET if verbose else logging.ERROR)
        try:
            with _spawned_with({PRESTART_VARIABLE: os.environ.get(PRESTART_VARIABLE, "0")}):
                ray.init(
                    address="local",
                    num_cpus=num_cpus,
                    include_dashboard=dashboard,
                    dashboard_host="127.0.0.1",
                    runtime_env={"env_vars": env_vars},
                    **ports,
                    **quiet,
                )
        finally:
            auth_logger.setLevel(level)
        _local_without_dashboard = None if dashboard else ray.get_runtime_context().gcs_address
