"""The command line on the tests' tiny task: typed --set overrides, pinned keys, bad input and exit codes."""

import pandas as pd
import pytest
import tiny_task

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.hyperlight import ConfigError, apply_overrides
from {{ cookiecutter.package_name }}.hyperlight.overrides import parse_value


@pytest.mark.parametrize(
    ("text", "current", "expected"),
    [
        ("5", 20, 5),
        ("1e-3", 3e-3, 1e-3),
        ("1", 3e-3, 1.0),
        ("[0, 2]", [0, 1], [0, 2]),
        ("true", False, True),
        ("none", 16, None),
        ("min", "max", "min"),
        ("16", "32-true", "16"),
        ("bf16-mixed", "32-true", "bf16-mixed"),
    ],
)
def test_set_values_are_parsed_as_their_type(text, current, expected):
    value = parse_value(text, current)
    assert value == expected and type(value) is type(expected)


def test_set_overrides_the_dict_that_holds_the_key():
    config, extra = apply_overrides(["lr=0.1", "seed=7"], {"lr": 1e-3}, {"seed": 16})
    assert config == {"lr": 0.1} and extra == {"seed": 7}


@pytest.mark.parametrize(
    ("pair", "current", "message"),
    [
        ("fast_dev_run=maybe", False, "expected a bool like False, got 'maybe'"),
        ("fast_dev_run=1", False, "expected a bool like False, got '1'"),
        ("lr=1e-3x", 3e-3, "expected a float like 0.003, got '1e-3x'"),
        ("max_epochs=5.5", 20, "expected a int like 20, got '5.5'"),
        ("unfreeze_epochs=1", [0, 1], "expected a list like \\[0, 1\\], got '1'"),
    ],
)
def test_set_rejects_a_config_value_of_the_wrong_type(pair, current, message):
    key = pair.split("=")[0]
    with pytest.raises(ConfigError, match=f"--set {key}: {message}"):
        apply_overrides([pair], {key: current}, {})


def test_set_keeps_text_for_settings_that_take_text():
    _, extra = apply_overrides(["results_dir=2024", "wandb_project=true", "seed=3"], tiny_task.CONFIG, {})
    assert extra == {"results_dir": "2024", "wandb_project": "true", "seed": 3}


def test_fractional_resources_from_the_command_line():
    _, extra = apply_overrides(["gpu_per_trial=0.5", "cpu_per_trial=2"], tiny_task.CONFIG, tiny_task.EXTRA_CONFIG)
    assert (extra["gpu_per_trial"], extra["cpu_per_trial"]) == (0.5, 2)


@pytest.mark.parametrize("command", ["train", "tune"])
@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (["max_epoch=5"], "unknown key 'max_epoch' (did you mean 'max_epochs'?)"),
        (["max_epochs=five"], "--set max_epochs: expected a int like 3, got 'five'"),
        (["n_samples"], "--set expects key=value, got 'n_samples'"),
        (["metric_opt_mode=maximum"], "metric_opt_mode must be 'min' or 'max', got 'maximum'"),
    ],
)
def test_bad_input_exits_2_naming_the_culprit(command, settings, message, tmp_path, capsys):
    assert main([command, "--set", f"results_dir={tmp_path}", *settings], task=tiny_task) == 2
    [line] = capsys.readouterr().err.strip().splitlines()  # one line, no traceback
    assert message in line
    assert list(tmp_path.iterdir()) == []  # nothing started


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--resume", "--num-samples", "3"], "--num-samples cannot change a search being resumed"),
        (["--resume"], "no search to resume under"),
        (["--resume", "results"], "not a search folder"),
    ],
)
@pytest.mark.usefixtures("no_ray")
def test_tune_resume_mistakes_exit_before_ray_starts(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    assert main(["tune", *argv, "--set", f"results_dir={tmp_path / 'results'}"], task=tiny_task) == 2
    assert message in capsys.readouterr().err


@pytest.mark.usefixtures("ray_local")
def test_a_key_pinned_with_set_is_not_searched(tmp_path):
    argv = ["tune", "--num-samples", "2", "--set", f"results_dir={tmp_path}", "max_epochs=2", "epoch_upper_limit=6"]
    argv.append("grace_period=2")  # ASHA stops no trial before its 2 epochs
    assert main(argv, task=tiny_task) == 0
    [search] = tmp_path.glob("*/tune-*")
    trials = pd.read_csv(search / "trials.csv")
    assert "config/max_epochs" not in trials and "config/lr" in trials
    assert set(trials["epochs"]) == {2}  # pinned at 2, though ASHA would allow 6


@pytest.mark.usefixtures("ray_local")
def test_a_search_where_every_trial_fails_exits_1(tmp_path, capsys):
    argv = ["tune", "--num-samples", "2", "--set", f"results_dir={tmp_path}", "fault=raise"]
    assert main(argv, task=tiny_task) == 1
    assert "planted fault" in capsys.readouterr().err
