"""Drop what the chosen options exclude, then say what to do next."""

from pathlib import Path

REMOVE = {
    "LICENSE": "{{ cookiecutter.license }}" == "Proprietary",
    "tests/test_wandb_tracking.py": "{{ cookiecutter.use_wandb }}" != "y",
    "tests/test_key_leak.py": "{{ cookiecutter.use_wandb }}" != "y",
    "tests/wandb_records.py": "{{ cookiecutter.use_wandb }}" != "y",
    "cluster.yaml": "{{ cookiecutter.cloud_provider }}" == "none",
}

for path, remove in REMOVE.items():
    if remove:
        Path(path).unlink()

print(
    """
Created {{ cookiecutter.project_slug }}. Next steps:

    cd {{ cookiecutter.project_slug }}
    python -m venv .venv && . .venv/bin/activate
    pip install "uv==0.13.9"
    uv pip install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu   # CPU-only machines
    uv pip install -c requirements.lock -e ".[dev]"   # the locked versions of everything else
    python -m {{ cookiecutter.package_name }} train     # a single trial on digits
    pytest

Edit src/{{ cookiecutter.package_name }}/data.py, model.py and config.py to make it yours.
"""
)
