"""Cluster-path mistakes end in one line naming the culprit, before a trial starts, and lose nothing."""

import time

import pandas as pd
import pytest
import tiny_task
from processes import free_port

from {{ cookiecutter.package_name }}.cli import main

pytestmark = pytest.mark.slow


def _tune(tmp_path, *argv: str) -> int:
    return main(["tune", "--num-samples", "2", *argv, "--set", f"results_dir={tmp_path / 'results'}"], task=tiny_task)


def _one_error_line(capsys) -> str:
    [line] = capsys.readouterr().err.strip().splitlines()
    return line


@pytest.mark.usefixtures("no_ray")
def test_an_address_where_no_cluster_answers_fails_fast(tmp_path, capsys):
    address = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    assert _tune(tmp_path, "--address", address) == 2
    assert time.monotonic() - started < 30
    line = _one_error_line(capsys)
    assert f"no Ray cluster answers at {address}" in line and "`ray status`" in line
    assert not (tmp_path / "results").exists()


@pytest.mark.usefixtures("no_ray")
def test_unreachable_bucket_storage_path_fails_before_any_trial(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # an S3 endpoint nobody serves
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    started = time.monotonic()
    assert _tune(tmp_path, "--set", "storage_path=s3://hyperlight-missing/searches") == 2
    assert time.monotonic() - started < 30
    assert "storage_path 's3://hyperlight-missing/searches' is not usable" in _one_error_line(capsys)
    assert not (tmp_path / "results").exists()


@pytest.mark.usefixtures("no_ray")
def test_a_storage_folder_that_cannot_be_made_is_named(tmp_path, capsys):
    (tmp_path / "a_file").write_text("")
    assert _tune(tmp_path, "--set", f"storage_path={tmp_path / 'a_file' / 'searches'}") == 2
    assert "storage_path" in _one_error_line(capsys)


@pytest.mark.usefixtures("ray_local")
def test_resuming_a_finished_search_changes_nothing(tmp_path, capsys, request):
    assert _tune(tmp_path) == 0
    [search] = (tmp_path / "results").glob("*/tune-*")
    recorded = {path: path.read_bytes() for path in search.rglob("*") if path.is_file()}
    capsys.readouterr()

    request.getfixturevalue("no_ray")  # from here on, Ray must not start
    assert main(["tune", "--resume", str(search)], task=tiny_task) == 2
    assert "that search has finished" in _one_error_line(capsys)
    assert {path: path.read_bytes() for path in search.rglob("*") if path.is_file()} == recorded


@pytest.mark.usefixtures("ray_local")
def test_max_failures_retries_a_failed_trial(tmp_path):
    """Locally a failure is the code's, so none is retried unless asked: then the trial runs again."""
    marker = tmp_path / "failed-once"
    fault = ["fault=once", f"marker={marker}"]
    assert _tune(tmp_path, "--set", *fault, "max_failures=1") == 0
    assert marker.exists()
    [search] = (tmp_path / "results").glob("*/tune-*")
    assert set(pd.read_csv(search / "trials.csv")["status"]) == {"TERMINATED"}
