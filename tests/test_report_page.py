"""`report` after a real `train` and `tune` in a baked project, opened from disk in headless Chromium.

The page must show its run table, and every figure must load (naturalWidth > 0) with no request
leaving the disk, from a relative path, once the report folder is moved elsewhere.
A full-page screenshot is left in the test's tmp_path; its path is printed.

Needs Debian's `chromium` and Playwright (requirements-dev.txt) to drive it; skipped without
them, unless HYPERLIGHT_BROWSER_TEST_REQUIRED=1 (CI) turns the skip into a failure.
"""

import os
import shutil
import sys
from urllib.parse import unquote, urlsplit

import pytest
from test_baked_project_checks import run_in_project

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PACKAGE = "digits_research"  # of the default bake
pytestmark = pytest.mark.browser  # needs a system package: `make test-integration`, not `make test`
RUN_TIMEOUT_S = 600  # per command; ends a hang only (train, tune and report took about 2 min together)


@pytest.fixture
def chromium():
    """A Chromium that Playwright drives: found before the slow bake, so a skip costs nothing."""
    executable = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright, reason = None, "Playwright is not installed (pip install -r requirements-dev.txt)"
    else:
        reason = None if executable else "Debian's chromium is not installed (apt-get install chromium)"
    if reason:
        if os.environ.get("HYPERLIGHT_BROWSER_TEST_REQUIRED") == "1":
            pytest.fail(f"HYPERLIGHT_BROWSER_TEST_REQUIRED=1, but {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _run(project, *args: str) -> str:
    done = run_in_project([sys.executable, "-m", PACKAGE, *args], project, timeout=RUN_TIMEOUT_S)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_report_opens_from_disk_with_its_table_and_every_figure(bake, chromium, tmp_path, capsys):
    project = bake()
    results = tmp_path / "results"
    where = ["--set", "gpus=0", f"results_dir={results}"]
    _run(project, "train", "--fast-dev-run", *where)
    _run(project, "tune", "--fast-dev-run", "--num-samples", "2", *where, "cpu_per_trial=1", "gpu_per_trial=0")
    [experiment] = results.iterdir()
    printed = _run(project, "report", str(experiment)).split()
    html = experiment / "report" / "report.html"
    assert printed == [str(html.parent.resolve() / "report.md"), str(html.resolve())]

    # Moved elsewhere, as one shares a report: a figure found by an absolute path, or outside the folder, breaks.
    moved = tmp_path / "shared-report"
    shutil.move(html.parent, moved)
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((moved / html.name).resolve().as_uri(), wait_until="load")
    screenshot = tmp_path / "report.png"
    page.screenshot(path=screenshot, full_page=True)
    with capsys.disabled():
        print(f"\nscreenshot of the report page: {screenshot}")

    runs = sorted(path.name for path in experiment.iterdir() if (path / "manifest.json").exists())
    first_table = page.locator("table").first
    assert first_table.is_visible()
    assert all(run in first_table.inner_text() for run in runs) and len(runs) == 2
    images = page.eval_on_selector_all("img", "imgs => imgs.map(img => [img.getAttribute('src'), img.naturalWidth])")
    assert len(images) == 5, images  # the trial's curves; the search's best curves, trial curves, space, parallel
    assert all(not urlsplit(src).scheme and not src.startswith("/") for src, _ in images), images  # relative
    assert all(width > 0 and (moved / unquote(src)).is_file() for src, width in images), images
    assert all(url.startswith("file://") for url in requests), requests


def test_report_of_repeat_groups_shows_their_bands_and_the_comparison(bake, chromium, tmp_path):
    project = bake()
    results = tmp_path / "results"
    where = ["--set", "gpus=0", f"results_dir={results}", "max_epochs=2"]
    _run(project, "train", "--seeds", "2", "--run-name", "wide", *where)
    _run(project, "train", "--seeds", "2", "--run-name", "narrow", *where, "n_hidden=8")
    [experiment] = results.iterdir()
    _run(project, "report", str(experiment))
    html = experiment / "report" / "report.html"

    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(html.resolve().as_uri(), wait_until="load")
    page.screenshot(path=tmp_path / "groups.png", full_page=True)
    text = page.locator("body").inner_text()
    assert "Repeat groups compared" in text
    assert "wide beats narrow on test_acc_epoch" in text or "test_acc_epoch: no difference shown" in text
    images = page.eval_on_selector_all("img", "imgs => imgs.map(img => [img.getAttribute('src'), img.naturalWidth])")
    bands = [(src, width) for src, width in images if src.endswith("-bands.png")]
    assert len(bands) == 2 and all(width > 0 for _, width in bands), images
