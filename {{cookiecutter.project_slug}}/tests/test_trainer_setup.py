"""The reference's extra_config keys reach the Lightning Trainer as documented."""

import pytest
import torch

from {{ cookiecutter.package_name }}.hyperlight.single_trial import DEFAULTS
from {{ cookiecutter.package_name }}.hyperlight.trainer_setup import best_checkpoint, build_trainer, device_kwargs


@pytest.mark.parametrize(
    ("gpus", "expected"),
    [
        (-1, {"accelerator": "auto", "devices": 1}),
        (0, {"accelerator": "cpu", "devices": 1}),
        (1, {"accelerator": "gpu", "devices": 1}),
    ],
)
def test_gpus_maps_to_accelerator_and_devices(gpus, expected):
    assert device_kwargs(gpus) == expected


def test_trainer_honours_clip_precision_grace_and_determinism(config, extra_config, tmp_path):
    config.update(gradient_clip_val=0.5, n_steps_per_epoch=18)
    extra = {**DEFAULTS, **extra_config, "ptl_precision": "bf16-mixed", "ptl_early_stopping_grace_period": 4}
    torch.use_deterministic_algorithms(False)  # a global flag: earlier seeded runs leave it on
    checkpoint = best_checkpoint(tmp_path, extra)
    trainer = build_trainer(config, extra, tmp_path, [], [], [checkpoint])

    assert trainer.gradient_clip_val == 0.5
    assert trainer.precision == "bf16-mixed"
    assert trainer.fit_loop.min_epochs == 4
    assert trainer.max_epochs == config["max_epochs"]
    assert (checkpoint.monitor, checkpoint.mode) == ("val_acc_epoch", "max")
    assert checkpoint in trainer.callbacks
    assert torch.are_deterministic_algorithms_enabled()


def test_no_clipping_and_no_determinism_when_off(config, extra_config, tmp_path):
    config.update(gradient_clip_val=0, n_steps_per_epoch=18)
    torch.use_deterministic_algorithms(True)
    trainer = build_trainer(config, {**DEFAULTS, **extra_config, "seed": None}, tmp_path, [], [], [])

    assert trainer.gradient_clip_val is None
    assert not torch.are_deterministic_algorithms_enabled()
