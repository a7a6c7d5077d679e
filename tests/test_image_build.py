"""The baked project's image, built and run for real (slow: marker `image`; CI runs it with `make test-image`).

The real Dockerfile is built with buildah, its base image replaced by a local stand-in for Ray's image
(tests/image/ray-standin.sh: Debian bookworm made with debootstrap) and torch's index by a local one
holding the CPU build. The image then runs with podman as docker-compose.yml's CPU services would run it:
the same commands (`train --fast-dev-run`, a one-trial `tune --fast-dev-run`), user mapping (a host uid
that is not 1000), shm size, environment, secrets and volumes. The test checks that the run folders reach
the host, owned by that uid; that nothing ran as root; that torch is the CPU build; and that every
package in the image has the version requirements.lock pins.

Needs root, buildah, podman, debootstrap and runc (`apt-get install buildah podman debootstrap runc iptables`);
skipped without them, unless HYPERLIGHT_IMAGE_TEST_REQUIRED=1 (CI) turns the skip into a failure.
Container storage lives in HYPERLIGHT_IMAGE_TEST_ROOT (default /var/tmp/hyperlight-image-test), where the
stand-in stays cached between runs (keyed on ray-standin.sh's hash); the project image is removed at the end
(HYPERLIGHT_IMAGE_TEST_KEEP=1 keeps it). The storage driver is overlay where the kernel mounts overlayfs,
else vfs (much slower: it copies the whole image for every container); HYPERLIGHT_IMAGE_TEST_DRIVER forces one.
Prints how long each phase took, even without `pytest -s`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker
from packaging.utils import canonicalize_name
from packaging.version import Version

pytestmark = pytest.mark.image

IMAGE_DIR = Path(__file__).parent / "image"
STANDIN_SCRIPT = IMAGE_DIR / "ray-standin.sh"
STANDIN_PYTHON = "3.11"  # Debian bookworm's python3
STANDIN_REPO = "localhost/hyperlight-ray-standin"
PROJECT_IMAGE = "localhost/hyperlight-image-test:latest"
ROOT = Path(os.environ.get("HYPERLIGHT_IMAGE_TEST_ROOT", "/var/tmp/hyperlight-image-test"))
MIRROR = os.environ.get("HYPERLIGHT_DEBIAN_MIRROR", "http://deb.debian.org/debian")
HOST_UID = HOST_GID = 4321  # a host user that is not the image's uid 1000, as HOST_UID/HOST_GID in compose
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")  # the host's, with any HTTPS proxy's CA
TOOLS = ("buildah", "podman", "debootstrap", "runc", "chroot", "mount", "tar")
# Where pip finds the CPU build of torch on this host; without one, PyTorch's own CPU index.
WHEEL_DIRS = [os.environ.get("HYPERLIGHT_TORCH_WHEELS", ""), *os.environ.get("PIP_FIND_LINKS", "").split()]
WHEEL_DIRS.append("/opt/wheels")
PYTORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# Empty in Debian and in Ray's Ubuntu alike, so mounting there leaves nothing behind in the image.
INDEX_MOUNT, WHEELS_MOUNT = "/mnt", "/srv"
LOCK_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)\s*(?:;\s*(.+))?$")
NOT_IN_LOCK = {"pip", "uv"}  # the stand-in's pip, and the uv the Dockerfile installs


def _missing() -> str | None:
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


def _container_env(root: Path) -> dict[str, str]:
    """Settings of buildah and podman in `root` only; the host's own container storage is left alone."""
    driver = os.environ.get("HYPERLIGHT_IMAGE_TEST_DRIVER") or ("overlay" if _overlay_works(root) else "vfs")
    storage = root / f"storage-{driver}.conf"
    graph, run = root / driver / "graph", root / driver / "run"
    storage.write_text(f'[storage]\ndriver = "{driver}"\ngraphroot = "{graph}"\nrunroot = "{run}"\n')
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


