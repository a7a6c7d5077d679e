"""Which devices a trial trains on: one CPU or GPU, or several processes with Lightning's DDP.

Several GPUs (`gpus` >= 2), or CPU processes (`num_processes` with gpus=0, the gloo backend), train one
trial with DDP in spawned processes: the run's folder, manifest and tracker belong to the calling
process, rank zero writes the epoch table and the checkpoint, and the calling process reloads the best
checkpoint and evaluates it on one device, once.
"""

from __future__ import annotations

from typing import Any

import torch

from .errors import ConfigError
from .settings import Settings

# Spawned, not launched as copies of the script (Lightning's "ddp"): a script, a test or the CLI
# then runs the trial once, and only the training itself runs in several processes.
DDP_STRATEGY = "ddp_spawn"


def n_processes(settings: Settings) -> int:
    """How many processes train one trial: the GPUs it names, or num_processes on the CPU."""
    if settings.gpus >= 2:
        return settings.gpus
    return settings.num_processes if settings.gpus == 0 else 1


def device_kwargs(settings: Settings, training: bool = True) -> dict[str, Any]:
    """The Trainer's accelerator, devices and strategy; training=False: one device, for evaluations.

    gpus: -1 takes one GPU if there is one (else the CPU), 0 forces the CPU, 1 or more require GPUs.
    """
    accelerator = {-1: "auto", 0: "cpu"}.get(settings.gpus, "gpu")
    processes = n_processes(settings) if training else 1
    return {"accelerator": accelerator, "devices": processes, **({"strategy": DDP_STRATEGY} if processes > 1 else {})}


def check_device(settings: Settings, training: bool = True) -> None:
    """A device request this machine cannot meet would fail inside Lightning, after the run folder exists.

    training=False checks only the one device an evaluation takes (a search's driver), as device_kwargs.
    """
    found = torch.cuda.device_count() if torch.cuda.is_available() else 0
    wanted = settings.gpus if training else min(settings.gpus, 1)
    if wanted >= 1 and found < wanted:
        raise ConfigError(
            f"gpus={settings.gpus} asks for {wanted} GPU(s), but torch sees {found}; "
            "use -1 (a GPU if there is one) or 0 (the CPU)"
        )
    if training and settings.num_processes > 1 and settings.gpus != 0:
        raise ConfigError(
            f"num_processes={settings.num_processes} runs DDP on the CPU and needs gpus=0, got gpus={settings.gpus}; "
            "for several GPUs set gpus to their number instead"
        )
