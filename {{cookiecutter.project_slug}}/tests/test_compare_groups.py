"""`compare` and `report` on repeat groups: a planted handicap is found, the same model is not told apart."""

import json

import pytest
import tiny_task

from {{ cookiecutter.package_name }}.cli import main

SEEDS = ["1", "2", "3", "4"]


def train_group(results, name, *settings, seeds=SEEDS):
    argv = ["train", "--seeds", *seeds, "--run-name", name, "--set", f"results_dir={results}", "max_epochs=2"]
    assert main([*argv, *settings], task=tiny_task) == 0
    [group] = (results / tiny_task.EXPERIMENT_ID).glob(f"{name}-seeds-*")
    return group


@pytest.fixture(scope="module")
def groups(tmp_path_factory):
    results = tmp_path_factory.mktemp("compare") / "results"
    return {
        "good": train_group(results, "good"),
        "handicapped": train_group(results, "handicapped", "lr=0.0005"),  # learns almost nothing in 2 epochs
        "good-again": train_group(results, "again", seeds=["11", "12", "13", "14"]),
    }


def test_a_planted_handicap_is_reported_with_p_below_005(groups, capsys):
    assert main(["compare", str(groups["good"]), str(groups["handicapped"])], task=tiny_task) == 0
    out = capsys.readouterr().out
    lines = {line.split(" on ")[1].split()[0]: line for line in out.splitlines() if " beats " in line}
    assert lines["test_acc_epoch"].startswith("good beats handicapped on test_acc_epoch by ")
    for line in lines.values():
        assert "n = 4 pairs of the same seeds" in line
        assert float(line.split("p = ")[1].split(",")[0]) < 0.05
        by = float(line.split(" by ")[1].split()[0])
        low, high = (float(x) for x in line.split("95% CI ")[1].split(",")[0].split(" to "))
        assert 0 < low < by < high, line  # the interval surrounds the stated (positive) difference
    assert lines["test_loss_epoch"].startswith("good beats handicapped")  # lower loss wins


def test_the_same_model_under_other_seeds_shows_no_difference(groups, capsys):
    assert main(["compare", str(groups["good"]), str(groups["good-again"])], task=tiny_task) == 0
    out = capsys.readouterr().out
    # The blobs are easy: every run of the model scores the same accuracy, so the loss is what varies.
    line = next(line for line in out.splitlines() if line.startswith("test_loss_epoch"))
    assert line.startswith("test_loss_epoch: no difference shown between good and again at n = 4 and 4 (p = ")
    assert 0.05 < float(line.split("p = ")[1].rstrip(")")) <= 1  # Welch's test, unpaired: other seeds


def test_a_group_whose_runs_differ_in_config_is_refused(groups, tmp_path, capsys):
    import shutil

    group = shutil.copytree(groups["good"], tmp_path / groups["good"].name)
    folder = json.loads((group / "manifest.json").read_text())["runs"]["2"]
    run_manifest = group / folder / "manifest.json"
    changed = json.loads(run_manifest.read_text())
    changed["config"]["n_hidden"] = 64
    run_manifest.write_text(json.dumps(changed))
    assert main(["compare", str(group), str(groups["handicapped"])], task=tiny_task) == 2
    assert "its runs differ in config key(s) n_hidden, not only the seed" in capsys.readouterr().err


def test_one_seed_is_refused_with_one_line(tmp_path, capsys):
    assert main(["train", "--seeds", "1", "--set", f"results_dir={tmp_path}"], task=tiny_task) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: seeds: a mean with a confidence interval needs at least 2 seeds, got 1"


def test_the_report_shows_each_group_and_the_comparisons(groups):
    experiment = groups["good"].parent
    assert main(["report", str(experiment)], task=tiny_task) == 0
    page = (experiment / "report" / "report.md").read_text()
    assert "## Repeat groups compared" in page
    assert "good beats handicapped on test_acc_epoch by " in page
    for group in groups.values():
        assert f"({group.name}-bands.png)" in page
        assert (experiment / "report" / f"{group.name}-bands.png").is_file()