def _run(cmd: list[str], env: dict[str, str], log: Path | None = None, timeout: float = 900) -> str:
    """Run `cmd`; its output goes to `log` (if given) and comes back; a failure shows its last lines."""
    result = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if log is not None:
        log.write_text(result.stdout)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-60:])
        pytest.fail(f"exit status {result.returncode}: {' '.join(cmd)}\n{tail}", pytrace=False)
    return result.stdout


def _standin(env: dict[str, str], phases: Phases) -> str:
    """The stand-in for Ray's image, reused while ray-standin.sh and the mirror stay the same."""
    key = hashlib.sha256(STANDIN_SCRIPT.read_bytes() + MIRROR.encode()).hexdigest()[:12]
    image = f"{STANDIN_REPO}:{key}"
    if subprocess.run(["podman", "image", "exists", image], env=env).returncode == 0:
        phases.say(f"stand-in {image}: cached")
        return image
    rootfs = ROOT / f"rootfs-{key}"
    shutil.rmtree(rootfs, ignore_errors=True)
    try:
        with phases("debootstrap stand-in"):
            _run(["sh", str(STANDIN_SCRIPT), "rootfs", str(rootfs), MIRROR], env, ROOT / "debootstrap.log")
        with phases("import stand-in"):
            _run(["sh", str(STANDIN_SCRIPT), "import", str(rootfs), image], env)
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)
    # Older stand-ins (other hashes) only take disk space.
    listed = _run(["podman", "images", "--format", "{{.Repository}}:{{.Tag}}", STANDIN_REPO], env).split()
    for old in set(listed) - {image}:
        subprocess.run(["podman", "rmi", "--force", old], env=env, capture_output=True)
    return image


def _lock_pins(lock: Path, markers: dict[str, str]) -> dict[str, str]:
    """requirements.lock's pins that apply where `markers` describe the interpreter."""
    pins = {}
    for line in lock.read_text().splitlines():
        match = LOCK_LINE.match(line.strip())
        if match and (match[3] is None or Marker(match[3]).evaluate(markers)):
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _torch_index(lock: Path, work: Path, phases: Phases) -> tuple[str, list[str]]:
    """TORCH_INDEX for the build, and the mounts it needs: a local PEP 503 index if this host has the wheel."""
    version = re.search(r"^torch==([0-9.]*)", lock.read_text(), re.MULTILINE)[1]  # as the Dockerfile's sed reads it
    tag = "cp" + STANDIN_PYTHON.replace(".", "")
    for folder in filter(None, WHEEL_DIRS):
        wheels = sorted(Path(folder).glob(f"torch-{version}+cpu-{tag}-{tag}-*manylinux*_x86_64.whl"))
        if Path(folder).is_dir() and wheels:
            wheel = wheels[-1]
            index = work / "torch-index"
            (index / "torch").mkdir(parents=True)
            href = f"file://{WHEELS_MOUNT}/{urllib.parse.quote(wheel.name)}"
            (index / "torch" / "index.html").write_text(
                f'<!DOCTYPE html>\n<html><body><a href="{href}">{wheel.name}</a></body></html>\n'
            )
            phases.say(f"torch: {wheel}")
            mounts = ["-v", f"{index}:{INDEX_MOUNT}:ro", "-v", f"{wheel.parent}:{WHEELS_MOUNT}:ro"]
            return f"file://{INDEX_MOUNT}", mounts
    phases.say(f"torch: no local CPU wheel of {version}, using {PYTORCH_CPU_INDEX}")
    return PYTORCH_CPU_INDEX, []


def _expand(text: str, values: dict[str, str]) -> str:
    """Compose's ${NAME} and ${NAME:-default}, from `values` only."""
    return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", lambda m: values.get(m[1], m[2] or ""), text)


