"""The Runner takes PyTorch Hyperlight's arguments, in its order: is_debug and log2wandb map onto settings."""

import json

import tiny_task

from {{ cookiecutter.package_name }}.hyperlight import Runner


def _manifest(result) -> dict:
    return json.loads((result["results_dir"] / "manifest.json").read_text())


def _wandb_runs(result) -> list:
    return list(result["results_dir"].glob("**/wandb/offline-run-*"))


def test_is_debug_makes_every_run_a_fast_dev_run(config, extra_config):
    runner = Runner(tiny_task.configure_dataloaders, None, None, True, "debug")  # the reference's positions
    result = runner.run_single_trial(tiny_task.LitTiny, config, extra_config)

    assert config["max_epochs"] == 3
    assert list(result["metrics"].table.index) == [("Train", 0), ("Val", 0), ("Reval", 0), ("Test", 0)]
    assert _manifest(result)["extra_config"]["fast_dev_run"] is True
    assert result["results_dir"].parent.name == "debug"


def test_log2wandb_true_tracks_in_the_experiments_project(config, extra_config):
    runner = Runner(tiny_task.configure_dataloaders, is_debug=True, experiment_id="tracked", log2wandb=True)
    result = runner.run_single_trial(tiny_task.LitTiny, config, {**extra_config, "wandb_project": None})

    assert _manifest(result)["extra_config"]["wandb_project"] == "tracked"
    assert len(_wandb_runs(result)) == 1


def test_log2wandb_false_turns_a_configured_project_off(config, extra_config):
    runner = Runner(tiny_task.configure_dataloaders, is_debug=True, log2wandb=False)
    result = runner.run_single_trial(tiny_task.LitTiny, config, {**extra_config, "wandb_project": "mine"})

    assert _manifest(result)["extra_config"]["wandb_project"] is None
    assert _wandb_runs(result) == []


def test_without_log2wandb_the_settings_decide(config, extra_config):
    runner = Runner(tiny_task.configure_dataloaders, is_debug=True)
    result = runner.run_single_trial(tiny_task.LitTiny, config, {**extra_config, "wandb_project": "mine"})

    assert _manifest(result)["extra_config"]["wandb_project"] == "mine"
    assert len(_wandb_runs(result)) == 1
