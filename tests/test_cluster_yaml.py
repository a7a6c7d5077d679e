"""cluster.yaml passes the checks `ray up` makes before it starts a machine, and sets up the cluster we promise.

`ray up` (ray/autoscaler/_private/commands.py, `_bootstrap_config`) runs `prepare_config` (merges the
provider's defaults.yaml), then the provider's bootstrap, then `validate_config` (Ray's JSON schema and
its own checks). The bootstrap lists instance types and creates keys, roles and networks through the
cloud's API, so it needs credentials: these tests run the two offline steps and stop before it.
"""

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import ray.autoscaler
import yaml
from ray.autoscaler._private.util import prepare_config, validate_config

RAY_SCHEMA = json.loads((Path(ray.autoscaler.__file__).parent / "ray-schema.json").read_text())
IMAGE = "registry.example.org/lab/digits:2.0.1"


def _bake_cluster(bake, provider: str) -> tuple[Path, str, dict]:
    project = bake(cloud_provider=provider, docker_image=IMAGE)
    text = (project / "cluster.yaml").read_text()
    return project, text, yaml.safe_load(text)


def _as_ray_up_checks_it(raw: dict) -> dict:
    """The config after the offline part of `ray up`; raises what `ray up` would print."""
    config = prepare_config(copy.deepcopy(raw))
    validate_config(config)
    return config


@pytest.mark.parametrize("provider", ["aws", "gcp"])
def test_cluster_file_passes_rays_own_schema_and_checks(bake, provider):
    _, _, raw = _bake_cluster(bake, provider)
    jsonschema.validate(raw, RAY_SCHEMA)  # the file as written, before Ray fills in its defaults
    config = _as_ray_up_checks_it(raw)
    assert config["provider"]["type"] == provider
    # Ray's defaults.yaml would pip-install a Ray wheel and start a dashboard on 0.0.0.0: the file overrides them all.
    assert config["setup_commands"] == config["worker_setup_commands"] == []
    assert all("pip install" not in cmd or " || " in cmd for cmd in config["head_setup_commands"])


@pytest.mark.parametrize("provider", ["aws", "gcp"])
def test_head_runs_no_trials_and_workers_bring_gpus(bake, provider):
    """Trials must never land on the head; the autoscaler must know a worker has a GPU before it starts one."""
    _, _, raw = _bake_cluster(bake, provider)
    config = _as_ray_up_checks_it(raw)
    types = config["available_node_types"]
    assert types[config["head_node_type"]]["resources"] == {"CPU": 0, "GPU": 0}
    workers = {name: spec for name, spec in types.items() if name != config["head_node_type"]}
    assert workers
    for spec in workers.values():
        assert 0 <= spec["min_workers"] <= spec["max_workers"] <= config["max_workers"]
        node = spec["node_config"]
        if provider == "gcp":  # only AWS fills resources in from the instance type (at bootstrap, with boto3)
            assert spec["resources"]["GPU"] >= 1 and spec["resources"]["CPU"] >= 1
            assert node["guestAccelerators"][0]["acceleratorCount"] == spec["resources"]["GPU"]
            assert node["scheduling"]["onHostMaintenance"] == "TERMINATE"
            assert "deeplearning-platform-release" in node["disks"][0]["initializeParams"]["sourceImage"]
        else:
            assert spec["resources"] == {}
            assert re.fullmatch(r"(g|p)\d+\w*\.\w+", node["InstanceType"]), node["InstanceType"]
            assert node["ImageId"] not in ("", "latest_dlami")  # Ray's default is an old Deep Learning AMI


@pytest.mark.parametrize("provider", ["aws", "gcp"])
def test_nodes_run_the_project_image_with_room_and_the_auth_token(bake, provider):
    project, text, raw = _bake_cluster(bake, provider)
    docker = raw["docker"]
    assert docker["image"] == IMAGE and docker["container_name"] and docker["pull_before_run"] is True
    # No --shm-size: Ray's `_auto_configure_shm` then sizes /dev/shm per node from its memory; any
    # --shm-size turns that off (pytorch#5040, ray#13619).
    assert not any("--shm-size" in option for key in docker if key.endswith("run_options") for option in docker[key])
    assert "--ulimit nofile=65536:65536" in docker["run_options"]
    assert "--env RAY_AUTH_MODE=token" in docker["run_options"]  # reaches every process in the container
    assert "--gpus all" in docker["worker_run_options"]
    assert raw["file_mounts"]["~/.ray/auth_token"] == "~/.ray/auth_token"
    for local in raw["file_mounts"].values():
        assert local.startswith("~") or (project / local).exists(), local  # `ray up` runs in the project folder
    assert f"storage_path={'s3' if provider == 'aws' else 'gs'}://" in text


