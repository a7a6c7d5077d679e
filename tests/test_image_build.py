"""The baked project's image, built and run for real (slow: marker `image`; CI runs it with `make test-image`).

The real Dockerfile is built with buildah on local stand-ins for Ray's image (with Ray's environment
preinstalled, some of it at versions other than the lock's) and torch's CPU index (image/standin.py), then
run with podman as docker-compose.yml's CPU services would run it (image/compose.py):
`train --fast-dev-run` and a one-trial `tune --fast-dev-run`, as a host uid that is not 1000, in a copy of the
fresh bake that uid owns (no folder made first, as the README's `docker compose up` finds it). The test checks
that the run folders reach the host, owned by that uid; that nothing ran as root; that torch is the CPU build;
and that the image is what requirements.lock describes: every package the project needs, at the locked
version, and nothing the lock does not pin but what the base brought (the Dockerfile's `uv pip check` has
passed by then).

Needs root, buildah, podman, debootstrap and runc (`apt-get install buildah podman debootstrap runc iptables`);
skipped without them, unless HYPERLIGHT_IMAGE_TEST_REQUIRED=1 (CI) turns the skip into a failure. Container
storage: image/oci.py. The project image is removed at the end (HYPERLIGHT_IMAGE_TEST_KEEP=1 keeps it).
Prints how long each phase took, even without `pytest -s`.
"""

import json
import os
import re
import shutil
import tomllib
from pathlib import Path

import pytest
import yaml
from image.compose import ComposeRun
from image.oci import ROOT, Phases, build, clean_up, inspect, locked_storage, missing_tools, storage_driver
from image.standin import STANDIN_OFF_LOCK, STANDIN_PYTHON, build_options, standin_distributions, standin_image
from packaging.utils import canonicalize_name
from packaging.version import Version
from test_requirements import locked_closure, locked_versions

pytestmark = pytest.mark.image

PROJECT_IMAGE = "localhost/hyperlight-image-test:latest"
HOST_UID = HOST_GID = 4321  # a host user that is not the image's uid 1000, as HOST_UID/HOST_GID in compose
NOT_IN_LOCK = {"uv"}  # the uv the Dockerfile installs
PROBE = Path(__file__).parent / "image" / "probe.py"


def _cuda_wheel(name: str) -> bool:
    """What PyPI's (CUDA) torch requires on Linux and its CPU build does not."""
    return name.startswith(("nvidia-", "cuda-")) or name == "triton"


@pytest.fixture
def container_env():
    reason = missing_tools()
    if reason:
        if os.environ.get("HYPERLIGHT_IMAGE_TEST_REQUIRED") == "1":
            pytest.fail(f"HYPERLIGHT_IMAGE_TEST_REQUIRED=1, but the image test {reason}")
        pytest.skip(reason)
    with locked_storage() as env:
        yield env


