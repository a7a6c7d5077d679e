"""`python tests/tiny_cli.py train|tune ...`: the project's command line, run on the tests' tiny task.

Subprocess tests (resume, the cluster job) use it, so they keep passing whatever the
project's own data.py, model.py and config.py hold.
"""

import sys

import tiny_task

from {{ cookiecutter.package_name }}.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], task=tiny_task))
