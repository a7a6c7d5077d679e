"""The settings reach the Lightning Trainer as documented."""

import dataclasses
import logging
import sys

import pytest
import tiny_task
import torch
from lightning.pytorch.callbacks import ModelSummary

from {{ cookiecutter.package_name }}.hyperlight import ConfigError, resolve_settings
from {{ cookiecutter.package_name }}.hyperlight.console import PROGRESS_DELAY_S, DelayedProgressBar
from {{ cookiecutter.package_name }}.hyperlight.devices import check_device, device_kwargs
from {{ cookiecutter.package_name }}.hyperlight.trainer_setup import best_checkpoint_callback, build_trainer


@pytest.mark.parametrize(
    ("gpus", "processes", "expected"),
    [
        (-1, 1, {"accelerator": "auto", "devices": 1}),
        (0, 1, {"accelerator": "cpu", "devices": 1}),
        (1, 1, {"accelerator": "gpu", "devices": 1}),
        (0, 3, {"accelerator": "cpu", "devices": 3, "strategy": "ddp_spawn"}),
        (4, 1, {"accelerator": "gpu", "devices": 4, "strategy": "ddp_spawn"}),
    ],
)
def test_gpus_and_processes_map_to_accelerator_devices_and_strategy(extra_config, gpus, processes, expected):
    settings = resolve_settings({**extra_config, "gpus": gpus, "num_processes": processes})
    assert device_kwargs(settings) == expected
    assert device_kwargs(settings, training=False) == {"accelerator": expected["accelerator"], "devices": 1}


@pytest.fixture
def settings(extra_config):
    return resolve_settings(extra_config)


def test_trainer_honours_clip_precision_grace_and_determinism(config, settings, tmp_path):
    config.update(gradient_clip_val=0.5, n_steps_per_epoch=8)
    settings = dataclasses.replace(settings, ptl_precision="bf16-mixed", ptl_early_stopping_grace_period=4)
    torch.use_deterministic_algorithms(False)  # a global flag: earlier seeded runs leave it on
    checkpoint = best_checkpoint_callback(tmp_path, settings)
    trainer = build_trainer(config, settings, tmp_path, [], [], [checkpoint])

    assert trainer.gradient_clip_val == 0.5
    assert trainer.precision == "bf16-mixed"
    assert trainer.early_stopping_callback.grace_epochs == 4
    assert not trainer.fit_loop.min_epochs  # the grace period is early stopping's, not a minimum run length
    assert trainer.max_epochs == tiny_task.CONFIG["max_epochs"]
    assert (checkpoint.monitor, checkpoint.mode) == ("val_acc_epoch", "max")
    assert trainer.callbacks[-1] is checkpoint
    assert trainer.early_stopping_callback.mode == "max"
    assert torch.are_deterministic_algorithms_enabled()


def test_no_clipping_and_no_determinism_when_off(config, settings, tmp_path):
    config.update(gradient_clip_val=0, n_steps_per_epoch=8)
    torch.use_deterministic_algorithms(True)
    trainer = build_trainer(config, dataclasses.replace(settings, seed=None), tmp_path, [], [], [])

    assert trainer.gradient_clip_val is None
    assert not torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize("tty", [True, False])
def test_a_delayed_progress_bar_only_in_a_terminal_and_the_model_summary_only_when_verbose(
    config, settings, tmp_path, monkeypatch, tty
):
    config.update(n_steps_per_epoch=8)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty)
    trainer = build_trainer(config, settings, tmp_path, [], [], [])
    [bar] = [cb for cb in trainer.callbacks if isinstance(cb, DelayedProgressBar)] or [None]
    assert (bar is not None) is tty and trainer.progress_bar_callback is bar
    if tty:
        assert bar.init_train_tqdm().delay == PROGRESS_DELAY_S and bar.init_validation_tqdm().disable
    summaries = [cb for cb in trainer.callbacks if isinstance(cb, ModelSummary)]
    assert summaries == []
    verbose = build_trainer(config, dataclasses.replace(settings, verbose=True), tmp_path, [], [], [])
    assert [cb for cb in verbose.callbacks if isinstance(cb, ModelSummary)]


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.mark.parametrize("own_handler", [True, False], ids=["lightnings-own-handler", "the-roots-handlers"])
def test_lightning_tips_are_hidden_unless_verbose(config, settings, tmp_path, monkeypatch, own_handler):
    """Lightning logs through a handler of its own when it is imported before any logging setup, and through the
    root's after one (`logging.basicConfig()`, or pytest collecting a module that imports it): both are quiet."""
    lines, lightning_logger = Lines(), logging.getLogger("lightning.pytorch")
    monkeypatch.setattr(lightning_logger, "propagate", not own_handler)
    monkeypatch.setattr(lightning_logger, "handlers", [lines] if own_handler else [])
    if not own_handler:
        monkeypatch.setattr(logging.getLogger(), "handlers", [lines])
    config.update(n_steps_per_epoch=8)
    build_trainer(config, settings, tmp_path, [], [], [])
    quiet, lines.lines = lines.lines, []
    build_trainer(config, dataclasses.replace(settings, verbose=True), tmp_path, [], [], [])
    assert [line for line in lines.lines if "Tip:" in line] and not [line for line in quiet if "Tip:" in line]


def test_an_evaluation_checks_only_the_one_device_it_takes(extra_config):
    settings = resolve_settings({**extra_config, "gpus": -1, "num_processes": 2})
    check_device(settings, training=False)  # a search's driver: num_processes is a single trial's setting
    with pytest.raises(ConfigError, match="num_processes=2 runs DDP on the CPU and needs gpus=0"):
        check_device(settings)