def test_image_builds_and_runs_train_and_tune_as_the_host_user(bake, tmp_path, capsys, container_env):
    env = container_env
    phases = Phases(capsys)
    phases.say(f"storage: {storage_driver(env)} under {ROOT}")
    try:
        with phases("bake"):
            project = bake()
        requires = re.search(r'requires-python = ">=([0-9.]+)"', (project / "pyproject.toml").read_text())[1]
        assert requires == STANDIN_PYTHON, (
            f"the default bake asks for Python {requires}, the stand-in (Debian bookworm) has {STANDIN_PYTHON}: "
            "update tests/image/ray-standin.sh"
        )
        compose = yaml.safe_load((project / "docker-compose.yml").read_text())
        train_command = compose["services"]["train-cpu"]["command"]  # python -m <package> train ...
        package = train_command[train_command.index("-m") + 1]
        config = (project / "src" / package / "config.py").read_text()
        experiment_id = re.search(r'^EXPERIMENT_ID = "(.*)"', config, re.MULTILINE)[1]
        lock = project / "requirements.lock"
        same = [name for name, version in STANDIN_OFF_LOCK.items() if locked_versions(lock, requires)[name] == version]
        assert not same, f"the lock now pins the stand-in's versions of {same}: pick others in image/standin.py"

        base = standin_image(lock, env, phases)
        from_base = {canonicalize_name(name) for name in standin_distributions(base, env)}
        options = build_options(base, lock, tmp_path, env, phases)
        with phases("build project image"):
            build(project, PROJECT_IMAGE, options, env, tmp_path / "build.log")
        user = inspect(PROJECT_IMAGE, env)["Config"]["User"]
        assert user == "1000:100", "the image must default to Ray's non-root user"

        # The project folder as a user has it after baking or cloning: owned by them, with no folder made
        # by hand, so compose's ./results and ./data are what the bake brings.
        work = tmp_path / "compose"
        shutil.copytree(project, work)
        for path in [work, *work.rglob("*")]:
            os.chown(path, HOST_UID, HOST_GID, follow_symlinks=False)
        compose_run = ComposeRun(compose, PROJECT_IMAGE, work, HOST_UID, HOST_GID, env)
        with phases("run probe"):
            probe_output = compose_run("train-cpu", ["python", "-c", PROBE.read_text()], tmp_path / "probe.log")
        probe = json.loads(probe_output.splitlines()[-1])  # the last line: warnings may come before it
        with phases("run train --fast-dev-run"):
            compose_run("train-cpu", [*train_command, "--fast-dev-run"], tmp_path / "train.log")
        with phases("run tune (1 trial)"):
            tune = [*compose["services"]["tune-cpu"]["command"], "--fast-dev-run", "--num-samples", "1"]
            compose_run("tune-cpu", tune, tmp_path / "tune.log")

        # Not root: the compose user mapping, with the image's Python first on PATH.
        assert (probe["uid"], probe["gid"]) == (HOST_UID, HOST_GID) and probe["uid"] != 0
        assert probe["executable"] == "/home/ray/anaconda3/bin/python"
        # Installed with their bytecode: the host user cannot write it, so each process would compile them.
        assert not probe["uncompiled"], f"installed without .pyc files: {probe['uncompiled']}"

        # The CPU build of torch: no CUDA runtime, no NVIDIA wheels.
        assert probe["torch_cuda"] is None, f"torch {probe['torch']} is a CUDA build"
        installed = {canonicalize_name(name): version for name, version in probe["distributions"].items()}
        nvidia = sorted(filter(_cuda_wheel, installed))
        assert not nvidia, f"CUDA packages in a CPU image: {nvidia}"

        # The lock describes the image: what the project needs is there, every package at the pinned version
        # (torch's +cpu label aside), the stand-in's off-lock versions moved, and nothing the lock leaves out.
        markers = probe["markers"]
        assert (markers["sys_platform"], markers["platform_machine"]) == ("linux", "x86_64"), markers
        pins = locked_versions(lock, markers["python_version"])
        declared = tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
        needed = locked_closure(lock, markers["python_version"], declared)  # PyPI's torch: a CUDA build
        needed = {name: version for name, version in needed.items() if not _cuda_wheel(name)}
        installed.pop(canonicalize_name(project.name))
        missing = sorted(set(needed) - set(installed))
        assert not missing, f"locked packages the project needs that are not installed: {missing}"
        wrong = {
            name: f"{version} (lock: {pins[name]})"
            for name, version in installed.items()
            if name in pins and Version(version).public != Version(pins[name]).public
        }
        assert not wrong, f"versions that differ from requirements.lock: {wrong}"
        # What the base holds beyond the lock stays (Ray's image has more than the project needs), and
        # `uv pip check` has vouched for it; anything else must be pinned.
        outside_lock = set(installed) - set(pins) - NOT_IN_LOCK
        unpinned = sorted(outside_lock - from_base)
        assert not unpinned, f"installed over the base but not pinned by requirements.lock: {unpinned}"
        phases.say(f"left by the base, outside the lock: {sorted(outside_lock)}")

        # The runs reached the host, and everything they wrote belongs to the host user.
        experiment = work / "results" / experiment_id
        runs = sorted(p.name for p in experiment.iterdir()) if experiment.is_dir() else []
        train_runs = [name for name in runs if not name.startswith("tune-")]
        tune_runs = [name for name in runs if name.startswith("tune-")]
        assert len(train_runs) == 1 and (experiment / train_runs[0] / "metrics.csv").is_file(), runs
        assert len(tune_runs) == 1 and (experiment / tune_runs[0] / "trials.csv").is_file(), runs
        written = [work / "results", *(work / "results").rglob("*")]
        owners = {path.relative_to(work): (path.lstat().st_uid, path.lstat().st_gid) for path in written}
        foreign = [f"{path} ({uid}:{gid})" for path, (uid, gid) in owners.items() if (uid, gid) != (HOST_UID, HOST_GID)]
        assert not foreign, f"{len(foreign)} of {len(written)} paths not owned by {HOST_UID}:{HOST_GID}: {foreign[:10]}"
    finally:
        with phases("clean up"):
            clean_up(PROJECT_IMAGE, env, keep=os.environ.get("HYPERLIGHT_IMAGE_TEST_KEEP") == "1")
        phases.say(phases.summary())
