# Two entry points on a fresh machine: `make demo` and `make test`. Both build the environment first.
PYTHON ?= python3
VENV ?= .venv
# torch goes in first and alone: here `torch==2.13.0` is a CPU build on local disk. Elsewhere, a CPU-only
# machine should add TORCH_INDEX=https://download.pytorch.org/whl/cpu to skip the multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=
DEMO_DIR ?= build/demo
# What cookiecutter.json's defaults bake into (tests/test_requirements.py checks these).
DEMO_SLUG := digits-research
DEMO_PACKAGE := digits_research

BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
# uv installs the environment (57 s from a fresh clone on 2 CPUs, where pip took 1.5-1.8 min), at the version
# requirements-dev.txt pins. It reads no pip configuration, so a find-links folder given to pip (PIP_FIND_LINKS)
# is passed on. --compile-bytecode as pip does: where PYTHONDONTWRITEBYTECODE is set, as on CI's machines, every
# process of the tests would otherwise compile torch and Lightning again (such a make test was stopped unfinished
# after 18 min).
UV_SPEC := $(shell grep -m1 '^uv==' requirements-dev.txt)
UV_INSTALL := $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python $(if $(PIP_FIND_LINKS),--find-links $(PIP_FIND_LINKS))

# The baked project's lock, resolved from PyPI for every python_version choice (3.10 is the lowest).
LOCK := {{cookiecutter.project_slug}}/requirements.lock
LOCK_PYTHON ?= 3.10

.PHONY: venv demo test test-integration test-image test-slurm lint lock clean

$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "$(UV_SPEC)"
	$(UV_INSTALL) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH_SPEC)"
	$(UV_INSTALL) -r requirements-dev.txt
	touch $@

venv: $(STAMP)

demo: venv
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(BIN)/cookiecutter --no-input --output-dir $(DEMO_DIR) .
	$(UV_INSTALL) -e $(DEMO_DIR)/$(DEMO_SLUG)
	cd $(DEMO_DIR)/$(DEMO_SLUG) && $(BIN)/python -m $(DEMO_PACKAGE) train

# Every test that needs no root and no system package, on two pytest-xdist workers: the baked project's
# suite (itself on two workers, about 10 min) is the longest test, and the rest run beside it.
test: venv
	$(BIN)/python -m pytest -n 2 --dist worksteal --durations=10 -m "not image and not browser and not slurm and not cluster" tests

# The tests that need system packages (CI runs them after `make test`): the baked project's image with
# buildah and podman (image), the report page in chromium (browser), the sbatch scripts on a real SLURM
# cluster on this machine (slurm: needs root, slurmctld, slurmd, slurmdbd, munge and MariaDB), a search
# on multi-node Ray clusters of local raylets, started with ray start and grown by Ray's autoscaler (cluster).
test-integration: venv
	$(BIN)/python -m pytest -m "image or browser or slurm or cluster" tests

# The image test alone.
test-image: venv
	$(BIN)/python -m pytest -m image tests

# The SLURM tests alone.
test-slurm: venv
	$(BIN)/python -m pytest -m slurm tests

# Re-resolve the lock after changing the baked pyproject.toml; current pins are kept where they still fit.
lock: venv
	rm -rf build/lock && $(BIN)/cookiecutter --no-input --output-dir build/lock .
	cd build/lock/$(DEMO_SLUG) && $(BIN)/uv pip compile pyproject.toml --universal --all-extras \
		--python-version $(LOCK_PYTHON) --output-file requirements.lock
	cp build/lock/$(DEMO_SLUG)/requirements.lock "$(LOCK)"

lint: venv
	$(BIN)/ruff check hooks tests benchmarks tools
	$(BIN)/ruff format --check hooks tests benchmarks tools

clean:
	rm -rf $(VENV) build
