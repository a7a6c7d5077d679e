"""One trial in two real CPU processes with Lightning's DDP (gloo), as it would run on two GPUs."""

import json
import os
from pathlib import Path

import lightning.pytorch as pl
import pytest
import tiny_task
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler

from {{ cookiecutter.package_name }}.hyperlight import Runner

# batch_size is per process. DDP's sampler shuffles the training data with the run's seed and deals every
# other sample to each process; one process drawing with that sampler alone (one replica) gets, step by
# step, the samples of both processes' half batches together, and DDP's mean of their gradients is its
# gradient: the runs differ by float rounding only.
TOLERANCE = 1e-4


class RecordRanks(pl.Callback):
    """Writes each process's rank, world size and pid; checks at the end that DDP kept the weights in sync."""

    def __init__(self, folder) -> None:
        self.folder = folder

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        record = {"rank": trainer.global_rank, "world": trainer.world_size, "pid": os.getpid()}
        (self.folder / f"rank-{trainer.global_rank}.json").write_text(json.dumps(record))

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if dist.is_available() and dist.is_initialized():
            checksum = torch.stack([p.detach().double().sum() for p in pl_module.parameters()]).sum().reshape(1)
            gathered = [torch.zeros_like(checksum) for _ in range(dist.get_world_size())]
            dist.all_gather(gathered, checksum)
            assert all(torch.equal(g, gathered[0]) for g in gathered), f"weights drifted apart: {gathered}"


class LitTinyFrozenHead(tiny_task.LitTiny):
    """The stub's fine-tuning schedule, in miniature: the first layer trains only from epoch 1 on."""

    def on_after_backward(self) -> None:
        if self.current_epoch == 0:
            for parameter in self.net[0].parameters():
                parameter.grad = None


def ddp_ordered_loaders(batch_size: int, n_workers: int = 0) -> dict:
    """tiny_task's loaders, the training batches drawn as Lightning's DistributedSampler draws them for
    two processes together (shuffled with the run's seed, as PL_GLOBAL_SEED passes it on)."""
    loaders = tiny_task.configure_dataloaders(batch_size, n_workers)
    train = loaders["train_loader"].dataset
    sampler = DistributedSampler(train, num_replicas=1, rank=0, shuffle=True, seed=tiny_task.EXTRA_CONFIG["seed"])
    return {**loaders, "train_loader": DataLoader(train, batch_size=batch_size, sampler=sampler)}


def _run_dirs(extra_config) -> list:
    return sorted((Path(extra_config["results_dir"]) / "test").iterdir())


@pytest.mark.parametrize("module", [tiny_task.LitTiny, LitTinyFrozenHead])
def test_two_processes_write_one_run_that_matches_one_process(runner, config, extra_config, tmp_path, capfd, module):
    assert extra_config["seed"] == tiny_task.EXTRA_CONFIG["seed"]  # the seed ddp_ordered_loaders shuffles with
    one = Runner(ddp_ordered_loaders, experiment_id="test").run_single_trial(module, config, extra_config)
    runner.pl_callbacks = [RecordRanks(tmp_path)]
    halves = {**config, "batch_size": config["batch_size"] // 2}
    capfd.readouterr()
    two = runner.run_single_trial(module, halves, {**extra_config, "gpus": 0, "num_processes": 2})
    # The processes share this terminal: one epoch table (rank zero's), then this process's summary.
    headers = [line for line in capfd.readouterr().out.splitlines() if line.split()[:2] == ["epoch", "stage"]]
    assert len(headers) == 2, headers

    records = [json.loads((tmp_path / f"rank-{rank}.json").read_text()) for rank in (0, 1)]
    assert {record["world"] for record in records} == {2}
    assert len({record["pid"] for record in records} | {os.getpid()}) == 3  # two new processes

    assert _run_dirs(extra_config) == sorted([one["results_dir"], two["results_dir"]])  # one folder each
    manifest = json.loads((two["results_dir"] / "manifest.json").read_text())
    assert (manifest["status"], manifest["processes"]) == ("finished", 2)
    assert len(list((two["results_dir"] / "checkpoints").glob("*.ckpt"))) == 1
    table = two["metrics"].table
    assert list(table.xs("Reval", level="stage").index) == [two["best_epoch_index"]]  # evaluated once
    assert list(table.xs("Test", level="stage").index) == [two["best_epoch_index"]]

    assert two["best_epoch_index"] == one["best_epoch_index"]
    for name in ("reval_loss_epoch", "test_loss_epoch"):
        assert two["metrics_last"][name] == pytest.approx(one["metrics_last"][name], abs=TOLERANCE), name
    assert isinstance(two["lmodule_best"], module)  # back in this process, with the best checkpoint's weights
    weights = one["lmodule_best"].state_dict()
    for name, value in two["lmodule_best"].state_dict().items():
        assert torch.allclose(value, weights[name], atol=TOLERANCE), name
    [checkpoint] = (two["results_dir"] / "checkpoints").glob("*.ckpt")
    saved = torch.load(checkpoint, map_location="cpu", weights_only=False)["state_dict"]
    assert all(torch.equal(value, saved[name]) for name, value in two["lmodule_best"].state_dict().items())


def test_cpu_processes_need_gpus_zero(runner, config, extra_config):
    from {{ cookiecutter.package_name }}.hyperlight import ConfigError

    with pytest.raises(ConfigError, match="num_processes=2 runs DDP on the CPU and needs gpus=0"):
        runner.run_single_trial(tiny_task.LitTiny, config, {**extra_config, "gpus": -1, "num_processes": 2})
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="gpus=2 asks for 2 GPU"):
            runner.run_single_trial(tiny_task.LitTiny, config, {**extra_config, "gpus": 2})
