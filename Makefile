# The two commands of the README: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch is pinned in the same pip call as everything that depends on it: an open range would
# pull a multi-GB CUDA build.
TORCH := torch==2.13.0

.PHONY: demo test venv clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)" -e ".[test]"
	touch $@

venv: $(BIN)/.installed

demo: venv
	$(BIN)/python examples/demo_tox21.py

# One torch thread per process: the test models are tiny, and the n_jobs=2 / dask tests start
# worker processes that would otherwise oversubscribe the 2 cores (measured: 10x slower).
test: venv
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) build *.egg-info
