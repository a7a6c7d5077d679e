"""The command line: light --help, typed --set overrides, end-to-end train without Ray."""

import subprocess
import sys

import pytest

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.hyperlight import ConfigError
from {{ cookiecutter.package_name }}.hyperlight.overrides import apply_overrides, parse_value

PACKAGE = "{{ cookiecutter.package_name }}"
HEAVY = ("torch", "ray", "lightning")


def _run_module(argv: list[str]) -> str:
    """Run `python -m PACKAGE argv` in a fresh interpreter; report exit code and heavy imports."""
    code = (
        "import runpy, sys\n"
        f"sys.argv = [{PACKAGE!r}, *{argv!r}]\n"
        "try:\n"
        f"    runpy.run_module({PACKAGE!r}, run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    print('EXIT', exit.code)\n"
        f"print('HEAVY', sorted(set(m.split('.')[0] for m in sys.modules) & set({HEAVY!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    return done.stdout + done.stderr


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"]])
def test_help_imports_neither_torch_nor_ray(argv):
    out = _run_module(argv)
    assert "usage:" in out
    assert "HEAVY []" in out


def test_train_fast_dev_run_end_to_end_without_ray(tmp_path):
    out = _run_module(["train", "--fast-dev-run", "--set", "gpus=0", f"results_dir={tmp_path}"])
    assert "EXIT 0" in out, out
    assert "HEAVY ['lightning', 'torch']" in out
    assert len(list(tmp_path.glob("*/*/plot.png"))) == 1


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
def test_set_rejects_a_value_of_the_wrong_type(pair, current, message):
    key = pair.split("=")[0]
    with pytest.raises(ConfigError, match=f"--set {key}: {message}"):
        apply_overrides([pair], {key: current})


def test_unknown_set_key_exits_with_a_suggestion(capsys):
    assert main(["train", "--set", "max_epoch=5"]) == 2
    assert "unknown key 'max_epoch' (did you mean 'max_epochs'?)" in capsys.readouterr().err


def test_search_resources_take_fractions_from_the_command_line():
    from {{ cookiecutter.package_name }} import config

    _, extra = apply_overrides(["gpu_per_trial=0.5", "cpu_per_trial=2"], config.CONFIG, config.EXTRA_CONFIG)
    assert (extra["gpu_per_trial"], extra["cpu_per_trial"]) == (0.5, 2.0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--resume", "--num-samples", "3"], "--num-samples cannot change a search being resumed"),
        (["--resume"], "no search to resume under"),
        (["--resume", "results"], "not a search folder"),
    ],
)
def test_tune_resume_mistakes_exit_before_ray_starts(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    assert main(["tune", *argv, "--set", f"results_dir={tmp_path / 'results'}"]) == 2
    assert message in capsys.readouterr().err
