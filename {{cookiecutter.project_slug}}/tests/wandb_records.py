"""W&B's offline runs read back as `wandb sync` would upload them: for tests that check what a run tracked."""

import json
import struct
from pathlib import Path

from wandb.proto import wandb_internal_pb2

BLOCK, HEADER = 32768, 7  # W&B's transaction log uses LevelDB's log format: 32 KiB blocks, 7-byte headers


def _records(log: Path) -> list:
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
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            records.append(record)
            pending = b""
    return records


def _items(items) -> dict:
    return {item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in items}


def _offline_run(log: Path) -> dict:
    """What `wandb sync` would upload of one offline run: its group and name, config, history, summary, exit."""
    run = {"history": [], "summary": {}, "exit_code": None}
    for record in _records(log):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run.update(group=record.run.run_group, name=record.run.display_name)
            run["config"] = _items(record.run.config.update)
        elif kind == "history":
            run["history"].append(_items(record.history.item))
        elif kind == "summary":
            run["summary"].update(_items(record.summary.update))
        elif kind == "exit":
            run["exit_code"] = record.exit.exit_code
    return run


def offline_runs(folder: Path) -> list[dict]:
    """The offline runs under `folder`, once this process's W&B service has written all it holds.

    The service writes a run's log on its own time: a loaded machine read a finished run's log with
    no records yet. Tearing the service down flushes every run it served (a search's trials too);
    the runner's next run starts a new one.
    """
    import wandb

    wandb.teardown()
    return [_offline_run(log) for log in sorted(folder.glob("**/wandb/offline-run-*/run-*.wandb"))]
