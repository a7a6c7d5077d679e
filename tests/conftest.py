"""Bake helpers shared by the template tests."""

from pathlib import Path

import pytest

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
TEXT_SUFFIXES = {".py", ".toml", ".md", ".txt", ".json", ".yml", ".yaml", ".cfg", ".ini", ".ipynb", ".sh", ".sbatch"}
TEXT_SUFFIXES |= {""}  # extension-less files: Dockerfile, LICENSE


def text_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts]


@pytest.fixture
def bake(cookies):
    """Bake with extra_context and insist it worked; returns the project folder."""

    def _bake(**context) -> Path:
        result = cookies.bake(template=str(TEMPLATE_ROOT), extra_context=context)
        assert result.exit_code == 0, result.exception
        return Path(result.project_path)

    return _bake


def pytest_configure(config):
    config.addinivalue_line("markers", "image: builds and runs the baked image with buildah/podman (`make test-image`)")
    config.addinivalue_line("markers", "slurm: submits the sbatch scripts to a real SLURM cluster (`make test-slurm`)")
    config.addinivalue_line("markers", "browser: opens a page in Debian's chromium (`make test-integration`)")
    config.addinivalue_line("markers", "cluster: starts multi-node Ray clusters (`make test-integration`)")
    config.addinivalue_line("markers", "longest: the baked project's whole suite, which starts before every other test")


def pytest_collection_modifyitems(items) -> None:
    """The baked suite first: on make test's two workers (pytest-xdist's worksteal) it is the longest test,
    and the rest runs beside it on the other worker, which takes over the queue of the first. In file order
    it started after the bake-option tests, 17 s in, and the whole run waited that long for its end."""
    items.sort(key=lambda item: item.get_closest_marker("longest") is None)  # stable: the rest keep their order
