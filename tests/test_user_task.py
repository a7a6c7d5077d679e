"""After a user swaps in another task, the baked project's own tests still pass.

A baked project's runner must not depend on the digits example: a researcher replaces
data.py, model.py and config.py with their own task and keeps the rest. Here the three
files of tests/user_task/ (a small MLP regression on synthetic data, optimizing a
min-mode val_loss_epoch, no callbacks) replace the digits ones in a default bake, and
the baked project's ruff check and pytest suite must pass unchanged.
"""

import shutil
from pathlib import Path

from test_baked_project_checks import BIN, run_baked_suite, run_in_project

USER_TASK = Path(__file__).resolve().parent / "user_task"
USER_FILES = ("data.py", "model.py", "config.py")


def test_baked_project_passes_its_tests_with_another_task(bake):
    project = bake()  # defaults: digits-research / digits_research
    package = project / "src" / "digits_research"
    for name in USER_FILES:
        shutil.copyfile(USER_TASK / name, package / name)

    swapped = [str(package / name) for name in USER_FILES]
    for args in (["check", *swapped], ["format", "--check", *swapped]):
        done = run_in_project([BIN / "ruff", *args], project)
        assert done.returncode == 0, done.stdout + done.stderr

    run_baked_suite(project)
