"""Drop what the chosen options exclude, then say what to do next."""

from pathlib import Path

REMOVE = {
    "LICENSE": "{{ cookiecutter.license }}" == "Proprietary",
    "tests/test_wandb_tracking.py": "{{ cookiecutter.use_wandb }}" != "y",
}

for path, remove in REMOVE.items():
    if remove:
        Path(path).unlink()

print(
    """
Created {{ cookiecutter.project_slug }}. Next steps:

    cd {{ cookiecutter.project_slug }}
    python -m venv .venv && . .venv/bin/activate
    pip install torch          # pick your build first: CPU-only or a CUDA version
    pip install -e ".[dev]"
    python -m {{ cookiecutter.package_name }} train     # a single trial on digits
    pytest

Edit src/{{ cookiecutter.package_name }}/data.py, model.py and config.py to make it yours.
"""
)
