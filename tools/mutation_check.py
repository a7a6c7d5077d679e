"""Do the tests catch what they name? Apply each deliberate break in breaks.py, run its tests, print caught/missed.

A test that still passes against its break cannot fail for the reason it names. Each break is
applied alone, to a copy of the template (the working tree is never touched), which is then baked
with the defaults; the break's tests run in that bake (or in the template copy, for template tests).

    .venv/bin/python tools/mutation_check.py              # every break (about 25 min on 2 CPUs)
    .venv/bin/python tools/mutation_check.py --list       # their names
    .venv/bin/python tools/mutation_check.py NAME ...     # some of them
    .venv/bin/python tools/mutation_check.py --baseline NAME   # the same tests, unbroken: they must pass

It runs on demand, never in `make test`. How to add a break: see break_spec.py.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from break_spec import Break
from breaks import BREAKS

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
LEFT_OUT = shutil.ignore_patterns(".git", ".venv", "build", "__pycache__", ".pytest_cache", ".ruff_cache")
PACKAGE = "digits_research"  # the default bake's package, where "{{ cookiecutter.package_name }}" stood
BREAK_TIMEOUT_S = 1800  # ends a hang only: the slowest break's tests take about 3 min on 2 CPUs
BIN = Path(sys.executable).parent
FAILED_AT = re.compile(r"^/\S+\.py:\d+: ")  # what --tb=line prints of a failure: "path:line: message"


def apply(brk: Break, template: Path) -> None:
    """Replace each `old` of the break by its `new` in the template copy; each must occur exactly once."""
    for file, old, new in [(brk.file, brk.old, brk.new), *brk.more]:
        path = template / file
        text = path.read_text()
        if text.count(old) != 1:
            raise LookupError(f"{file}: the text to break occurs {text.count(old)} times, not once")
        path.write_text(text.replace(old, new))


def bake(template: Path, into: Path) -> Path:
    cookiecutter = [str(BIN / "cookiecutter"), "--no-input", "--output-dir", str(into), str(template)]
    subprocess.run(cookiecutter, check=True, capture_output=True)
    [project] = into.iterdir()
    return project


def run_tests(brk: Break, template: Path, project: Path) -> subprocess.CompletedProcess:
    cwd = template if brk.template_tests else project
    env = {**os.environ, "WANDB_MODE": "offline"}
    if not brk.template_tests:
        env["PYTHONPATH"] = str(project / "src")
    args = [sys.executable, "-m", "pytest", "-q", "--tb=line", "-p", "no:cacheprovider", *brk.tests]
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=BREAK_TIMEOUT_S)


def check(brk: Break, broken: bool = True) -> tuple[str, float, str]:
    """(verdict, seconds, last lines of pytest's output) for one break."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        template = Path(tmp) / "template"
        shutil.copytree(TEMPLATE_ROOT, template, ignore=LEFT_OUT, symlinks=True)
        try:
            if broken:
                apply(brk, template)
        except LookupError as error:
            return "STALE", 0.0, str(error)  # the code moved on: update the break
        project = bake(template, Path(tmp) / "bake")
        try:
            done = run_tests(brk, template, project)
        except subprocess.TimeoutExpired:
            return "TIMEOUT", time.monotonic() - start, ""
    lines = (done.stdout + done.stderr).strip().splitlines()
    # which test failed, and the line that failed it
    failed = [line[:240] for line in lines if line.startswith(("FAILED", "ERROR")) or FAILED_AT.match(line)]
    tail = "\n".join(failed or lines[-3:])
    verdict = {0: "missed", 1: "caught"}.get(done.returncode, f"ERROR rc={done.returncode}")
    if not broken:
        verdict = {"missed": "passes", "caught": "FAILS UNBROKEN"}.get(verdict, verdict)
    return verdict, time.monotonic() - start, tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="breaks to check (default: all)")
    parser.add_argument("--list", action="store_true", help="list the breaks and exit")
    parser.add_argument("--baseline", action="store_true", help="run the tests without the break")
    args = parser.parse_args(argv)
    by_name = {brk.name: brk for brk in BREAKS}
    if args.list:
        for brk in BREAKS:
            print(f"{brk.name:32} {brk.why}")
        return 0
    unknown = [name for name in args.names if name not in by_name]
    if unknown:
        parser.error(f"no break named {', '.join(unknown)} (see --list)")
    rows = []
    for brk in [by_name[name] for name in args.names] or BREAKS:
        verdict, seconds, tail = check(brk, broken=not args.baseline)
        rows.append((brk.name, verdict))
        print(f"{brk.name:32} {verdict:14} {seconds:6.0f} s  {brk.why}", flush=True)
        if verdict != "passes":
            print("    " + tail.replace("\n", "\n    "), flush=True)
    good = "passes" if args.baseline else "caught"
    print(f"\n{sum(verdict == good for _, verdict in rows)} of {len(rows)} {good}")
    return 0 if all(verdict == good for _, verdict in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
