"""`tune --resume` finishes a search whose driver was stopped, keeping what had finished.

The driver is stopped twice, each time while a trial is part-way: with SIGINT (Ctrl-C,
which Ray Tune handles), then with SIGKILL (no chance to clean up). What a resumed search
knows is Ray's saved experiment state, read here with `ExperimentAnalysis` after each stop.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from processes import TINY_CLI, subprocess_env
from trial_reports import reports

pytestmark = pytest.mark.slow

N_SAMPLES, EPOCHS = 6, 4
# Each poll reads Ray's saved state (about 18 ms of CPU): often enough to catch a trial 2 of its 4 epochs of
# 0.4 s in, rarely enough to leave the CPUs to the search.
POLL_S = 0.25
# Per driver; ends a hang only: a phase took 20-60 s on 2 CPUs, and a machine 3x slower or loaded must pass.
PHASE_TIMEOUT_S = 400


@pytest.fixture
def start_driver(tmp_path):
    """Start `tune` on the tiny task in its own process group; kill every group left at teardown."""
    drivers = []

    def start(*args: str) -> subprocess.Popen:
        settings = [f"results_dir={tmp_path / 'results'}", f"max_epochs={EPOCHS}", f"epoch_upper_limit={EPOCHS}"]
        settings += [f"grace_period={EPOCHS}", "epoch_seconds=0.4"]
        log = open(tmp_path / f"driver-{len(drivers)}.log", "w")  # noqa: SIM115
        command = [sys.executable, str(TINY_CLI), "tune", *args, "--set", *settings]
        output = {"stdout": log, "stderr": subprocess.STDOUT}
        drivers.append(subprocess.Popen(command, env=subprocess_env(), start_new_session=True, **output))
        return drivers[-1]

    yield start
    for driver in drivers:
        try:
            os.killpg(driver.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _log(tmp_path: Path, tail: int | None = 3000) -> str:
    """The newest driver's log: its end (for assertion messages), or all of it with tail=None."""
    text = sorted(tmp_path.glob("driver-*.log"))[-1].read_text()
    return text if tail is None else text[-tail:]


def _state(tmp_path: Path) -> dict[str, tuple[str, list[int]]]:
    """Each trial's status in Ray's saved state, and the epochs its result.json records, in order."""
    from ray.tune import ExperimentAnalysis

    [experiment] = (tmp_path / "results").glob("*/tune-*/ray")
    state = {}
    for trial in ExperimentAnalysis(str(experiment)).trials:
        results = Path(trial.path) / "result.json"
        state[trial.trial_id] = (trial.status, [line["epoch"] for line in reports(results)] if results.exists() else [])
    return state


def _stop_mid_trial(driver, tmp_path: Path, n_finished: int, sig: signal.Signals) -> dict:
    """Stop the driver once n_finished trials are finished and another is 2+ epochs in; return the state then."""
    deadline = time.monotonic() + PHASE_TIMEOUT_S
    while True:
        assert driver.poll() is None, "the search ended before it could be interrupted"
        assert time.monotonic() < deadline, "the search never reached the point to interrupt it"
        try:
            state = _state(tmp_path)
        except (ValueError, OSError):  # no state saved yet, or one being written
            state = {}
        finished = [t for t, (status, _) in state.items() if status == "TERMINATED"]
        part_way = [t for t, (status, epochs) in state.items() if status != "TERMINATED" and len(epochs) >= 2]
        if len(finished) >= n_finished and part_way:
            break
        time.sleep(POLL_S)
    if sig == signal.SIGKILL:
        os.killpg(driver.pid, signal.SIGKILL)  # the driver and the local Ray it started, like a crash
    else:
        driver.send_signal(sig)
    driver.wait(timeout=PHASE_TIMEOUT_S)
    return _state(tmp_path)


def _finished(state: dict) -> dict[str, list[int]]:
    return {trial: epochs for trial, (status, epochs) in state.items() if status == "TERMINATED"}


