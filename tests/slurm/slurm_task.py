"""The task of the sbatch tests, copied into the bake: the baked tests' tiny task, whose trials note each epoch.

Each epoch a trial starts appends `<trial id> <epoch> <SLURM node> <SLURM_RESTART_COUNT>` to the file
named by EPOCH_LOG, which tells the tests on which node each trial ran and where a requeued one went on.
"""

import os

import tiny_task
from ray import tune
from tiny_task import CONFIG, EXPERIMENT_ID, EXTRA_CONFIG, LitTiny, configure_dataloaders  # noqa: F401

EPOCH_LOG = "HYPERLIGHT_TEST_EPOCH_LOG"


class LitOnNode(LitTiny):
    def on_train_epoch_start(self) -> None:
        trial = tune.get_context().get_trial_id()
        node, restart = os.environ["SLURMD_NODENAME"], os.environ.get("SLURM_RESTART_COUNT", "0")
        with open(os.environ[EPOCH_LOG], "a") as log:
            log.write(f"{trial} {self.current_epoch} {node} {restart}\n")


LMODULE_CLASS = LitOnNode


def __getattr__(name: str):
    return getattr(tiny_task, name)  # SEARCH_SPACE_CONFIG, built on first use