def _compose_run_args(service: dict, compose: dict, work: Path) -> list[str]:
    """`podman run` options that do what `docker compose run --rm <service>` does with this service."""
    values = {"HOST_UID": str(HOST_UID), "HOST_GID": str(HOST_GID)}
    args = ["--rm", "--user", _expand(service["user"], values), "--shm-size", service["shm_size"]]
    for name, value in service.get("environment", {}).items():
        args += ["-e", f"{name}={_expand(str(value), values)}"]
    args += ["-e", "WANDB_MODE=offline"]  # never reach W&B from a test
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        args += ["-v", f"{work / source}:{target}"]  # ./results: relative to the project folder
    for secret in service.get("secrets", []):  # an empty key file, as README's `touch ~/.wandb_api_key`
        assert secret in compose.get("secrets", {}), f"compose names an undeclared secret {secret}"
        key_file = work / "secrets" / secret
        key_file.parent.mkdir(exist_ok=True)
        key_file.touch(mode=0o644)
        args += ["-v", f"{key_file}:/run/secrets/{secret}:ro"]
    return args


@pytest.fixture
def container_env():
    reason = _missing()
    if reason:
        if os.environ.get("HYPERLIGHT_IMAGE_TEST_REQUIRED") == "1":
            pytest.fail(f"HYPERLIGHT_IMAGE_TEST_REQUIRED=1, but the image test {reason}")
        pytest.skip(reason)
    ROOT.mkdir(parents=True, exist_ok=True)
    with open(ROOT / "lock", "w") as lock:  # one image test at a time per storage root
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield _container_env(ROOT)