def _assert_continued(before: dict, after: dict) -> list[str]:
    """A trial part-way at a stop goes on from its checkpoint: its next epoch is the last one again
    (when the stop beat Ray's bookkeeping of that epoch) or the one after, never an earlier one."""
    continued = []
    for trial, (status, epochs) in before.items():
        later = after[trial][1]
        assert later[: len(epochs)] == epochs, f"{trial} lost recorded epochs"
        if status != "TERMINATED" and epochs and len(later) > len(epochs):
            assert later[len(epochs)] in (epochs[-1], epochs[-1] + 1), f"{trial} restarted: {later}"
            continued.append(trial)
    return continued


@pytest.mark.time_limit(3 * PHASE_TIMEOUT_S)
def test_resume_after_sigint_then_sigkill_reruns_nothing(tmp_path, start_driver):
    driver = start_driver("--num-samples", str(N_SAMPLES))
    at_sigint = _stop_mid_trial(driver, tmp_path, 1, signal.SIGINT)
    assert driver.returncode == 130, _log(tmp_path)  # SearchInterruptedError: Ray Tune saved its state
    assert all(status != "ERROR" for status, _ in at_sigint.values()), at_sigint
    [search_dir] = (tmp_path / "results").glob("*/tune-*")
    assert json.loads((search_dir / "manifest.json").read_text())["status"] == "interrupted"

    driver = start_driver("--resume")
    at_sigkill = _stop_mid_trial(driver, tmp_path, len(_finished(at_sigint)) + 2, signal.SIGKILL)
    assert len(_finished(at_sigkill)) < N_SAMPLES, "every trial had finished before the kill: the test proves nothing"

    driver = start_driver("--resume", str(search_dir))
    assert driver.wait(timeout=PHASE_TIMEOUT_S) == 0, _log(tmp_path)
    final = _state(tmp_path)
    manifest = json.loads((search_dir / "manifest.json").read_text())
    assert manifest["status"] == "finished" and manifest["extra_config"]["n_samples"] == N_SAMPLES

    trials = pd.read_csv(search_dir / "trials.csv")
    assert len(trials) == N_SAMPLES
    # Ray deletes a superseded checkpoint before its storage snapshot names the new one
    # (ray-project/ray#27790): only a trial running at the SIGKILL may then fail, with that error.
    errored = trials[trials["status"] != "TERMINATED"]
    running_at_kill = {t for t, (status, _) in at_sigkill.items() if status != "TERMINATED"}
    assert set(errored["trial"]) <= running_at_kill, errored
    assert all("does not exist on storage anymore" in error for error in errored["error"]), errored
    # Finished trials keep their results line for line; part-way ones continue, never restart.
    for snapshot in (at_sigint, at_sigkill):
        assert {t: final[t][1] for t in _finished(snapshot)} == _finished(snapshot)
    continued = _assert_continued(at_sigint, at_sigkill) + _assert_continued(at_sigkill, final)
    assert continued, "no part-way trial was resumed: the test proves nothing"
    for trial, epochs in _finished(final).items():
        assert sorted(set(epochs)) == list(range(EPOCHS)), (trial, epochs)
    assert (search_dir / "plot.png").exists()


def test_sigterm_stops_the_search_as_ctrl_c_does_and_record_names_it(tmp_path, start_driver):
    """Batch schedulers end a job with SIGTERM (SLURM: preemption, requeue, the time limit via slurm/tune.sbatch)."""
    record = tmp_path / "search.txt"
    driver = start_driver("--num-samples", str(N_SAMPLES), "--record", str(record))
    at_sigterm = _stop_mid_trial(driver, tmp_path, 1, signal.SIGTERM)
    assert driver.returncode == 130, _log(tmp_path)  # not Ray's own SIGTERM exit, between two state snapshots
    assert "Stop signal received" in _log(tmp_path, tail=None)  # Ray Tune's own clean stop, early in the log
    assert all(status != "ERROR" for status, _ in at_sigterm.values()), at_sigterm
    [search_dir] = (tmp_path / "results").glob("*/tune-*")
    assert record.read_text() == f"{search_dir.resolve()}\n"
    assert json.loads((search_dir / "manifest.json").read_text())["status"] == "interrupted"
