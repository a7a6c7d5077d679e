"""The W&B key is read, never written: a planted key appears in no file a run leaves, and nowhere in its output.

`train` and a 2-trial `tune` run in subprocesses with their own HOME (holding the key as
~/.wandb_api_key, the reference's convention) and their own TMPDIR, so that Ray's session
folder, W&B's temporary files and anything written to HOME are scanned too. Offline, "written nowhere"
would also hold for a key nothing read: the process and each trial record the sha256 of the key
they hold, which must be the planted key's.
"""

import hashlib
import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import tiny_task
from processes import subprocess_env

from {{ cookiecutter.package_name }}.hyperlight import wandb_key

pytestmark = pytest.mark.slow

KEY = secrets.token_hex(20)  # 40 hex characters, the shape of a W&B key
HASH_DIR = "KEY_LEAK_HASH_DIR"  # where LitKeyHash writes, one file per process


def key_hash() -> str:
    return hashlib.sha256(os.environ.get("WANDB_API_KEY", "").encode()).hexdigest()


class LitKeyHash(tiny_task.LitTiny):
    """Records the hash of the key its process holds once training starts, when its W&B run has begun."""

    def on_train_start(self) -> None:
        (Path(os.environ[HASH_DIR]) / f"{os.getpid()}.sha256").write_text(key_hash())


@pytest.fixture
def home(tmp_path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    key_file = home / ".wandb_api_key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o600)
    return home


def _train_and_tune(settings: list[str], home: Path, tmp: Path) -> subprocess.CompletedProcess:
    """`train`, then a 2-trial `tune`, in one fresh interpreter (one start-up instead of two)."""
    (tmp / "hashes").mkdir()
    env = subprocess_env(HOME=str(home), TMPDIR=str(tmp), WANDB_MODE="offline", **{HASH_DIR: str(tmp / "hashes")})
    for name in ("WANDB_API_KEY", "WANDB_API_KEY_FILE", "WANDB_SILENT"):
        env.pop(name, None)
    # Run from tmp_path, so that a file written to the working folder is scanned too.
    env["PYTHONPATH"] = os.pathsep.join(str(Path(entry).resolve()) for entry in env["PYTHONPATH"].split(os.pathsep))
    code = (
        "import os, sys, types, tiny_task\n"
        "from test_key_leak import LitKeyHash, key_hash\n"
        "from {{ cookiecutter.package_name }}.cli import main\n"
        "task = types.SimpleNamespace(**{**vars(tiny_task), 'LMODULE_CLASS': LitKeyHash})\n"
        "task.SEARCH_SPACE_CONFIG = tiny_task.SEARCH_SPACE_CONFIG\n"
        f"code = main(['train', '--set', *{settings!r}], task=task)"
        f" or main(['tune', '--num-samples', '2', '--set', *{settings!r}], task=task)\n"
        "print('process', os.getpid(), 'holds the key with sha256', key_hash())\n"
        "sys.exit(code)\n"
    )
    # timeout: ends a hang only (the run took 45-60 s on 2 CPUs)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=540, cwd=home.parent)
    assert done.returncode == 0, done.stdout.decode()[-3000:] + done.stderr.decode()[-3000:]
    return done


def test_a_planted_key_is_written_nowhere(tmp_path, home):
    # Ray's socket paths must stay short: TMPDIR (Ray's session folder goes there) is a short path of its own.
    with tempfile.TemporaryDirectory(prefix="leak", dir="/tmp") as tmp:
        tmp = Path(tmp)
        settings = ["wandb_project=leak-test", f"results_dir={tmp_path / 'results'}", "max_epochs=2"]
        done = _train_and_tune(settings, home, tmp)

        runs = sorted((tmp_path / "results").rglob("wandb/offline-run-*/run-*.wandb"))
        assert len(runs) == 1 + 2 + 1  # train, two trials, the search's best
        files = [path for root in (tmp_path, tmp) for path in root.rglob("*") if path.is_file()]
        files.remove(home / ".wandb_api_key")
        assert any(path.name == "params.json" for path in files) and any(path.suffix == ".ckpt" for path in files)
        assert any("session_" in str(path) for path in files)  # Ray's session folder, logs included
        assert [path for path in files if KEY.encode() in path.read_bytes()] == []
        assert KEY.encode() not in done.stdout + done.stderr

        # ... and it was read: this process (its `train` and its driver) and a trial's worker held it.
        planted = hashlib.sha256(KEY.encode()).hexdigest()
        [(pid, held)] = re.findall(r"^process (\d+) holds the key with sha256 (\w+)$", done.stdout.decode(), re.M)
        hashes = {path.stem: path.read_text() for path in (tmp / "hashes").iterdir()}
        assert held == hashes.pop(pid) == planted  # `train`, and the end of `tune`
        assert hashes and set(hashes.values()) == {planted}, hashes  # the trials' own processes


def test_a_key_file_others_can_read_is_warned_about(home, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(home))
    for name in ("WANDB_API_KEY", "WANDB_API_KEY_FILE"):  # unset now, and again afterwards: resolve_mode sets one
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setattr(wandb_key, "_warned", set())
    wandb_key.resolve_mode()
    assert capsys.readouterr().err == ""  # mode 600: nothing to say

    (home / ".wandb_api_key").chmod(0o640)
    wandb_key.resolve_mode()
    wandb_key.resolve_mode()
    assert capsys.readouterr().err.splitlines() == [
        f"W&B: {home / '.wandb_api_key'} can be read by other users; "
        f"`chmod 600 {home / '.wandb_api_key'}` keeps the key yours"
    ]
    assert wandb_key.exposed_key_file() == home / ".wandb_api_key"
