"""Reject names that would break the baked project, before any file is written.

Cookiecutter deletes the half-made project folder when this hook exits non-zero.
"""

import keyword
import re
import sys

# Importing the project's package must not shadow one of its dependencies (or the stdlib).
SHADOWED = {
    "torch",
    "lightning",
    "pytorch_lightning",
    "torchmetrics",
    "ray",
    "hyperopt",
    "wandb",
    "pandas",
    "numpy",
    "matplotlib",
    "tabulate",
    "sklearn",
    "scipy",
    "tests",
    "test",
    "hyperlight",
} | set(sys.stdlib_module_names)


# An image reference as Docker reads it: [registry[:port]/]lowercase/path[:tag][@digest].
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE = re.compile(
    r"(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?" + _COMPONENT + "(?:/" + _COMPONENT + ")*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?"
)


def problem(package: str, slug: str, experiment_id: str, docker_image: str) -> str | None:
    if not package.isidentifier():
        return f"package_name '{package}' is not a valid Python identifier (use letters, digits and _)"
    if keyword.iskeyword(package) or keyword.issoftkeyword(package):
        return f"package_name '{package}' is a Python keyword"
    if package in SHADOWED:
        return f"package_name '{package}' shadows the module '{package}' that the project imports"
    for key, value in (("project_slug", slug), ("experiment_id", experiment_id)):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", value):
            return f"{key} '{value}' must start with a letter or digit and hold only letters, digits, '.', '_', '-'"
    if not IMAGE.fullmatch(docker_image):
        return f"docker_image '{docker_image}' is not an image reference like ghcr.io/lab/study:0.1 (lowercase path)"
    return None


# Raw triple quotes: a stray quote or backslash in a value still reaches problem() intact.
message = problem(
    r"""{{ cookiecutter.package_name }}""",
    r"""{{ cookiecutter.project_slug }}""",
    r"""{{ cookiecutter.experiment_id }}""",
    r"""{{ cookiecutter.docker_image }}""",
)
if message:
    print(f"ERROR: {message}; choose another name.", file=sys.stderr)
    sys.exit(1)
