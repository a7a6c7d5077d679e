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

.PHONY: venv demo test lint clean

$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(STAMP)

demo: venv
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(BIN)/cookiecutter --no-input --output-dir $(DEMO_DIR) .
	$(BIN)/pip install --quiet -e $(DEMO_DIR)/$(DEMO_SLUG)
	cd $(DEMO_DIR)/$(DEMO_SLUG) && $(BIN)/python -m $(DEMO_PACKAGE) train

test: venv
	$(BIN)/python -m pytest tests

lint: venv
	$(BIN)/ruff check hooks tests benchmarks
	$(BIN)/ruff format --check hooks tests benchmarks

clean:
	rm -rf $(VENV) build
