# nvhai: `make demo` sets up (first time) and runs the embedded demo; `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
# Extra nvhai-demo arguments, e.g. make demo DEMO_ARGS="--no-gif --video clip.mp4".
DEMO_ARGS ?=
# Test processes (pytest-xdist, one test file per process at a time; each gets its own ROS domain): 0 = serial.
TEST_JOBS ?= 2

.PHONY: setup demo test lint benchmark docs-images clean

setup:
	bash scripts/setup.sh

demo: setup
	$(VENV)/bin/nvhai-demo $(DEMO_ARGS)

lint: setup
	$(VENV)/bin/ruff check .

test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadfile

# Each benchmark's --json goes to benchmarks/results/NAME.json (kept only when the script succeeds);
# docs/benchmarks.md's tables are rendered from those files.
BENCHMARKS := loop_latency multi_person perception_latency predictor_latency predictor_crowd model_table training_throughput

benchmark: setup
	mkdir -p benchmarks/results
	@for b in $(BENCHMARKS); do \
		echo "benchmarks/$$b.py --json > benchmarks/results/$$b.json"; \
		$(PY) benchmarks/$$b.py --json > benchmarks/results/$$b.json.tmp || exit 1; \
		mv benchmarks/results/$$b.json.tmp benchmarks/results/$$b.json; \
	done
	$(PY) benchmarks/loop_latency.py --json --people 2 --models 0 --perception refresh_every:=2 \
		> benchmarks/results/loop_latency_roi_refresh2.json.tmp
	mv benchmarks/results/loop_latency_roi_refresh2.json.tmp benchmarks/results/loop_latency_roi_refresh2.json
	$(PY) benchmarks/render_readme.py

# The README's two pictures, from the shipped model: the demo's frame and the browser test's screenshot.
docs-images: setup
	$(VENV)/bin/nvhai-demo --no-gif --out out/docs_demo
	cp out/docs_demo/demo.png docs/demo.png
	NVHAI_WEB_SCREENSHOT=docs/web_view.png $(PY) -m pytest -q -p no:xdist src/nvhai_bringup/test/test_live_view_demo.py

clean:
	rm -rf $(VENV) build install log
