# The two commands of the README, `make demo` and `make test`, and `make docs`. All build .venv
# on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch is pinned in the same pip call as everything that depends on it (accelerate, from the
# test extra, included): an open range would pull a multi-GB CUDA build.
TORCH := torch==2.13.0

.PHONY: demo test docs venv clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)" -e ".[test,docs]"
	touch $@

venv: $(BIN)/.installed

demo: venv
	$(BIN)/python examples/demo_tox21.py

# One torch thread per process: the test models are tiny, and the n_jobs=2 / dask tests start
# worker processes that would otherwise oversubscribe the 2 cores (measured: 10x slower).
test: venv
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q

# The site in docs/_build/html, warnings as errors, every gallery example executed (a few
# minutes). tests/test_docs.py builds it without executing the gallery on every `make test`.
docs: venv
	OMP_NUM_THREADS=1 $(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) build *.egg-info docs/_build docs/auto_examples docs/generated
