"""`tune --resume` finishes a search whose driver was stopped, keeping what had finished.

The driver is stopped twice: with SIGINT (Ctrl-C, which Ray Tune handles), then with
SIGKILL (no chance to clean up). Trials run to max_epochs, so a finished trial is one
whose last checkpoint carries the runner's finished mark.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

PACKAGE = "{{ cookiecutter.package_name }}"
N_SAMPLES = 8


def _start(results_dir: Path, *args: str) -> subprocess.Popen:
    settings = ["gpus=0", f"results_dir={results_dir}", "max_epochs=3", "epoch_upper_limit=3", "grace_period=3"]
    command = [sys.executable, "-m", PACKAGE, "tune", *args, "--set", *settings]
    log = open(results_dir.parent / f"driver-{len(list(results_dir.parent.glob('driver-*')))}.log", "w")  # noqa: SIM115
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _log(results_dir: Path) -> str:
    """The end of the newest driver's output, for the failure message."""
    return sorted(results_dir.parent.glob("driver-*.log"))[-1].read_text()[-3000:]


def _finished(results_dir: Path) -> dict[str, int]:
    """Trials whose last epoch both the worker (checkpoint) and the driver (result.json) recorded."""
    finished = {}
    for mark in results_dir.glob("*/tune-*/ray/*/checkpoint_*/trial_finished"):
        trial_dir, n_epochs = mark.parents[1], int(mark.parent.name.split("_")[-1]) + 1
        results = (trial_dir / "result.json").read_text().splitlines()
        if len(results) >= n_epochs:
            finished[trial_dir.name.split("_")[2]] = len(results)
    return finished


def _epochs(results_dir: Path, trial: str) -> set[int]:
    [results] = results_dir.glob(f"*/tune-*/ray/train_trial_{trial}_*/result.json")
    return {json.loads(line)["epoch"] for line in results.read_text().splitlines()}


def _stop_after(driver: subprocess.Popen, results_dir: Path, n_finished: int, sig: signal.Signals) -> dict[str, int]:
    deadline = time.monotonic() + 240
    while len(_finished(results_dir)) < n_finished:
        assert driver.poll() is None, "the search ended before it could be interrupted"
        assert time.monotonic() < deadline, "no trial finished in time"
        time.sleep(0.1)
    snapshot = _finished(results_dir)
    if sig == signal.SIGKILL:
        os.killpg(driver.pid, signal.SIGKILL)  # the driver and the local Ray it started, like a crash
    else:
        driver.send_signal(sig)
    driver.wait(timeout=120)
    return snapshot


def test_resume_after_sigint_then_sigkill_reruns_nothing(tmp_path):
    results_dir = tmp_path / "results"
    results_dir.mkdir()

    driver = _start(results_dir, "--num-samples", str(N_SAMPLES))
    after_sigint = _stop_after(driver, results_dir, 1, signal.SIGINT)
    assert driver.returncode == 130, _log(results_dir)  # SearchInterruptedError: Ray Tune saved its state

    driver = _start(results_dir, "--resume")
    after_sigkill = _stop_after(driver, results_dir, len(_finished(results_dir)) + 2, signal.SIGKILL)
    assert len(after_sigkill) < N_SAMPLES, "every trial finished before the kill; the test proved nothing"

    driver = _start(results_dir, "--resume")
    assert driver.wait(timeout=300) == 0, _log(results_dir)

    [search_dir] = results_dir.glob("*/tune-*")
    trials = pd.read_csv(search_dir / "trials.csv")
    assert len(trials) == N_SAMPLES
    # Ray deletes a superseded checkpoint before its storage snapshot names the new one
    # (ray-project/ray#27790): a trial that was running at the SIGKILL may find its
    # checkpoint gone. Only such trials may fail, and never a finished one.
    errored = trials[trials["status"] != "TERMINATED"]
    assert all("does not exist on storage anymore" in error for error in errored["error"]), errored
    assert not set(errored["trial"]) & set(after_sigkill)
    # Finished trials kept their results and reported no epoch twice.
    final = _finished(results_dir)
    for snapshot in (after_sigint, after_sigkill):
        assert {trial: final[trial] for trial in snapshot} == snapshot
    # A trial running at the SIGKILL may report again an epoch Ray's snapshot had not recorded.
    assert all(_epochs(results_dir, trial) == {0, 1, 2} for trial in final)
    assert (search_dir / "plot.png").exists()
