"""The runner's architecture, as its module map states it: checked on the source, not on trust."""

import ast
import re
from pathlib import Path

from processes import run_python

import {{ cookiecutter.package_name }}
from {{ cookiecutter.package_name }} import hyperlight

PACKAGE = "{{ cookiecutter.package_name }}"
PACKAGE_DIR = Path({{ cookiecutter.package_name }}.__file__).parent
RUNNER_DIR = PACKAGE_DIR / "hyperlight"
SUBPACKAGES = ("search", "tasks")
# What the module map allows to load later, inside a function, so that Ray loads only when it is needed.
LAZY = {"runner.py": {"search/"}, "repeats.py": {"repeat_tasks.py"}}


def _imports(path: Path) -> list[ast.ImportFrom | ast.Import]:
    return [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Import | ast.ImportFrom)]


def _relative_targets(path: Path) -> set[str]:
    """The runner files a module imports relatively, as map names ('settings.py', 'search/')."""
    targets = set()
    for node in _imports(path):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and path.parent == RUNNER_DIR:
            names = [node.module] if node.module else [alias.name for alias in node.names]
            targets |= {f"{top}/" if (top := name.split(".")[0]) in SUBPACKAGES else f"{top}.py" for name in names}
    return targets


def test_each_runner_module_imports_only_modules_listed_above_it():
    order = re.findall(r"^    (\S+\.py|\w+/) ", hyperlight.__doc__, flags=re.MULTILINE)
    packages = [f"{name}/" for name in SUBPACKAGES]
    assert sorted(order) == sorted([p.name for p in RUNNER_DIR.glob("*.py") if p.name != "__init__.py"] + packages)
    for position, name in enumerate(order):
        if name in packages:
            continue
        later = set(order[position:]) - LAZY.get(name, set())
        assert not _relative_targets(RUNNER_DIR / name) & later, f"{name} imports a module listed after it"


def test_the_tasks_package_builds_only_on_modules_listed_above_it():
    """Ready LightningModules are user-side code: they may use the runner's basics, never its runs."""
    order = re.findall(r"^    (\S+\.py|\w+/) ", hyperlight.__doc__, flags=re.MULTILINE)
    above = {name.removesuffix(".py") for name in order[: order.index("tasks/")]}
    for path in (RUNNER_DIR / "tasks").glob("*.py"):
        parents = {node.module for node in _imports(path) if isinstance(node, ast.ImportFrom) and node.level == 2}
        assert parents <= above, f"tasks/{path.name} imports {sorted(parents - above)}"


def test_the_search_package_builds_on_shared_modules_only():
    """Single trials and searches are siblings: search/ never reaches the single-trial path or the Runner."""
    for path in (RUNNER_DIR / "search").glob("*.py"):
        parents = {node.module for node in _imports(path) if isinstance(node, ast.ImportFrom) and node.level == 2}
        assert not parents & {"single_trial", "runner"}, path.name


def test_a_single_trial_imports_neither_the_search_package_nor_ray(tmp_path):
    code = (
        "import sys, tiny_task\n"
        f"from {PACKAGE}.hyperlight import Runner\n"
        f"extra = dict(tiny_task.EXTRA_CONFIG, results_dir={str(tmp_path)!r}, fast_dev_run=True)\n"
        "Runner(tiny_task.configure_dataloaders).run_single_trial(tiny_task.LitTiny, tiny_task.CONFIG, extra)\n"
        f"search = '{PACKAGE}.hyperlight.search'\n"
        "print('LOADED', sorted(m for m in sys.modules if m == 'ray' or m.startswith(search)))\n"
    )
    done = run_python(code)
    assert "LOADED []" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]


def test_the_cli_uses_only_the_runners_public_names():
    for node in _imports(PACKAGE_DIR / "cli.py"):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hyperlight"):
            assert node.module == "hyperlight", f"cli imports hyperlight.{node.module} internals"
            assert {alias.name for alias in node.names} <= set(hyperlight.__all__)


def test_the_project_never_imports_the_pytorch_lightning_namespace():
    """Ray's Lightning integration follows `lightning` when it is installed; mixing namespaces breaks callbacks."""
    offenders = [
        str(path.relative_to(PACKAGE_DIR))
        for path in PACKAGE_DIR.rglob("*.py")
        for node in _imports(path)
        for name in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""])
        if name.split(".")[0] == "pytorch_lightning"
    ]
    assert offenders == []