@pytest.mark.parametrize("provider", ["aws", "gcp"])
def test_dashboard_and_ray_stay_off_the_internet(bake, provider):
    _, text, raw = _bake_cluster(bake, provider)
    [head_start] = [cmd for cmd in raw["head_start_ray_commands"] if cmd.startswith("ray start")]
    [worker_start] = [cmd for cmd in raw["worker_start_ray_commands"] if cmd.startswith("ray start")]
    assert "\n" not in head_start + worker_start  # one line each, so they can be run by hand
    for flag in ("--head", "--port=6379", "--dashboard-host=127.0.0.1", "--num-cpus=0", "--num-gpus=0"):
        assert flag in head_start.split(), flag
    assert "--address=$RAY_HEAD_IP:6379" in worker_start.split()
    assert "0.0.0.0" not in text
    assert "security_group" not in raw["provider"]  # Ray's own group: SSH from outside, all traffic inside


def test_offline_check_in_the_header_runs(bake):
    """The header shows the command the README gives for checking the file before paying for machines."""
    project, text, _ = _bake_cluster(bake, "gcp")
    [command] = re.findall(r"^#\s+python -c (\".*\")$", text, flags=re.MULTILINE)
    result = subprocess.run([sys.executable, "-c", json.loads(command)], cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "cluster.yaml is valid" in result.stdout


def test_no_cluster_file_without_a_cloud(bake):
    assert not (bake(cloud_provider="none") / "cluster.yaml").exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c.update(max_worker=4), r"Additional properties are not allowed \('max_worker' was unexpected\)"),
        (lambda c: c["available_node_types"]["gpu_worker"].update(max_workers="4"), "'4' is not of type 'integer'"),
        (lambda c: c["docker"].update(run_option=[]), r"\('run_option' was unexpected\)"),
    ],
    ids=["unknown-top-level-key", "max-workers-as-text", "misspelt-docker-option"],
)
def test_a_broken_cluster_file_is_refused_before_any_machine_starts(bake, edit, message):
    """What the offline check catches: the mistakes `ray up` would otherwise find after you wait for the cloud."""
    _, _, raw = _bake_cluster(bake, "aws")
    edit(raw)
    with pytest.raises(jsonschema.ValidationError, match=message):
        _as_ray_up_checks_it(raw)


@pytest.mark.parametrize("provider", ["aws", "gcp"])
def test_the_private_image_login_hint_is_where_each_node_type_runs_it(bake, provider):
    """A node type's own initialization_commands replace the global list (`_get_node_type_specific_fields`)."""
    _, text, raw = _bake_cluster(bake, provider)
    for name, spec in raw["available_node_types"].items():
        if "initialization_commands" in spec:  # the global hint does not reach this type: it needs its own
            block = text[text.index(f"  {name}:") : text.index("initialization_commands:", text.index(f"  {name}:"))]
            assert "docker login" in block, name
    assert "docker login" in text[: text.index("initialization_commands: []")].rsplit("\n\n", 1)[-1]


def test_aws_workers_get_an_s3_only_profile_that_the_head_may_pass(bake):
    """Ray's head role may not pass itself on (ray#3190, ray#3199), and would hand trials full EC2 access."""
    _, text, raw = _bake_cluster(bake, "aws")
    worker = raw["available_node_types"]["gpu_worker"]["node_config"]
    arn = worker["IamInstanceProfile"]["Arn"]
    assert re.fullmatch(r"arn:aws:iam::\d{12}:instance-profile/ray-s3-access", arn), arn
    assert "ray-autoscaler-v1" not in str(worker)
    head = raw["available_node_types"][raw["head_node_type"]]["node_config"]
    assert "IamInstanceProfile" not in head  # `ray up` makes ray-autoscaler-v1 for it
    assert '"Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/ray-s3-access"' in text
    assert "--role-name ray-autoscaler-v1 --policy-name pass-ray-s3-access" in text
    s3_policy = re.search(r"--policy-name s3 --policy-document '(.*)'", text)[1]
    assert json.loads(s3_policy)["Statement"][0]["Action"] == "s3:*"


@pytest.mark.parametrize("provider", ["aws", "gcp"])
def test_the_readme_submits_with_the_token_in_the_submitting_shell(bake, provider):
    """Step 4 runs "in another terminal": Ray's client sends the token only when RAY_AUTH_MODE=token is set there."""
    readme = (bake(cloud_provider=provider) / "README.md").read_text()
    step = readme[readme.index("**4. Submit the search**") :]
    block = step[step.index("```bash\n") + 8 : step.index("```", step.index("```bash\n") + 8)]
    lines = [line.split("#")[0].strip() for line in block.splitlines()]
    submit = next(i for i, line in enumerate(lines) if line.startswith("ray job submit"))
    assert "export RAY_AUTH_MODE=token" in lines[:submit], block
