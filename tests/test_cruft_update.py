"""A project baked with cruft takes template fixes with `cruft update` and keeps the user's own edits.

The runner lives inside each baked project (src/<package>/hyperlight/), so a fix to it reaches existing
projects only through an update. This test plays both sides on local git repositories: the template
maintainer fixes a runner file, the user has edited data.py, model.py and config.py, and `cruft update`
must bring the fix in, unrendered (the runner is in `_copy_without_render`), without touching those edits.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import TEMPLATE_ROOT

CRUFT = Path(sys.executable).parent / "cruft"
RUNNER_FILE = "hyperlight/errors.py"  # small, and kept by the runner's refactors
# Left unrendered in the project only if cruft honours _copy_without_render on update too.
TEMPLATE_FIX = "# template fix: {{ cookiecutter.package_name }} stays as written\n"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "template-test@example.org",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "template-test@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,  # no signing, hooks or aliases from the machine's git config
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _run(args: list, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, **GIT_ENV},  # e.g. a hook's GIT_DIR
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert not check or done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done


def _commit_all(repo: Path, message: str) -> str:
    _run(["git", "add", "--all"], repo)
    _run(["git", "commit", "--quiet", "--no-verify", "-m", message], repo)
    return _run(["git", "rev-parse", "HEAD"], repo).stdout.strip()


def _template_repo(dest: Path) -> Path:
    """The template's files as git sees them (tracked, or new and not ignored), committed in a fresh repo."""
    dest.mkdir()
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], TEMPLATE_ROOT).stdout
    for name in filter(None, listed.split("\0")):
        source = TEMPLATE_ROOT / name
        if source.is_file():  # a file deleted but not yet staged is still listed by --cached
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    _run(["git", "init", "--quiet"], dest)
    _commit_all(dest, "Template as it is now")
    return dest


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def _user_edits(package: Path) -> dict[Path, bytes]:
    """Edit the three files users are told to make their own; returns their committed bytes."""
    _append(package / "data.py", "# user edit: my own data set\n")
    _append(package / "model.py", "# user edit: my own model\n")
    config = package / "config.py"
    text, count = re.subn(r"(?m)^EXPERIMENT_ID = .*$", 'EXPERIMENT_ID = "my-own-experiment"', config.read_text())
    assert count == 1, "config.py no longer has an EXPERIMENT_ID line; pick another value to edit"
    config.write_text(text + "# user edit: my own settings\n")
    return {path: path.read_bytes() for path in (package / "data.py", package / "model.py", config)}


def test_cruft_update_brings_runner_fixes_and_keeps_user_edits(tmp_path):
    template = _template_repo(tmp_path / "template")
    _run([CRUFT, "create", "--no-input", "--default-config", template, "--output-dir", tmp_path / "out"], tmp_path)
    project = tmp_path / "out" / "digits-research"
    package = project / "src" / "digits_research"
    assert (project / ".cruft.json").is_file(), "cruft create wrote no .cruft.json"

    _run(["git", "init", "--quiet"], project)
    _commit_all(project, "Baked with cruft")
    kept = _user_edits(package)
    _commit_all(project, "My edits")

    runner_source = template / "{{cookiecutter.project_slug}}/src/{{cookiecutter.package_name}}" / RUNNER_FILE
    assert runner_source.is_file(), f"{RUNNER_FILE} left the template; point RUNNER_FILE at another runner file"
    _append(runner_source, TEMPLATE_FIX)
    fix_commit = _commit_all(template, "Fix the runner")

    assert _run([CRUFT, "check"], project, check=False).returncode == 1, "cruft check missed the new template commit"
    _run([CRUFT, "update", "--skip-apply-ask"], project)

    runner = (package / RUNNER_FILE).read_text()
    assert runner.endswith(TEMPLATE_FIX), f"the runner fix did not arrive (or was rendered):\n{runner[-500:]}"
    assert (package / RUNNER_FILE).read_bytes() == runner_source.read_bytes()
    for path, committed in kept.items():
        assert path.read_bytes() == committed, f"cruft update changed the user's {path.name}"
    # cruft exits 0 even when the patch conflicts, leaving *.rej files or merge markers behind.
    assert not list(project.rglob("*.rej")), "cruft update left rejected hunks"
    status = _run(["git", "status", "--porcelain"], project).stdout.splitlines()
    assert sorted(line[3:] for line in status) == [".cruft.json", f"src/digits_research/{RUNNER_FILE}"], status
    assert json.loads((project / ".cruft.json").read_text())["commit"] == fix_commit
    _run([CRUFT, "check"], project)
