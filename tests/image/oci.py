"""buildah and podman, for tests/test_image_build.py, in a container storage of their own.

The storage lives in HYPERLIGHT_IMAGE_TEST_ROOT (default /var/tmp/hyperlight-image-test); the host's own
container storage and settings are left alone, and one image test at a time holds the root (a file lock).
The storage driver is overlay where the kernel mounts overlayfs, else vfs (much slower: it copies the whole
image for every container); HYPERLIGHT_IMAGE_TEST_DRIVER forces one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("HYPERLIGHT_IMAGE_TEST_ROOT", "/var/tmp/hyperlight-image-test"))
TOOLS = ("buildah", "podman", "debootstrap", "runc", "chroot", "mount", "tar")


def missing_tools() -> str | None:
    """Why the image test cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (debootstrap, and buildah/podman with a root storage)"
    absent = [tool for tool in TOOLS if shutil.which(tool) is None]
    if absent:
        return f"needs {', '.join(absent)}: apt-get install -y buildah podman debootstrap runc"
    return None


class Phases:
    """Wall-clock time of each phase, printed as it ends (past pytest's capture) and summed up at the end."""

    def __init__(self, capsys):
        self.capsys = capsys
        self.start = time.monotonic()
        self.times: dict[str, float] = {}

    def say(self, message: str) -> None:
        with self.capsys.disabled():
            print(f"\n[image test] {message}", end="", flush=True)

    @contextlib.contextmanager
    def __call__(self, name: str):
        start = time.monotonic()
        try:
            yield
        finally:
            self.times[name] = time.monotonic() - start
            self.say(f"{name}: {self.times[name]:.1f} s")

    def summary(self) -> str:
        lines = [f"  {name:<24}{seconds:7.1f} s" for name, seconds in self.times.items()]
        lines.append(f"  {'total':<24}{time.monotonic() - self.start:7.1f} s")
        return "phases:\n" + "\n".join(lines) + "\n"


def _overlay_works(root: Path) -> bool:
    """The kernel's overlayfs is much faster than vfs (which copies the whole image per container)."""
    probe = root / "overlay-probe"
    shutil.rmtree(probe, ignore_errors=True)
    dirs = {name: probe / name for name in ("lower", "upper", "work", "merged")}
    for path in dirs.values():
        path.mkdir(parents=True)
    options = f"lowerdir={dirs['lower']},upperdir={dirs['upper']},workdir={dirs['work']}"
    mount = ["mount", "-t", "overlay", "overlay", "-o", options, str(dirs["merged"])]
    mounted = subprocess.run(mount, capture_output=True)
    if mounted.returncode == 0:
        subprocess.run(["umount", str(dirs["merged"])], check=True)
    shutil.rmtree(probe, ignore_errors=True)
    return mounted.returncode == 0


def _settings(root: Path) -> dict[str, str]:
    """The environment that points buildah and podman at `root` only."""
    driver = os.environ.get("HYPERLIGHT_IMAGE_TEST_DRIVER") or ("overlay" if _overlay_works(root) else "vfs")
    storage = root / f"storage-{driver}.conf"
    graph, run_dir = root / driver / "graph", root / driver / "run"
    storage.write_text(f'[storage]\ndriver = "{driver}"\ngraphroot = "{graph}"\nrunroot = "{run_dir}"\n')
    containers = root / "containers.conf"
    containers.write_text(
        "[containers]\n"
        'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n'  # what a sandbox may refuse to raise
        "[engine]\n"
        'runtime = "runc"\n'  # Debian's crun 1.8 refuses hybrid cgroups
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n'
    )
    return {
        **os.environ,
        "CONTAINERS_STORAGE_CONF": str(storage),
        "CONTAINERS_CONF": str(containers),
        "BUILDAH_ISOLATION": "chroot",
    }


@contextlib.contextmanager
def locked_storage(root: Path = ROOT) -> Iterator[dict[str, str]]:
    """Hold `root` for one image test; yields the environment to run buildah and podman in."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield _settings(root)


def storage_driver(env: dict[str, str]) -> str:
    return Path(env["CONTAINERS_STORAGE_CONF"]).stem.removeprefix("storage-")


def run(cmd: list[str], env: dict[str, str], log: Path | None = None, timeout: float = 900) -> str:
    """Run `cmd`; its output goes to `log` (if given) and comes back; a failure shows its last lines."""
    result = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if log is not None:
        log.write_text(result.stdout)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-60:])
        pytest.fail(f"exit status {result.returncode}: {' '.join(cmd)}\n{tail}", pytrace=False)
    return result.stdout


def build(context: Path, image: str, options: list[str], env: dict[str, str], log: Path) -> None:
    """`buildah bud` of `context` as `image`, offline (base images must be local), without cached layers."""
    command = ["buildah", "bud", "--isolation", "chroot", "--pull=never", "--layers=false", *options]
    run([*command, "-t", image, str(context)], env, log, timeout=1800)


def inspect(image: str, env: dict[str, str]) -> dict:
    return json.loads(run(["podman", "image", "inspect", image], env))[0]


def clean_up(image: str, env: dict[str, str], keep: bool = False) -> None:
    """Remove `image` (unless `keep`), a failed build's container and dangling images; errors are ignored."""
    if not keep:
        subprocess.run(["podman", "rmi", "--force", image], env=env, capture_output=True)
    subprocess.run(["buildah", "rm", "--all"], env=env, capture_output=True)
    subprocess.run(["podman", "image", "prune", "--force"], env=env, capture_output=True)
