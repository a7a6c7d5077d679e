"""Ctrl-C mid-run keeps the finished epochs: checkpoint, metrics, plot and a manifest that says so."""

import json
import signal
from pathlib import Path

import pytest
import tiny_task
from lightning.pytorch import Callback

from {{ cookiecutter.package_name }}.hyperlight import Runner


class CtrlCAtEpoch(Callback):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if trainer.current_epoch == self.epoch:
            raise KeyboardInterrupt


def test_interrupted_run_keeps_finished_epochs(config, extra_config):
    runner = Runner(tiny_task.configure_dataloaders, pl_callbacks=[CtrlCAtEpoch(2)])
    try:
        with pytest.raises(SystemExit):  # Lightning's graceful shutdown after Ctrl-C
            runner.run_single_trial(tiny_task.LitTiny, {**config, "max_epochs": 5}, extra_config)
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # Lightning ignores Ctrl-C afterwards

    [run_dir] = Path(extra_config["results_dir"]).glob("*/*")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["finished"] >= manifest["started"]
    epochs = [line.split(",")[:2] for line in (run_dir / "metrics.csv").read_text().splitlines()[1:]]
    assert epochs == [["Train", "0"], ["Train", "1"], ["Val", "0"], ["Val", "1"]]
    assert (run_dir / "plot.png").exists()
    assert len(list((run_dir / "checkpoints").glob("*.ckpt"))) == 1
