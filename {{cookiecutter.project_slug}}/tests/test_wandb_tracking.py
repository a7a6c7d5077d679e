"""Real W&B, offline: a run writes its per-epoch history inside its own results folder."""

import json
import struct
from pathlib import Path

import pytest
import tiny_task
from wandb.proto import wandb_internal_pb2

from {{ cookiecutter.package_name }}.hyperlight.tracking import load_key_file, wandb_mode

BLOCK, HEADER = 32768, 7  # W&B's transaction log uses LevelDB's log format: 32 KiB blocks, 7-byte headers


def _records(log: Path) -> list[bytes]:
    """The protobuf records of a `.wandb` file, what `wandb sync` uploads."""
    data, pos, records, pending = log.read_bytes(), HEADER, [], b""
    while pos + HEADER <= len(data):
        left = BLOCK - pos % BLOCK
        _, length, kind = struct.unpack("<IHB", data[pos : pos + HEADER])
        if left < HEADER or (length, kind) == (0, 0):  # block padding
            pos += left
            continue
        pending += data[pos + HEADER : pos + HEADER + length]
        pos += HEADER + length
        if kind in (1, 4):  # a whole record, or the last piece of one
            records.append(pending)
            pending = b""
    return records


def _history(log: Path) -> list[dict]:
    rows = []
    for raw in _records(log):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(raw)
        if record.WhichOneof("record_type") == "history":
            items = record.history.item
            rows.append({item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in items})
    return rows


def test_single_trial_logs_every_epoch_to_wandb_offline(runner, config, extra_config):
    extra_config["wandb_project"] = "hyperlight-tests"
    result = runner.run_single_trial(tiny_task.LitTiny, {**config, "max_epochs": 2}, extra_config)

    [log] = (result["results_dir"] / "wandb").glob("offline-run-*/run-*.wandb")
    history = _history(log)
    val_acc = [row["val_acc_epoch"] for row in history if "val_acc_epoch" in row]
    expected = result["metrics"].df.xs("Val", level="stage")["acc"].tolist()
    assert val_acc[: len(expected)] == pytest.approx(expected)
    assert any("test_acc_epoch" in row for row in history)


def test_wandb_stays_offline_until_a_login(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc from `wandb login`
    assert wandb_mode({}) == "offline"
    assert wandb_mode({"WANDB_API_KEY": "x" * 40}) is None  # a key: W&B decides (online)
    assert wandb_mode({"WANDB_MODE": "disabled"}) is None  # the user's own choice wins
    (tmp_path / ".netrc").write_text("machine api.wandb.ai\n  login user\n  password secret\n")
    (tmp_path / ".netrc").chmod(0o600)
    assert wandb_mode({}) is None


def test_a_mounted_key_file_logs_in_and_an_empty_one_stays_offline(tmp_path, monkeypatch):
    """docker-compose.yml passes the key as a secret file named by WANDB_API_KEY_FILE."""
    monkeypatch.setenv("HOME", str(tmp_path))
    key_file = tmp_path / "wandb_api_key"
    key_file.write_text("")
    assert wandb_mode({"WANDB_API_KEY_FILE": str(key_file)}) == "offline"
    assert wandb_mode({"WANDB_API_KEY_FILE": str(tmp_path / "missing")}) == "offline"
    key_file.write_text("k" * 40 + "\n")
    environ = {"WANDB_API_KEY_FILE": str(key_file)}
    assert wandb_mode(environ) is None
    load_key_file(environ)
    assert environ["WANDB_API_KEY"] == "k" * 40
    environ = {"WANDB_API_KEY_FILE": str(key_file), "WANDB_API_KEY": "mine"}
    load_key_file(environ)
    assert environ["WANDB_API_KEY"] == "mine"  # an explicit key wins
