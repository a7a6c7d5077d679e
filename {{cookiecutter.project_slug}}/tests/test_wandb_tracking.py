"""Real W&B, offline: each run is a named W&B run inside its own results folder; W&B never fails a run."""

import json
from pathlib import Path

import pandas as pd
import pytest
import tiny_task
from lightning.pytorch.loggers import CSVLogger
from wandb_records import offline_runs

from {{ cookiecutter.package_name }}.hyperlight.single_trial import RUN_NAME, run_single_trial
from {{ cookiecutter.package_name }}.hyperlight.wandb_key import load_key_file, wandb_mode

pytestmark = pytest.mark.slow

STAGES = ("Train", "Val", "Reval", "Test")


def logged_epochs(run: dict) -> dict[str, list[float]]:
    """Each `<prefix>_acc_epoch` the run's history holds, in order, whatever the row."""
    return {
        prefix: [row[f"{prefix}_acc_epoch"] for row in run["history"] if f"{prefix}_acc_epoch" in row]
        for prefix in ("train", "val", "test")
    }


def epoch_table(result: dict) -> dict[str, list]:
    """What the W&B history should hold: the re-validation logs as `val` too, after the fit's epochs."""
    acc = {stage: result["metrics"].table.xs(stage, level="stage")["acc"].tolist() for stage in STAGES}
    return {"train": acc["Train"], "val": acc["Val"] + acc["Reval"], "test": acc["Test"]}


def test_a_single_trial_is_one_named_wandb_run_with_every_epoch_and_the_plot(config, extra_config, capfd, monkeypatch):
    monkeypatch.delenv("WANDB_SILENT")  # conftest's setting would silence W&B whatever the runner does
    extra_config["wandb_project"] = "hyperlight-tests"
    result = run_single_trial(
        tiny_task.configure_dataloaders, tiny_task.LitTiny, {**config, "max_epochs": 2}, extra_config,
        experiment_id="exp", run_name="baseline",
    )  # fmt: skip

    assert result[RUN_NAME] == "baseline" and result["results_dir"].name.startswith("baseline-")
    [run] = offline_runs(result["results_dir"])
    assert (run["group"], run["name"], run["exit_code"]) == ("exp", "baseline", 0)
    assert run["config"]["lr"] == config["lr"]
    assert run["config"]["extra_config"]["seed"] == tiny_task.EXTRA_CONFIG["seed"]
    assert len(result["metrics"].table.xs("Train", level="stage")) == 2
    assert logged_epochs(run) == epoch_table(result)  # every epoch once, nothing more
    [plot] = [row for row in run["history"] if row.get("plot/_type") == "image-file"]  # media values come flattened
    assert list(result["results_dir"].glob(f"wandb/offline-run-*/files/{plot['plot/path']}"))
    console = capfd.readouterr()  # both streams, also what W&B's own processes write
    assert "wandb:" not in console.out + console.err  # W&B's banners and run summary stay off the console


def test_a_run_without_a_name_is_named_after_its_module_and_folder(runner, config, extra_config):
    first = runner.run_single_trial(tiny_task.LitTiny, {**config, "max_epochs": 1}, extra_config)
    second = runner.run_single_trial(tiny_task.LitTiny, {**config, "max_epochs": 1}, extra_config)

    assert first[RUN_NAME] == first["results_dir"].name and first[RUN_NAME].startswith("LitTiny-")
    assert second["results_dir"] != first["results_dir"]
    assert json.loads((first["results_dir"] / "manifest.json").read_text())[RUN_NAME] == first[RUN_NAME]


def test_wandb_failing_to_start_costs_one_line_not_the_run(config, extra_config, monkeypatch, capsys):
    import wandb

    monkeypatch.setattr(wandb, "init", lambda *args, **kwargs: (_ for _ in ()).throw(OSError("disk full")))
    extra_config["wandb_project"] = "hyperlight-tests"
    result = run_single_trial(tiny_task.configure_dataloaders, tiny_task.LitTiny, config, extra_config)

    assert result["metrics_last"]["test_acc_epoch"] > 0
    assert [line for line in capsys.readouterr().err.splitlines() if "disk full" in line] == [
        "W&B: could not start a run (disk full); training goes on without W&B"
    ]


