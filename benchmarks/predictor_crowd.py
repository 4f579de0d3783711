"""Predictor under a crowd: 10 and 50 people in view at 30 FPS for a minute, through the real predictor node
(its own process, shipped defaults: load shedding serves `max_people_per_step` 8 people a frame), and once
with load shedding off (`max_people_per_step:=0`, every ready person every frame, as before issue 34).

Per row: the node's keypoints callback per frame (its step: forecaster and publishing, ms median / p99),
publish-to-forecast latency (forecast received - its keypoints' stamp, the stamp being the wall clock at
publishing) in the first and the last 10 s (a queue that grows shows as a later figure larger than the
first), forecasts per frame, and the node's RSS before the crowd, with it, and after it was forgotten (one
other person in view for 4 s: the crowd is forgotten after forget_after_s and its memory given back).

    .venv/bin/python benchmarks/predictor_crowd.py [--seconds 60] [--people 10 50] [--json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from process_stats import load_average_1m, memory_mb
from table import print_table

os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "src", "nvhai_bringup", "config", "fastdds_local.xml"))

RATE = 30.0
W, H = 640, 480
BODY = np.array([[320, 100], [330, 90], [310, 90], [340, 95], [300, 95], [360, 150], [280, 150], [380, 210],
                 [260, 210], [390, 270], [250, 270], [345, 280], [295, 280], [350, 370], [290, 370], [352, 450],
                 [288, 450]], np.float64)


def pose(pid: int, i: int) -> np.ndarray:
    """Person `pid` at frame `i`: standing at their own place and size (far ones small), waving."""
    s = 0.2 + 0.8 * (pid % 11) / 10
    xy = (BODY - 320) * s + [60 + (pid * 97) % 520, 0]
    xy[[7, 9], 1] -= 40 * s * (np.sin(i / 6 + pid) + 1)
    xy[:, 1] = xy[:, 1] * 0.8 + 40
    return xy


def serve_node(out: str) -> None:
    """The predictor node as `predictor_node` runs it, with each keypoints callback timed into `out` (.npy)."""
    from nvhai_common.ros_main import run_node
    from nvhai_predictor.node import PredictorNode

    times: list[tuple[float, float, int]] = []  # (stamp, seconds in the callback, people in the message)

    class TimedPredictor(PredictorNode):
        def _on_keypoints(self, msg, info) -> None:
            t0 = time.perf_counter()
            super()._on_keypoints(msg, info)
            times.append((msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9, time.perf_counter() - t0,
                          len(msg.people)))

    try:
        run_node(TimedPredictor, prog="predictor_node")
    finally:
        np.save(out, np.array(times, dtype=np.float64).reshape(-1, 3))


def run(people: int, seconds: float, params: list[str]) -> dict:
    import rclpy
    from rclpy.node import Node
    from std_msgs.msg import Header

    from nvhai_common.ros_conversions import float32_sequence, sec_to_stamp, stamp_to_sec
    from nvhai_msgs.msg import BodyKeypoints, BodyKeypointsArray, MotionForecast

    with tempfile.TemporaryDirectory() as tmp:
        timing = os.path.join(tmp, "steps.npy")
        args = [arg for p in params for arg in ("-p", p)]
        proc = subprocess.Popen([sys.executable, __file__, "--serve-node", timing, "--ros-args", *args],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rclpy.init()
        io = Node("predictor_crowd_bench")
        pub = io.create_publisher(BodyKeypointsArray, "/body_keypoints", 100)
        got: list[tuple[float, float]] = []  # (stamp, received): wall clock both
        io.create_subscription(MotionForecast, "/future_poses",
                               lambda m: got.append((stamp_to_sec(m.header.stamp), time.time())), 1000)
        deadline = time.monotonic() + 120
        while pub.get_subscription_count() == 0 and time.monotonic() < deadline:
            rclpy.spin_once(io, timeout_sec=0.05)

        def message(ids: list[int], i: int) -> BodyKeypointsArray:
            msg = BodyKeypointsArray(header=Header(frame_id="camera"), image_width=W, image_height=H)
            for pid in ids:
                xy = pose(pid, i)
                msg.people.append(BodyKeypoints(person_id=pid, image_width=W, image_height=H, x=float32_sequence(
                    xy[:, 0]), y=float32_sequence(xy[:, 1]), confidence=float32_sequence(np.ones(17)), score=1.0))
            return msg

        def play(ids: list[int], duration: float) -> list[float]:
            """`ids` in view for `duration` s at the camera's pace, stamped with the wall clock. Messages are made
            ahead (a 4 s loop of poses) so that the publisher here takes little of the cores the node runs on."""
            loop = [message(ids, i) for i in range(round(4 * RATE))]
            stamps, start = [], time.monotonic()
            for i in range(round(duration * RATE)):
                msg = loop[i % len(loop)]
                msg.header.stamp = sec_to_stamp(time.time())
                for person in msg.people:
                    person.header = msg.header
                pub.publish(msg)
                header = msg.header
                stamps.append(stamp_to_sec(header.stamp))
                while True:  # the camera's pace; forecasts are received meanwhile
                    left = start + (i + 1) / RATE - time.monotonic()
                    if left <= 0:
                        break
                    rclpy.spin_once(io, timeout_sec=left)
            return stamps

        play([1000], 3.0)  # one person: the node warm
        before = memory_mb(proc.pid)["rss_mb"]
        n0 = len(got)
        crowd = play(list(range(people)), seconds)
        with_crowd = memory_mb(proc.pid)["rss_mb"]
        drain = time.monotonic() + 5.0
        while time.monotonic() < drain:
            rclpy.spin_once(io, timeout_sec=0.1)
        crowd_forecasts = [(s, r) for s, r in got[n0:] if crowd[0] <= s <= crowd[-1]]
        play([2000], 4.0)  # another person alone: the crowd is forgotten (forget_after_s 2 s), its memory given back
        after = memory_mb(proc.pid)["rss_mb"]
        io.destroy_node()
        rclpy.shutdown()
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        steps = np.load(timing)
    in_crowd = steps[(steps[:, 0] >= crowd[0]) & (steps[:, 0] <= crowd[-1])]
    step_ms = 1000 * in_crowd[:, 1]

    def latency(lo: float, hi: float) -> dict:
        ms = [1000 * (r - s) for s, r in crowd_forecasts if lo <= s - crowd[0] < hi]
        return {"p50": round(float(np.percentile(ms, 50)), 1), "p95": round(float(np.percentile(ms, 95)), 1),
                "forecasts": len(ms)} if ms else {"p50": None, "p95": None, "forecasts": 0}

    return {"people": people, "params": params, "frames": len(crowd), "frames_processed": len(in_crowd),
            "step_ms": {"median": round(float(np.median(step_ms)), 2), "p99": round(float(np.percentile(step_ms, 99)), 2)},
            "latency_ms": {"first_10s": latency(0, 10), "last_10s": latency(seconds - 10, seconds)},
            "forecasts_per_frame": round(len(crowd_forecasts) / len(crowd), 2),
            "rss_mb": {"before": before, "crowd": with_crowd, "after_forgetting": after}}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--serve-node":
        serve_node(sys.argv[2])
        return
    load_start = load_average_1m()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each crowd stays in view")
    parser.add_argument("--people", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--no-unbounded", action="store_true",
                        help="skip the row with load shedding off (max_people_per_step:=0)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    plan = [(n, []) for n in args.people]
    if not args.no_unbounded:
        plan.append((max(args.people), ["max_people_per_step:=0"]))
    rows = [run(n, args.seconds, params) for n, params in plan]
    result = {"date": datetime.date.today().isoformat(), "load_avg_1m": load_start, "cpus": os.cpu_count(),
              "seconds": args.seconds, "rate_hz": RATE, "rows": rows}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print_table(f"nvhai_predictor node under a crowd, {args.seconds:.0f} s at {RATE:.0f} FPS, load {load_start}",
                ["people", "parameters", "step ms median / p99", "latency ms p50 / p95, first 10 s",
                 "last 10 s", "forecasts per frame", "RSS MB before / crowd / forgotten"],
                [[r["people"], " ".join(r["params"]) or "shipped defaults",
                  f"{r['step_ms']['median']} / {r['step_ms']['p99']}",
                  f"{r['latency_ms']['first_10s']['p50']} / {r['latency_ms']['first_10s']['p95']}",
                  f"{r['latency_ms']['last_10s']['p50']} / {r['latency_ms']['last_10s']['p95']}",
                  r["forecasts_per_frame"],
                  f"{r['rss_mb']['before']} / {r['rss_mb']['crowd']} / {r['rss_mb']['after_forgetting']}"]
                 for r in rows])


if __name__ == "__main__":
    main()
