# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Installed before the project so pip keeps it: a CPU or CUDA build as the platform's index serves.
TORCH ?= torch==2.13.0

.PHONY: run test lint bench install corpus

$(BIN)/rnnplay: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e .
	touch $(BIN)/rnnplay

# What the tests need on top: pytest and its plugins, ruff, and Ray Tune for the sweep tests
# (`make run` does without them; `rnnplay sweep` says how to add Ray).
$(VENV)/.test-extras: $(BIN)/rnnplay
	$(BIN)/python -m pip install -q -e ".[test,sweep]"
	touch $@

install: $(BIN)/rnnplay

run: install
	$(BIN)/rnnplay $(ARGS)

# The tests train on the book's zip. CI keeps it in ../shared/corpus/; anywhere else the app's own
# verified download puts it in corpus/ (or RNNPLAY_CORPUS_DIR) once; offline, it says where to put it.
corpus: install
	@test -f ../shared/corpus/jaychou_lyrics.txt.zip || $(BIN)/python -m engine.data.fetch_corpus

# Two pytest workers a core (pytest-xdist's auto, as tests/conftest.py counts it; WORKERS=N for
# another count, WORKERS=0 runs in this process). Ray's tests and each
# module's module-scoped set-up stay on one worker (tests/conftest.py marks their group); the work
# is handed out in the order tests/conftest.py puts it, the longest first (no reordering by size).
# Compiled bytecode is kept (__pycache__/, ignored by git) even where the environment says not
# to (PYTHONDONTWRITEBYTECODE): else each worker and each process the tests start compiles the
# project, and pytest rewrites every test module, again (half of a worker's 6 CPU-s collecting).
WORKERS ?= auto
test: install $(VENV)/.test-extras corpus
	$(BIN)/ruff check .
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -n $(WORKERS) --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS)

bench: install $(VENV)/.test-extras
	$(BIN)/python -m bench.epoch_speed
