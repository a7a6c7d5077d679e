"""What the image build gets locally instead of from the internet: Ray's image and torch's CPU index.

Ray's image is replaced by ray-standin.sh's Debian bookworm with Ray's environment preinstalled: Ray at
requirements.lock's version, and packages at versions the lock does not pin (STANDIN_OFF_LOCK), as Ray's
image holds its own pins, which the Dockerfile's overlay of the lock must move. It is cached in the test's
container storage, keyed on the script's hash, the Debian mirror (HYPERLIGHT_DEBIAN_MIRROR) and those
packages. torch's index is replaced by
a local PEP 503 index when this host has the locked CPU wheel (HYPERLIGHT_TORCH_WHEELS, PIP_FIND_LINKS or
/opt/wheels); pip and uv in the build trust the host's CA bundle, for an HTTPS proxy with its own CA.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

from test_requirements import locked_versions

from image.oci import ROOT, Phases, run

HERE = Path(__file__).parent
STANDIN_SCRIPT = HERE / "ray-standin.sh"
STANDIN_PYTHON = "3.11"  # Debian bookworm's python3
STANDIN_REPO = "localhost/hyperlight-ray-standin"
RAY_EXTRAS = "default,tune"  # the Ray the project declares; Ray's image has more (ray[all])
# Versions below requirements.lock's (the test checks they differ), of packages that ray[default,tune] requires.
STANDIN_OFF_LOCK = {"numpy": "2.2.6", "click": "8.1.8", "packaging": "24.2"}
MIRROR = os.environ.get("HYPERLIGHT_DEBIAN_MIRROR", "http://deb.debian.org/debian")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")  # the host's, with any HTTPS proxy's CA
# Where pip finds the CPU build of torch on this host; without one, PyTorch's own CPU index.
WHEEL_DIRS = [os.environ.get("HYPERLIGHT_TORCH_WHEELS", ""), *os.environ.get("PIP_FIND_LINKS", "").split()]
WHEEL_DIRS.append("/opt/wheels")
PYTORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# Empty in Debian and in Ray's Ubuntu alike, so mounting there leaves nothing behind in the image.
INDEX_MOUNT, WHEELS_MOUNT = "/mnt", "/srv"


def standin_image(lock: Path, env: dict[str, str], phases: Phases) -> str:
    """The stand-in for Ray's image, reused while ray-standin.sh, the mirror and its packages stay the same."""
    packages = [f"ray[{RAY_EXTRAS}]=={locked_versions(lock, STANDIN_PYTHON)['ray']}"]
    packages += [f"{name}=={version}" for name, version in STANDIN_OFF_LOCK.items()]
    key = hashlib.sha256(STANDIN_SCRIPT.read_bytes() + " ".join([MIRROR, *packages]).encode()).hexdigest()[:12]
    image = f"{STANDIN_REPO}:{key}"
    if subprocess.run(["podman", "image", "exists", image], env=env).returncode == 0:
        phases.say(f"stand-in {image}: cached")
        return image
    rootfs = ROOT / f"rootfs-{key}"
    shutil.rmtree(rootfs, ignore_errors=True)
    try:
        with phases("build stand-in"):
            ca = str(CA_BUNDLE) if CA_BUNDLE.is_file() else ""
            script = ["sh", str(STANDIN_SCRIPT), "rootfs", str(rootfs), MIRROR, ca, *packages]
            run(script, env, ROOT / "debootstrap.log")
        with phases("import stand-in"):
            run(["sh", str(STANDIN_SCRIPT), "import", str(rootfs), image], env)
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)
    # Older stand-ins (other hashes) only take disk space.
    listed = run(["podman", "images", "--format", "{{.Repository}}:{{.Tag}}", STANDIN_REPO], env).split()
    for old in set(listed) - {image}:
        subprocess.run(["podman", "rmi", "--force", old], env=env, capture_output=True)
    return image


def torch_index(lock: Path, work: Path, phases: Phases) -> tuple[str, list[str]]:
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


def standin_distributions(image: str, env: dict[str, str]) -> dict[str, str]:
    """Name -> version of what the stand-in's Python holds, as the base the Dockerfile installs over."""
    script = "import importlib.metadata as m; [print(d.metadata['Name'], d.version) for d in m.distributions()]"
    listed = run(["podman", "run", "--rm", image, "python", "-c", script], env)
    return dict(line.split() for line in listed.splitlines())


def build_options(base: str, lock: Path, work: Path, env: dict[str, str], phases: Phases) -> list[str]:
    """`buildah bud` options that build the project's Dockerfile on the stand-ins; `work` holds the index."""
    index, index_mounts = torch_index(lock, work, phases)
    ca_mount = ["-v", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"] if CA_BUNDLE.is_file() else []
    return [
        "--build-arg", f"BASE_IMAGE={base}",
        "--build-arg", f"TORCH_INDEX={index}",
        *ca_mount,
        "-v", f"{HERE / 'pip.conf'}:/etc/pip.conf:ro",
        "-v", f"{HERE / 'uv.toml'}:/etc/uv/uv.toml:ro",
        *index_mounts,
    ]  # fmt: skip
