"""The pre-generation hook refuses names that would break the project, and leaves nothing behind."""

import pytest
from conftest import TEMPLATE_ROOT


@pytest.mark.parametrize(
    ("package_name", "message"),
    [
        ("2fast", "package_name '2fast' is not a valid Python identifier"),
        ("my-model", "package_name 'my-model' is not a valid Python identifier"),
        ("class", "package_name 'class' is a Python keyword"),
        ("torch", "package_name 'torch' shadows the module 'torch'"),
        ("ray", "package_name 'ray' shadows the module 'ray'"),
        ("wandb", "package_name 'wandb' shadows the module 'wandb'"),
        ("json", "package_name 'json' shadows the module 'json'"),
    ],
)
def test_bad_package_name_is_rejected_cleanly(cookies, capfd, tmp_path, package_name, message):
    result = cookies.bake(template=str(TEMPLATE_ROOT), extra_context={"package_name": package_name})

    assert result.exit_code != 0
    err = capfd.readouterr().err
    [line] = [line for line in err.splitlines() if line.startswith("ERROR:")]  # one clear line
    assert line.startswith(f"ERROR: {message}")
    # pytest-cookies bakes into <tmp_path>/cookies/bakeNN: the hook must leave no project folder there
    assert [p for p in (tmp_path / "cookies").rglob("*") if not p.name.startswith("bake")] == []


@pytest.mark.parametrize(("key", "value"), [("experiment_id", "my run"), ("project_slug", "../escape")])
def test_bad_folder_names_are_rejected(cookies, capfd, key, value):
    context = {key: value, "package_name": "valid_package"}
    result = cookies.bake(template=str(TEMPLATE_ROOT), extra_context=context)

    assert result.exit_code != 0
    [line] = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR:")]
    assert line.startswith(f"ERROR: {key} '{value}' must start with a letter or digit")


@pytest.mark.parametrize("image", ["ghcr.io/Lab/Study:1", "lab/study:bad tag", "lab//study"])
def test_bad_docker_image_is_rejected(cookies, capfd, image):
    result = cookies.bake(template=str(TEMPLATE_ROOT), extra_context={"docker_image": image})

    assert result.exit_code != 0
    [line] = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR:")]
    assert line.startswith(f"ERROR: docker_image '{image}' is not an image reference")


@pytest.mark.parametrize("image", ["localhost:5000/study", "ghcr.io/lab/my_study:v1.2-rc", "study@sha256:" + "a" * 64])
def test_good_docker_images_bake(bake, image):
    assert bake(docker_image=image).is_dir()


def test_default_docker_image_is_lowercase_for_any_slug(bake):
    project = bake(project_name="Digits Lab", project_slug="Digits-Lab")
    assert "ghcr.io/your-org/digits-lab:0.1.0" in (project / "docker-compose.yml").read_text()
