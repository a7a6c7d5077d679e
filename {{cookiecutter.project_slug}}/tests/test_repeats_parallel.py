"""On a Ray cluster the seeds of a group run side by side as Ray tasks, and their folders come home whole."""

import json
import os

import pytest
import tiny_task
from lightning.pytorch import Callback

from {{ cookiecutter.package_name }}.hyperlight import Runner


class RecordProcess(Callback):
    """Leaves the pid of the process that trained the run in its folder."""

    def on_train_start(self, trainer, pl_module):
        with open(os.path.join(trainer.default_root_dir, "pid"), "w") as out:
            out.write(str(os.getpid()))


@pytest.mark.usefixtures("ray_local")
def test_seeds_run_as_ray_tasks_and_their_folders_come_home(config, extra_config):
    import ray

    runner = Runner(tiny_task.configure_dataloaders, pl_callbacks=[RecordProcess()], experiment_id="par")
    address = ray.get_runtime_context().gcs_address
    result = runner.run_repeats(tiny_task.LitTiny, {**config, "max_epochs": 1}, extra_config, [1, 2], address=address)

    group_dir = result["group_dir"]
    pids = set()
    for seed, folder in result["runs"].items():
        run_dir = group_dir / folder
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert manifest["status"] == "finished" and manifest["seed"] == seed
        checkpoint = manifest["best_checkpoint"]
        assert checkpoint.startswith(str(run_dir)) and os.path.isfile(checkpoint)  # renamed where it now lies
        pids.add(int((run_dir / "pid").read_text()))
    assert len(pids) == 2 and os.getpid() not in pids  # two Ray worker processes, not this one
    assert (group_dir / "summary.csv").is_file()
