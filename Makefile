# make test   full dev environment (torch CPU + train/dev extras), then the default test suite
# make demo   library-only install (no torch), then tag examples/sample_feedback.jsonl
#
# VENV is overridable, e.g. `make demo VENV=.venv-demo` proves the library runs without torch.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_VERSION := 2.13.0

.PHONY: test demo clean-stamps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install torch==$(TORCH_VERSION)
	$(BIN)/pip install -e '.[train,dev]'
	touch $@

$(VENV)/.stamp-lib: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e .
	touch $@

test: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest

demo: $(VENV)/.stamp-lib
	mkdir -p out
	$(BIN)/feedback-nlp tag examples/sample_feedback.jsonl --output out/tags.jsonl

clean-stamps:
	rm -f $(VENV)/.stamp-dev $(VENV)/.stamp-lib
