"""`report` on an experiment folder holding a single trial, a search and a failed run; bad paths exit 2."""

import json
import re
import shutil

import pytest
import tiny_task
from processes import run_python
from ray import tune

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.hyperlight import Runner, write_report

PACKAGE = "{{ cookiecutter.package_name }}"


@pytest.fixture(scope="module")
def experiment(tmp_path_factory, ray_local):
    """results/tiny after a single trial and a 2-trial search; the tests copy it before changing it."""
    results = tmp_path_factory.mktemp("results")
    extra = {**tiny_task.EXTRA_CONFIG, "results_dir": str(results)}
    runner = Runner(tiny_task.configure_dataloaders, experiment_id="tiny")
    single = runner.run_single_trial(tiny_task.LitTiny, tiny_task.CONFIG, extra)
    space = {**tiny_task.CONFIG, "lr": tune.loguniform(0.01, 0.1)}
    search = runner.run_hyper_opt(tiny_task.LitTiny, space, {**extra, "n_samples": 2, "cpu_per_trial": 1})
    return results / "tiny", single["results_dir"].name, search["results_dir"].name


def _images(page: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', page) + re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page)


def test_report_holds_the_run_table_the_best_config_and_every_figure(experiment):
    folder, single, search = experiment
    md_path, html_path = write_report(folder)

    assert md_path.parent == html_path.parent == folder / "report"
    for page in (md_path.read_text(), html_path.read_text()):
        assert "Runs" in page and "Best config" in page
        assert single in page and search in page and "search of 2 trials" in page and "single trial" in page
        images = _images(page)
        expected = {f"{single}-plot.png", f"{search}-plot.png", f"{search}-trial_curves.png"}
        expected |= {f"{search}-search_space.png", f"{search}-parallel_coordinates.png"}
        assert set(images) == expected
        assert all((md_path.parent / image).stat().st_size > 0 for image in images)
    html = html_path.read_text()
    assert "<table" in html and "<style>" in html  # the style inline: nothing to fetch
    assert "<script" not in html and "<link" not in html and not re.search(r'(src|href)="[a-z]+:', html)


def test_a_failed_run_is_listed_with_its_error(experiment, tmp_path):
    folder, _, _ = experiment
    shutil.copytree(folder, tmp_path / "tiny")
    failed = tmp_path / "tiny" / "20990101-000000-failed"
    failed.mkdir()
    manifest = {"status": "failed", "started": "2099-01-01T00:00:00", "error": "RuntimeError('planted')"}
    (failed / "manifest.json").write_text(json.dumps(manifest))

    md = write_report(tmp_path / "tiny")[0].read_text()
    assert "| 20990101-000000-failed" in md and "RuntimeError('planted')" in md
    assert "## Best config" in md  # from the runs that finished


def test_the_command_prints_what_it_wrote_and_never_loads_ray(experiment, capsys):
    folder, _, _ = experiment
    assert main(["report", str(folder)], task=tiny_task) == 0
    report = (folder / "report").resolve()
    assert capsys.readouterr().out.split() == [str(report / "report.md"), str(report / "report.html")]
    code = (
        f"import sys\nfrom {PACKAGE}.hyperlight import write_report\n"
        f"write_report({str(folder)!r})\nprint('RAY', 'ray' in sys.modules)\n"
    )
    done = run_python(code)
    assert "RAY False" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.mark.parametrize("where", ["missing", "empty", "results_root"])
def test_a_folder_without_runs_is_one_line_and_exit_code_2(experiment, tmp_path, capsys, where):
    folder, _, _ = experiment
    path = {"missing": tmp_path / "nowhere", "empty": tmp_path, "results_root": folder.parent}[where]
    assert main(["report", str(path)], task=tiny_task) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and str(path) in err
