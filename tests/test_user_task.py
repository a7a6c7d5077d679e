"""After a user swaps in another task, the baked project's own tests still pass.

A baked project's runner must not depend on the digits example: a researcher replaces
data.py, model.py and config.py with their own task and keeps the rest. Here the three
files of tests/user_task/ (a small MLP regression on synthetic data, optimizing a
min-mode val_loss_epoch, no callbacks) replace the digits ones in a bake, and
the baked project's ruff check and the tests that run the project's own files must pass.
Every other baked test runs the runner on its own tiny task; the second test proves they
never import the user's files, so the default bake's run already covers them.

The swap goes into a use_wandb=n bake, where `import wandb` fails: the same run proves that
such a project trains, tunes, runs single trials and other loggers without W&B. The digits
stubs' own run without W&B is in test_baked_project_checks.py.
"""

import ast
import shutil
from pathlib import Path

from test_baked_project_checks import BIN, hide_wandb, run_baked_suite, run_in_project

USER_TASK = Path(__file__).resolve().parent / "user_task"
USER_FILES = ("data.py", "model.py", "config.py")
# The baked tests that run the project's files (`train`/`tune` through the CLI), and its import rules, which
# the user's files must keep too. test_cli runs the tests' own task, as the other baked tests do.
PROJECT_TESTS = ("tests/test_project_task.py", "tests/test_layout.py")
# The other baked tests that go through tracking code, run with W&B unimportable; the rest run the same
# code with no W&B setting, and the default bake's run covers them.
TRACKING_TESTS = ("tests/test_single_trial.py", "tests/test_loggers.py")
USER_NAMES = {f"digits_research.{name}" for name in ("data", "model", "config", "cli.ProjectTask")} | {"main()"}


def test_baked_project_passes_its_tests_with_another_task_and_wandb_unimportable(bake, tmp_path):
    path = hide_wandb(tmp_path)
    project = bake(use_wandb="n")  # otherwise the defaults: digits-research / digits_research
    package = project / "src" / "digits_research"
    for name in USER_FILES:
        shutil.copyfile(USER_TASK / name, package / name)

    swapped = [str(package / name) for name in USER_FILES]
    for args in (["check", *swapped], ["format", "--check", *swapped]):
        done = run_in_project([BIN / "ruff", *args], project)
        assert done.returncode == 0, done.stdout + done.stderr

    run_baked_suite(project, *PROJECT_TESTS, *TRACKING_TESTS, path=path, parallel=False)


def _reaches_user_files(source: str) -> bool:
    """Imports data/model/config, runs the package (`-m`, runpy, ProjectTask), or calls main() without a task."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            names = {alias.name for alias in node.names}
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "main":
            names = set() if any(keyword.arg == "task" for keyword in node.keywords) else {"main()"}
        else:
            continue
        if names & USER_NAMES:
            return True
    return "run_module" in source or '"-m", PACKAGE' in source


def test_only_the_project_tests_run_the_users_files(bake):
    """A baked test that reaches data.py, model.py or config.py belongs in PROJECT_TESTS."""
    for test in sorted((bake() / "tests").glob("*.py")):
        if _reaches_user_files(test.read_text()):
            assert f"tests/{test.name}" in PROJECT_TESTS, f"{test.name} runs the user's files"