def test_image_builds_and_runs_train_and_tune_as_the_host_user(bake, tmp_path, capsys, container_env):
    env = container_env
    phases = Phases(capsys)
    driver = Path(env["CONTAINERS_STORAGE_CONF"]).stem.removeprefix("storage-")
    phases.say(f"storage: {driver} under {ROOT}")
    try:
        with phases("bake"):
            project = bake()
        requires = re.search(r'requires-python = ">=([0-9.]+)"', (project / "pyproject.toml").read_text())[1]
        assert requires == STANDIN_PYTHON, (
            f"the default bake asks for Python {requires}, the stand-in (Debian bookworm) has {STANDIN_PYTHON}: "
            "update tests/image/ray-standin.sh"
        )
        compose = yaml.safe_load((project / "docker-compose.yml").read_text())
        services = compose["services"]
        train_command = services["train-cpu"]["command"]  # python -m <package> train ...
        package = train_command[train_command.index("-m") + 1]
        config = (project / "src" / package / "config.py").read_text()
        experiment_id = re.search(r'^EXPERIMENT_ID = "(.*)"', config, re.MULTILINE)[1]

        standin = _standin(env, phases)

        torch_index, index_mounts = _torch_index(project / "requirements.lock", tmp_path, phases)
        ca_mount = ["-v", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"] if CA_BUNDLE.is_file() else []
        build = [
            "buildah", "bud", "--isolation", "chroot", "--pull=never", "--layers=false",
            "--build-arg", f"BASE_IMAGE={standin}",
            "--build-arg", f"TORCH_INDEX={torch_index}",
            *ca_mount,
            "-v", f"{IMAGE_DIR / 'pip.conf'}:/etc/pip.conf:ro",
            "-v", f"{IMAGE_DIR / 'uv.toml'}:/etc/uv/uv.toml:ro",
            *index_mounts,
            "-t", PROJECT_IMAGE, str(project),
        ]  # fmt: skip
        with phases("build project image"):
            _run(build, env, tmp_path / "build.log", timeout=1800)

        inspect = json.loads(_run(["podman", "image", "inspect", PROJECT_IMAGE], env))[0]
        assert inspect["Config"]["User"] == "1000:100", "the image must default to Ray's non-root user"

        work = tmp_path / "compose"  # plays the project folder: compose's ./results and ./data live here
        for name in ("results", "data"):
            (work / name).mkdir(parents=True)
            os.chown(work / name, HOST_UID, HOST_GID)

        def podman_run(service: str, command: list[str], log: str) -> str:
            args = _compose_run_args(services[service], compose, work)
            return _run(["podman", "run", *args, PROJECT_IMAGE, *command], env, tmp_path / log, timeout=900)

        with phases("run probe"):
            probe_source = (IMAGE_DIR / "probe.py").read_text()
            probe_output = podman_run("train-cpu", ["python", "-c", probe_source], "probe.log")
        probe = json.loads(probe_output.splitlines()[-1])  # the last line: warnings may come before it
        with phases("run train --fast-dev-run"):
            podman_run("train-cpu", [*train_command, "--fast-dev-run"], "train.log")
        with phases("run tune (1 trial)"):
            tune = [*services["tune-cpu"]["command"], "--fast-dev-run", "--num-samples", "1"]
            podman_run("tune-cpu", tune, "tune.log")

        # Not root: the compose user mapping, with the image's Python first on PATH.
        assert (probe["uid"], probe["gid"]) == (HOST_UID, HOST_GID) and probe["uid"] != 0
        assert probe["executable"] == "/home/ray/anaconda3/bin/python"

        # The CPU build of torch: no CUDA runtime, no NVIDIA wheels.
        assert probe["torch_cuda"] is None, f"torch {probe['torch']} is a CUDA build"
        installed = {canonicalize_name(name): version for name, version in probe["distributions"].items()}
        nvidia = sorted(name for name in installed if name.startswith(("nvidia-", "cuda-")) or name == "triton")
        assert not nvidia, f"CUDA packages in a CPU image: {nvidia}"

        # The lock was honoured: every package has the pinned version (torch's +cpu label aside).
        pins = _lock_pins(project / "requirements.lock", probe["markers"])
        installed.pop(canonicalize_name(project.name))
        for name in ("ray", "lightning", "torch"):
            assert name in installed, f"{name} is not installed in the image"
        wrong = {
            name: f"{version} (lock: {pins[name]})"
            for name, version in installed.items()
            if name in pins and Version(version).public != Version(pins[name]).public
        }
        assert not wrong, f"versions that differ from requirements.lock: {wrong}"
        unpinned = sorted(set(installed) - set(pins) - NOT_IN_LOCK)
        assert not unpinned, f"installed but not pinned by requirements.lock: {unpinned}"

        # The runs reached the host, and everything they wrote belongs to the host user.
        experiment = work / "results" / experiment_id
        runs = sorted(p.name for p in experiment.iterdir()) if experiment.is_dir() else []
        train_runs = [name for name in runs if not name.startswith("tune-")]
        tune_runs = [name for name in runs if name.startswith("tune-")]
        assert len(train_runs) == 1 and (experiment / train_runs[0] / "metrics.csv").is_file(), runs
        assert len(tune_runs) == 1 and (experiment / tune_runs[0] / "trials.csv").is_file(), runs
        written = [work / "results", *(work / "results").rglob("*")]
        foreign = [
            f"{path.relative_to(work)} ({path.lstat().st_uid}:{path.lstat().st_gid})"
            for path in written
            if (path.lstat().st_uid, path.lstat().st_gid) != (HOST_UID, HOST_GID)
        ]
        assert not foreign, f"{len(foreign)} of {len(written)} paths not owned by {HOST_UID}:{HOST_GID}: {foreign[:10]}"
    finally:
        with phases("clean up"):
            if os.environ.get("HYPERLIGHT_IMAGE_TEST_KEEP") != "1":  # 1: keep the image, to look into it
                subprocess.run(["podman", "rmi", "--force", PROJECT_IMAGE], env=env, capture_output=True)
            subprocess.run(["buildah", "rm", "--all"], env=env, capture_output=True)  # a failed build's container
            subprocess.run(["podman", "image", "prune", "--force"], env=env, capture_output=True)
        phases.say(phases.summary())
