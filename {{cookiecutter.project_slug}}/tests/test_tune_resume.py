"""`tune --resume` finishes a search whose driver was stopped, keeping what had finished.

The driver is stopped twice: with SIGINT (Ctrl-C, which Ray Tune handles), then with
SIGKILL (no chance to clean up). A finished trial is one that Ray's saved experiment
state, read back with `ExperimentAnalysis` after the stop, records as TERMINATED: that
state is all a resumed search knows.
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
    """Trials the saved experiment state records as finished, with their number of reported epochs."""
    from ray.tune import ExperimentAnalysis

    [experiment] = results_dir.glob("*/tune-*/ray")
    trials = ExperimentAnalysis(str(experiment)).trials
    return {
        trial.trial_id: len((Path(trial.path) / "result.json").read_text().splitlines())
        for trial in trials
        if trial.status == "TERMINATED"
    }


def _epochs(results_dir: Path, trial: str) -> set[int]:
    [results] = results_dir.glob(f"*/tune-*/ray/train_trial_{trial}_*/result.json")
    return {json.loads(line)["epoch"] for line in results.read_text().splitlines()}


def _stop_after(driver: subprocess.Popen, results_dir: Path, n_finished: int, sig: signal.Signals) -> dict[str, int]:
    """Stop the driver once the saved state records n_finished finished trials; return what it records then."""
    deadline = time.monotonic() + 240
    while True:
        assert driver.poll() is None, "the search ended before it could be interrupted"
        assert time.monotonic() < deadline, "too few trials finished in time"
        try:
            if len(_finished(results_dir)) >= n_finished:
                break
        except (ValueError, OSError):  # no state saved yet, or one being written
            pass
        time.sleep(0.2)
    if sig == signal.SIGKILL:
        os.killpg(driver.pid, signal.SIGKILL)  # the driver and the local Ray it started, like a crash
    else:
        driver.send_signal(sig)
    driver.wait(timeout=120)
    return _finished(results_dir)


def test_resume_after_sigint_then_sigkill_reruns_nothing(tmp_path):
    results_dir = tmp_path / "results"
    results_dir.mkdir()

    driver = _start(results_dir, "--num-samples", str(N_SAMPLES))
    after_sigint = _stop_after(driver, results_dir, 1, signal.SIGINT)
    assert driver.returncode == 130, _log(results_dir)  # SearchInterruptedError: Ray Tune saved its state

    driver = _start(results_dir, "--resume")
    after_sigkill = _stop_after(driver, results_dir, len(after_sigint) + 2, signal.SIGKILL)
    assert len(after_sigkill) < N_SAMPLES, "every trial had finished before the kill: the test proves nothing"

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
