"""The deliberate breaks that the template's own tests catch (lock, image, benchmark, report page): Break's
template_tests=True runs its tests in the template. breaks.py lists them after the baked project's.
"""

from __future__ import annotations

from break_spec import HYPERLIGHT, PROJECT, Break

TEMPLATE_BREAKS = [
    Break(
        "runner-does-not-learn",
        "the runner's trials clip every gradient to nothing: the search learns nothing (finding 10)",
        f"{HYPERLIGHT}/trainer_setup.py",
        'clip = config.get("gradient_clip_val") or None',
        "clip = 1e-12",
        ("tests/test_benchmark_smoke.py::test_benchmark_smoke_mode_prints_every_way_and_consistent_figures",),
        template_tests=True,
    ),
    Break(
        "lock-misses-a-dependency",
        "the lock leaves out a transitive dependency; only 3.11 is ever installed (finding 11)",
        f"{PROJECT}/requirements.lock",
        "aiohappyeyeballs==2.7.1\n    # via aiohttp\n",
        "",
        ("tests/test_requirements.py::test_the_lock_resolves_as_it_is_for_every_offered_python",),
        template_tests=True,
    ),
    Break(
        "lock-pin-not-for-every-python",
        "a pin that no longer supports an offered Python (numpy 2.4 needs 3.11+; the lock offers 3.10) (finding 11)",
        f"{PROJECT}/requirements.lock",
        "numpy==2.2.6 ; python_full_version < '3.11'",
        "numpy==2.4.6 ; python_full_version < '3.11'",
        ("tests/test_requirements.py::test_the_lock_resolves_as_it_is_for_every_offered_python",),
        template_tests=True,
    ),
    Break(
        "image-ignores-lock",
        "the image installs the project without the lock's constraints: Ray's image keeps its own versions",
        f"{PROJECT}/Dockerfile",
        "--constraint requirements.lock --requirement pyproject.toml",
        "--requirement pyproject.toml",
        ("tests/test_image_build.py::test_image_builds_and_runs_train_and_tune_as_the_host_user",),
        template_tests=True,
    ),
    Break(
        "image-without-bytecode",
        "the image installs the lock without .pyc files, which its host user cannot write: each process compiles",
        f"{PROJECT}/Dockerfile",
        "--no-cache --compile-bytecode \\\n",
        "--no-cache \\\n",
        ("tests/test_image_build.py::test_image_builds_and_runs_train_and_tune_as_the_host_user",),
        template_tests=True,
    ),
    Break(
        "image-no-pip-check",
        "the image build no longer runs `uv pip check`: a conflict with Ray's image would build",
        f"{PROJECT}/Dockerfile",
        ' \\\n    && uv pip check --python "$(command -v python)"\n',
        "\n",
        ("tests/test_container_files.py::test_the_image_build_ends_with_uv_pip_check",),
        template_tests=True,
    ),
    Break(
        "report-absolute-src",
        "the report page finds its figures by absolute paths (finding 9)",
        f"{HYPERLIGHT}/report.py",
        "page.image(path.name, ",
        "page.image(str(path.resolve()), ",
        ("tests/test_report_page.py",),
        template_tests=True,
    ),
]
