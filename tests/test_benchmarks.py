"""The benchmark scripts' JSON and the tables rendered from it into docs/benchmarks.md (timings are never asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import render_readme  # noqa: E402


def test_readme_tables_are_rendered_from_the_committed_results():
    pages = {page: (ROOT / page).read_text() for page in render_readme.PAGES}
    blocks = render_readme.BLOCK.findall(pages["docs/benchmarks.md"])
    assert {name for _, name, _, _ in blocks} >= set(render_readme.RENDERERS), "every table has its block"
    for page, text in pages.items():
        assert render_readme.render(text) == text, f"{page} stale: run benchmarks/render_readme.py"


def test_a_block_is_replaced_by_its_results_table(tmp_path):
    result = {"date": "2026-01-02", "load_avg_1m": 1.5, "cpus": 2, "runs": 7, "provider": "CPUExecutionProvider",
              "threads": 1, "peak_rss_mb": 1, "rows": [{"model": "m", "bare_median_ms": 0.5, "core_median_ms": 0.75,
                                          "callback_median_ms": 1.0, "node_overhead_ms": 0.5, "e2e_median_ms": 2.0}]}
    (tmp_path / "predictor_latency.json").write_text(json.dumps(result))
    readme = "before\n<!-- benchmark: predictor_latency -->\nold table\n<!-- /benchmark -->\nafter\n"
    out = render_readme.render(readme, tmp_path)
    assert "old table" not in out and out.startswith("before\n") and out.endswith("<!-- /benchmark -->\nafter\n")
    assert "| m | 0.50 | 0.75 | 1.00 | 0.50 | 2.00 |" in out and "--runs 7" in out
    assert render_readme.render(readme, tmp_path / "none") == readme, "no result file: block kept"


def test_loop_latency_json_has_the_documented_keys():
    """One short run of the demo's shape with two people: the loop answers and the JSON has the issue's shape."""
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "loop_latency.py"), "--json", "--frames", "30",
                          "--shapes", "single_process", "--people", "2", "--models", "0", "--warmup-s", "0",
                          "--reference-frames", "0"],
                         capture_output=True, text=True, timeout=280, env=dict(os.environ))
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    (run,) = result["runs"]
    assert run["shape"] == "single_process" and run["people"] == 2 and run["model"] == "lite"
    assert run["fps"] > 0 and run["e2e_ms"]["median"] > 0 and run["e2e_ms"]["p99"] >= run["e2e_ms"]["median"]
    assert set(run["stages_ms"]) == {"image", "keypoints", "forecast", "response"}
    assert run["frames"]["camera"] > 0 and set(run["drops"]) == {"perception", "after_perception"}
    assert [p["name"] for p in run["processes"]] == ["loop", "probe (benchmark)"]
    assert all(p["cpu_percent"] > 0 and p["rss_mb"] > 0 for p in run["processes"])
    assert result["onnxruntime_provider"].endswith("ExecutionProvider")


FOREIGN_GRAPH = """
import time, numpy as np, rclpy
from rclpy.node import Node
from std_msgs.msg import Header
from nvhai_common.ros_conversions import sec_to_stamp
from nvhai_msgs.msg import BodyKeypoints, BodyKeypointsArray
rclpy.init()
node = Node("another_graph")
pub = node.create_publisher(BodyKeypointsArray, "/body_keypoints", 10)
print("ready", flush=True)
xy = np.full(17, 200.0, np.float32)
for k in range(300 * 400):  # people of other cameras, their clock far ahead, 300 messages a second
    header = Header(stamp=sec_to_stamp(10_000 + k / 300), frame_id="camera")
    pub.publish(BodyKeypointsArray(header=header, image_width=640, image_height=480, people=[BodyKeypoints(
        header=header, person_id=5, image_width=640, image_height=480, x=xy + k % 7, y=xy,
        confidence=np.ones(17, np.float32), score=1.0)]))
    time.sleep(1 / 300)
"""


def test_predictor_latency_says_why_when_no_forecast_comes_back():
    """Another graph on the same ROS domain (a camera whose clock is far ahead) makes the node forget the
    benchmark's person at every one of its messages: no forecast comes back, and it says so in one line
    instead of an IndexError."""
    from ros_harness import start_python, stop

    foreign = start_python(["-c", FOREIGN_GRAPH])
    try:
        assert foreign.stdout.readline().strip() == "ready"
        # 2000 frames: the other graph is discovered while they are sent (seconds), whatever the machine's load
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "predictor_latency.py"), "--runs", "2000",
                              "--json"], capture_output=True, text=True, timeout=500, env=dict(os.environ))
    finally:
        stop(foreign)
    err = out.stderr.strip()
    assert out.returncode == 1 and "Traceback" not in err, err[-3000:]
    last = err.splitlines()[-1]
    assert last.startswith("predictor_latency.py: no forecast came back") and "ROS_DOMAIN_ID" in last, err[-3000:]


@pytest.mark.parametrize("script", ["perception_latency", "predictor_latency", "predictor_crowd", "model_table",
                                    "training_throughput", "loop_latency", "multi_person", "tracking_loop"])
def test_every_benchmark_has_json(script):
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{script}.py"), "--help"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and "--json" in out.stdout, out.stderr[-1000:]
