"""k8s/rayjob.yaml: a RayJob that KubeRay v1.7.0 accepts, with no unknown field, that runs `tune` on GPU workers.

The schema is the RayJob CRD's own, vendored in tests/schemas/ (its README says where from, under
which license, and how to refresh it). The CRD tolerates unknown fields (the API server prunes them
silently), so the test tightens a copy: a typo'd field must fail here, not vanish on the cluster.
"""

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import ray
import yaml
from conftest import TEMPLATE_ROOT
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config

SCHEMA_FILE = Path(__file__).parent / "schemas" / "kuberay-v1.7.0-rayjob-v1.schema.json"
CUSTOM = {"use_wandb": "n", "docker_image": "registry.example.org/lab/digits:2.1"}
ODD_SLUG = {"project_slug": "2D.Digits_Lab", "package_name": "digits_lab"}
SECRET_NAME = re.compile(r"KEY|TOKEN|PASSWORD|SECRET", re.IGNORECASE)
DNS1035 = re.compile(r"[a-z]([-a-z0-9]{0,45}[a-z0-9])?")  # RayJob names: KubeRay allows 47 characters


def _closed(schema):
    """A copy in which every object schema with `properties` rejects names it does not list."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if (
        isinstance(schema.get("properties"), dict)
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        closed["additionalProperties"] = False
    return closed


@pytest.fixture(scope="module")
def validator():
    schema = _closed(json.loads(SCHEMA_FILE.read_text()))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _context(**extra) -> dict:
    """The rendered answers a bake with `extra` uses (defaults included), as pytest-cookies computes them."""
    raw = generate_context(context_file=str(TEMPLATE_ROOT / "cookiecutter.json"), extra_context=extra)
    return prompt_for_config(raw, no_input=True)


def _errors(validator, manifest) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(manifest)]


def _pods(spec) -> list[dict]:
    cluster = spec["rayClusterSpec"]
    return [cluster["headGroupSpec"]["template"]["spec"]] + [g["template"]["spec"] for g in cluster["workerGroupSpecs"]]


@pytest.mark.parametrize("extra", [{}, CUSTOM, ODD_SLUG], ids=["defaults", "no-wandb-own-image", "odd-slug"])
def test_rayjob_is_valid_and_runs_tune_on_gpu_workers(bake, validator, extra):
    context = _context(**extra)
    manifest = yaml.safe_load((bake(**extra) / "k8s" / "rayjob.yaml").read_text())
    assert _errors(validator, manifest) == []
    assert (manifest["apiVersion"], manifest["kind"]) == ("ray.io/v1", "RayJob")
    assert DNS1035.fullmatch(manifest["metadata"]["name"]), manifest["metadata"]["name"]

    spec = manifest["spec"]
    assert f"-m {context['package_name']} tune" in spec["entrypoint"]
    # Trials on several pods share storage_path, or `tune` refuses the cluster; the results go there too.
    assert re.search(r" storage_path=(s3|gs)://\S+", spec["entrypoint"]), spec["entrypoint"]
    assert spec["shutdownAfterJobFinishes"] is True and spec["ttlSecondsAfterFinished"] > 0
    cluster = spec["rayClusterSpec"]
    assert cluster["rayVersion"] == ray.__version__
    assert cluster["authOptions"] == {"mode": "token"}  # KubeRay makes the token Secret and sets the env
    head = cluster["headGroupSpec"]
    assert head["rayStartParams"]["num-cpus"] == "0"
    assert head.get("serviceType", "ClusterIP") == "ClusterIP" and not head.get("enableIngress")
    assert cluster["workerGroupSpecs"]
    for group in cluster["workerGroupSpecs"]:
        resources = group["template"]["spec"]["containers"][0]["resources"]
        assert int(resources["requests"]["nvidia.com/gpu"]) >= 1
        assert resources["limits"]["nvidia.com/gpu"] == resources["requests"]["nvidia.com/gpu"]

    for pod in _pods(spec):
        shm = [v["name"] for v in pod["volumes"] if v.get("emptyDir", {}).get("medium") == "Memory"]
        for container in pod["containers"] + pod.get("initContainers", []):
            assert container["image"] == context["docker_image"]
            assert container.get("imagePullPolicy") == "Always"  # a tag pushed again runs its new code
            assert {m["name"] for m in container["volumeMounts"] if m["mountPath"] == "/dev/shm"} & set(shm)
            env = {e["name"]: e for e in container.get("env", [])}
            for name in filter(SECRET_NAME.search, env):  # credentials come from Secrets, never literals
                assert "value" not in env[name] and "secretKeyRef" in env[name]["valueFrom"], name
            if context["use_wandb"] == "y":
                assert env["WANDB_API_KEY"]["valueFrom"]["secretKeyRef"]["optional"] is True
            else:
                assert "WANDB_API_KEY" not in env


def test_a_typo_in_the_rayjob_is_rejected_by_name(bake, validator):
    text = (bake() / "k8s" / "rayjob.yaml").read_text()
    assert "shutdownAfterJobFinishes:" in text
    errors = _errors(validator, yaml.safe_load(text.replace("shutdownAfterJobFinishes:", "shutdownAfterJobFinish:")))
    assert len(errors) == 1 and "'shutdownAfterJobFinish' was unexpected" in errors[0], errors
    assert errors[0].startswith("spec:")


def test_the_closed_schema_still_accepts_free_form_maps(validator):
    """Maps the CRD leaves open (labels, rayStartParams, resource lists) stay open in the closed copy."""
    manifest = {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": "x", "labels": {"team": "vision"}},
        "spec": {
            "entrypoint": "true",
            "rayClusterSpec": {
                "headGroupSpec": {
                    "rayStartParams": {"any-flag": "1"},
                    "template": {"spec": {"containers": [{"name": "c", "resources": {"limits": {"x.io/y": 1}}}]}},
                }
            },
        },
    }
    assert _errors(validator, manifest) == []
    typo = copy.deepcopy(manifest)
    typo["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["imag"] = "x"
    assert any("'imag' was unexpected" in error for error in _errors(validator, typo))