@pytest.mark.usefixtures("ray_local")
def test_a_search_tracks_each_trial_in_one_wandb_group_and_its_own_logger(runner, search_space, search_extra):
    runner.pl_loggers = [lambda trial_dir: CSVLogger(trial_dir, name="csv")]
    search_extra.update(wandb_project="hyperlight-tests", n_samples=2)
    result = runner.run_hyper_opt(tiny_task.LitTiny, {**search_space, "max_epochs": 2}, search_extra)

    search_dir, trials = result["results_dir"], result["trials"]
    runs = {run["name"]: run for run in offline_runs(search_dir)}
    best = runs.pop(f"{search_dir.name}-best")
    assert sorted(runs) == sorted(f"train_trial_{trial}" for trial in trials["trial"])
    assert {run["group"] for run in [best, *runs.values()]} == {f"test/{search_dir.name}"}
    # Every trial's run is complete, also of one that ASHA stopped and whose process Ray ended at once.
    for trial, epochs in zip(trials["trial"], trials["epochs"], strict=True):
        run = runs[f"train_trial_{trial}"]
        assert run["exit_code"] == 0 and len([row for row in run["history"] if "val_acc_epoch" in row]) == epochs
    for trial in trials[trials["epochs"] == 2]["trial"]:  # and the trial's own logger, when it ran to its end
        [logged] = search_dir.glob(f"ray/train_trial_{trial}_*/csv/version_0/metrics.csv")
        assert pd.read_csv(logged)["val_acc_epoch"].notna().sum() == 2
    assert best["summary"]["test_acc_epoch"] == pytest.approx(result["metrics_last"]["test_acc_epoch"])
    assert best["summary"]["reval_acc_epoch"] == pytest.approx(result["metrics_last"]["reval_acc_epoch"])
    assert best["config"]["lr"] == pytest.approx(result["best_config"]["lr"])


def test_wandb_stays_offline_until_a_login(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc from `wandb login`
    assert wandb_mode({}) == "offline"
    assert wandb_mode({"WANDB_API_KEY": "x" * 40}) is None  # a key: W&B decides (online)
    assert wandb_mode({"WANDB_MODE": "disabled"}) is None  # the user's own choice wins
    (tmp_path / ".wandb_api_key").write_text("h" * 40 + "\n")  # the reference's convention
    assert wandb_mode({}) is None
    (tmp_path / ".wandb_api_key").unlink()
    (tmp_path / ".netrc").write_text("machine api.wandb.ai\n  login user\n  password secret\n")
    (tmp_path / ".netrc").chmod(0o600)
    assert wandb_mode({}) is None


def test_a_mounted_key_file_logs_in_and_an_empty_one_stays_offline(tmp_path, monkeypatch):
    """docker-compose.yml passes the key as a secret file named by WANDB_API_KEY_FILE."""
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".wandb_api_key").write_text("h" * 40)
    key_file = tmp_path / "wandb_api_key"
    key_file.write_text("")
    assert wandb_mode({"WANDB_API_KEY_FILE": str(key_file)}) == "offline"  # the named file decides
    assert wandb_mode({"WANDB_API_KEY_FILE": str(tmp_path / "missing")}) == "offline"
    key_file.write_text("k" * 40 + "\n")
    environ = {"WANDB_API_KEY_FILE": str(key_file)}
    assert wandb_mode(environ) is None
    load_key_file(environ)
    assert environ["WANDB_API_KEY"] == "k" * 40
    environ = {"WANDB_API_KEY_FILE": str(key_file), "WANDB_API_KEY": "mine"}
    load_key_file(environ)
    assert environ["WANDB_API_KEY"] == "mine"  # an explicit key wins


def test_a_two_process_ddp_trial_is_one_wandb_run(runner, config, extra_config):
    """The calling process starts the run; rank zero's process attaches to it instead of starting its own."""
    result = runner.run_single_trial(
        tiny_task.LitTiny, config, {**extra_config, "gpus": 0, "num_processes": 2, "wandb_project": "ddp"}
    )
    [run] = offline_runs(result["results_dir"])
    logged = {name for row in run["history"] for name in row}
    assert {"train_acc_epoch", "val_acc_epoch"} <= logged  # from rank zero's process
    assert logged_epochs(run) == epoch_table(result)  # a second rank attached to the run would log each twice
    assert "test_acc_epoch" in logged  # from this one, after the fit
    assert run["exit_code"] == 0
    assert not list(Path.cwd().glob("wandb/offline-run-*"))  # no second run where a stray one would go


def test_a_repeat_group_is_one_wandb_group_with_a_summary_run(runner, config, extra_config):
    extra_config["wandb_project"] = "hyperlight-tests"
    result = runner.run_repeats(tiny_task.LitTiny, {**config, "max_epochs": 1}, extra_config, seeds=[1, 2])

    group_dir = result["group_dir"]
    runs = {run["name"]: run for run in offline_runs(group_dir)}
    group = f"test/{group_dir.name}"
    assert {run["group"] for run in runs.values()} == {group}
    assert set(runs) == {"LitTiny-seed1", "LitTiny-seed2", f"{group_dir.name}-summary"}
    summary = pd.read_csv(group_dir / "summary.csv", index_col="metric")
    logged = runs[f"{group_dir.name}-summary"]["summary"]
    assert logged["test_acc_epoch/mean"] == pytest.approx(summary.loc["test_acc_epoch", "mean"])
    assert logged["test_acc_epoch/ci_high"] == pytest.approx(summary.loc["test_acc_epoch", "ci_high"])
