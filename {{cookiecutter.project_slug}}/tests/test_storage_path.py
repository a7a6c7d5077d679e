"""Results come home: with storage_path set, the search's own folder goes beside Ray's experiment there,
and `report` reads it back from there, on s3:// (moto's S3 server on 127.0.0.1) and on a shared folder.

A cluster's driver runs in a working directory that `ray down` or the end of a KubeRay job deletes: the
tests delete the local results folder after the search to stand for that.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.fs
import pytest
import tiny_task
from processes import TINY_CLI, free_port, subprocess_env

import {{ cookiecutter.package_name }}
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.hyperlight.manifest import MANIFEST_FILE
from {{ cookiecutter.package_name }}.hyperlight.report import REPORT_FOLDER, REPORT_HTML
from {{ cookiecutter.package_name }}.hyperlight.results import METRICS_FILE, PLOT_FILE, SEARCH_PREFIX
from {{ cookiecutter.package_name }}.hyperlight.storage import RAY_FOLDER
from {{ cookiecutter.package_name }}.hyperlight.trial_tables import TRIALS_FILE

pytestmark = pytest.mark.slow

BUCKET = "hyperlight-test"
SEARCH_FILES = {MANIFEST_FILE, TRIALS_FILE, METRICS_FILE, PLOT_FILE}
TIMEOUT_S = 600  # ends a hang only: a 2-trial search of 2 epochs takes about 30 s
SETTINGS = ("max_epochs=2", "grace_period=2", "cpu_per_trial=1")
SRC = str(Path({{ cookiecutter.package_name }}.__file__).resolve().parents[1])  # importable from any folder


@pytest.fixture(scope="module")
def s3():
    """moto's S3 server, as Ray's own tests use it, on 127.0.0.1; pyarrow and boto3 reach it by AWS_ENDPOINT_URL."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], **_credentials(env)).create_bucket(Bucket=BUCKET)
    yield env
    server.stop()


def _credentials(env: dict) -> dict:
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "region_name": env["AWS_DEFAULT_REGION"],
    }


def _cli(cwd, env: dict, *argv: str) -> subprocess.CompletedProcess:
    """The command line on the tiny task, in a process of its own (so its Ray trials get `env` too), run
    from `cwd` as from a project folder: results/ is there."""
    path = os.pathsep.join([SRC, subprocess_env()["PYTHONPATH"]])
    return subprocess.run(
        [sys.executable, str(TINY_CLI), *argv],
        cwd=cwd,
        env=subprocess_env(WANDB_MODE="offline", **env, PYTHONPATH=path),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


def _files(filesystem, root: str) -> set[str]:
    infos = filesystem.get_file_info(pyarrow.fs.FileSelector(root, recursive=True))
    return {info.path.removeprefix(f"{root}/") for info in infos if info.type == pyarrow.fs.FileType.File}


def test_a_search_on_s3_leaves_its_folder_beside_rays_and_report_fetches_it(tmp_path, s3):
    """In a process of its own: its local Ray's trials need the server's address and credentials."""
    done = _cli(tmp_path, s3, "tune", "--num-samples", "2", "--set", f"storage_path=s3://{BUCKET}/searches", *SETTINGS)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    shutil.rmtree(tmp_path / "results")  # the driver's working directory goes with the job

    filesystem = pyarrow.fs.S3FileSystem(endpoint_override=s3["AWS_ENDPOINT_URL"], scheme="http")
    stored = _files(filesystem, f"{BUCKET}/searches/tiny")
    [search] = {path.split("/")[0] for path in stored}
    assert search.startswith(SEARCH_PREFIX)
    assert SEARCH_FILES <= {path.removeprefix(f"{search}/") for path in stored}, stored
    assert any(path.startswith(f"{search}/{RAY_FOLDER}/") for path in stored)  # beside Ray's experiment

    done = _cli(tmp_path, s3, "report", f"s3://{BUCKET}/searches/tiny")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    fetched = tmp_path / "results" / "tiny" / search
    assert SEARCH_FILES <= {path.name for path in fetched.iterdir()}
    assert not (fetched / RAY_FOLDER).exists()  # Ray's checkpoints stay in the bucket
    assert (tmp_path / "results" / "tiny" / REPORT_FOLDER / REPORT_HTML).is_file()


@pytest.mark.usefixtures("ray_local")
def test_a_search_on_a_shared_folder_leaves_its_folder_there_and_report_reads_it(tmp_path, monkeypatch, capsys):
    """In this process (a folder needs no credentials in the trials), from tmp_path as the project folder."""
    shared = tmp_path / "shared"
    monkeypatch.chdir(tmp_path)
    assert main(["tune", "--num-samples", "2", "--set", f"storage_path={shared}", *SETTINGS], task=tiny_task) == 0
    shutil.rmtree(tmp_path / "results")  # the driver's working directory goes with the job

    [search] = (shared / "tiny").glob(f"{SEARCH_PREFIX}*")
    assert SEARCH_FILES <= {path.name for path in search.iterdir()}
    assert (search / RAY_FOLDER).is_dir()
    capsys.readouterr()
    assert main(["report", str(shared / "tiny")], task=tiny_task) == 0
    assert (shared / "tiny" / REPORT_FOLDER / REPORT_HTML).is_file()
