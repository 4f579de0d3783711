# nvhai: `make demo` sets up (first time) and runs the embedded demo; `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
# Extra nvhai-demo arguments, e.g. make demo DEMO_ARGS="--no-gif --video clip.mp4".
DEMO_ARGS ?=

.PHONY: setup demo test lint benchmark clean

setup:
	bash scripts/setup.sh

demo: setup
	$(VENV)/bin/nvhai-demo $(DEMO_ARGS)

lint: setup
	$(VENV)/bin/ruff check .

test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

benchmark: setup
	$(PY) benchmarks/perception_latency.py
	$(PY) benchmarks/predictor_latency.py
	$(PY) benchmarks/model_table.py
	$(PY) benchmarks/training_throughput.py

clean:
	rm -rf $(VENV) build
