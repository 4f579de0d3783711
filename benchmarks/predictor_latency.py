"""Predictor: bare onnxruntime inference vs. the ROS-free core step vs. the node end to end
(keypoints message published -> forecast received), per model, 1 person. The core step is timed
with online adaptation and gate on (the default) and off (model only, self-scoring kept), the two
stepped alternately on the same frames so load drifts hit both alike.

    .venv/bin/python benchmarks/predictor_latency.py [--runs 300] [--json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from table import peak_rss_mb, print_table, stats_ms

os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "src", "nvhai_bringup", "config", "fastdds_local.xml"))

CMU = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "cmu_mocap", "cmu_coco17_30fps_train.npz")


def motion(n: int) -> np.ndarray:
    if os.path.exists(CMU):
        with np.load(CMU) as d:
            clip = d["001_01"]
    else:
        clip = 0.5 + 0.05 * np.sin(np.arange(600)[:, None, None] / 10 + np.random.default_rng(0).random((1, 17, 2)))
    return np.stack([clip[i % len(clip)] for i in range(n)]) * 480.0  # image heights -> pixels of a 640x480 camera


def models(tmp: str) -> dict[str, str]:
    from nvhai_predictor.contract import ModelContract
    from nvhai_predictor.model_runner import default_model_path
    from nvhai_training.export import export_onnx
    from nvhai_training.models import build_model

    out = {"default.onnx (shipped)": default_model_path()}
    for arch in ("mlp", "lstm", "cnn_lstm", "transformer"):
        out[arch] = os.path.join(tmp, f"{arch}.onnx")
        export_onnx(build_model(arch).eval(), out[arch], ModelContract(model_name=arch))
    return out


class NoForecast(RuntimeError):
    """The node under test answered nothing; the message says what usually causes it."""


def bench(path: str, xy: np.ndarray, runs: int) -> list[object]:
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.parameter import Parameter
    from std_msgs.msg import Header

    from nvhai_common.ros_conversions import sec_to_stamp, stamp_to_sec
    from nvhai_msgs.msg import BodyKeypoints, BodyKeypointsArray, MotionForecast
    from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, Observation
    from nvhai_predictor.model_runner import ModelRunner
    from nvhai_predictor.node import PredictorNode
    from nvhai_predictor.normalization import normalize
    from nvhai_predictor.online import OnlineConfig
    from nvhai_predictor.online_adaptation import AdaptationConfig
    from nvhai_predictor.self_scoring import ScoringConfig

    runner = ModelRunner(path)
    window = normalize(xy[:60])[0][None].astype(np.float32)
    bare = []
    for i in range(runs + 20):
        t0 = time.perf_counter()
        runner.run(window)
        if i >= 20:
            bare.append(time.perf_counter() - t0)
    forecaster, core = Forecaster(runner), []
    plain = Forecaster(runner, ForecasterConfig(online=OnlineConfig(AdaptationConfig(enabled=False),
                                                                    ScoringConfig(gate=False))))
    core_off: list[float] = []
    ones = np.ones(17)
    for i in range(runs + 60):
        for f, times in ((forecaster, core), (plain, core_off)):
            t0 = time.perf_counter()
            f.step(i / 30, [Observation(0, xy[i], ones)], 640, 480)
            if i >= 60:
                times.append(time.perf_counter() - t0)

    class TimedPredictor(PredictorNode):
        """The real node, with the time spent in its keypoints callback recorded."""

        callback: list[float] = []  # noqa: RUF012

        def _on_keypoints(self, msg, info) -> None:
            t0 = time.perf_counter()
            super()._on_keypoints(msg, info)
            self.callback.append(time.perf_counter() - t0)

    rclpy.init()
    node = TimedPredictor(parameter_overrides=[Parameter("model_path", value=path)])
    io = Node("predictor_bench")
    pub = io.create_publisher(BodyKeypointsArray, "/body_keypoints", 10)
    got: dict[float, float] = {}  # stamp -> when its forecast arrived: only the node's answers to this benchmark
    io.create_subscription(MotionForecast, "/future_poses", lambda m: got.setdefault(
        round(stamp_to_sec(m.header.stamp), 6), time.perf_counter()) if m.person_id == 0 else None, 10)
    ex = SingleThreadedExecutor()
    ex.add_node(node)
    ex.add_node(io)
    while pub.get_subscription_count() == 0:
        ex.spin_once(timeout_sec=0.05)
    e2e, missed = [], 0
    for i in range(runs + 60):
        header = Header(stamp=sec_to_stamp(100 + i / 30), frame_id="camera")
        msg = BodyKeypointsArray(header=header, image_width=640, image_height=480, people=[BodyKeypoints(
            header=header, person_id=0, image_width=640, image_height=480, x=xy[i, :, 0].astype(np.float32),
            y=xy[i, :, 1].astype(np.float32), confidence=np.ones(17, np.float32), score=1.0)])
        stamp, handled = round(stamp_to_sec(header.stamp), 6), len(node.callback)
        t0 = time.perf_counter()
        pub.publish(msg)
        deadline = t0 + 1.0
        # Until the 2 s window is full no forecast comes: wait for the node to take the message, not for one.
        while (stamp not in got if i >= 59 else len(node.callback) == handled) and time.perf_counter() < deadline:
            ex.spin_once(timeout_sec=0.01)
        if i >= 60 and stamp in got:
            e2e.append(got[stamp] - t0)
        missed = missed + 1 if i >= 59 and stamp not in got else 0
        if missed == 10:  # each waited 1 s: the node answers nothing (its window never fills)
            raise NoForecast(f"no forecast came back from the node for {os.path.basename(path)} for 10 frames in a "
                             f"row after its window filled: is another graph publishing /body_keypoints on "
                             f"ROS_DOMAIN_ID {os.environ.get('ROS_DOMAIN_ID', '0')} (its people, on another clock, "
                             "make the node forget this one)? Run on a free domain, e.g. ROS_DOMAIN_ID=77")
    ex.shutdown()
    node.destroy_node()
    io.destroy_node()
    rclpy.shutdown()
    b, c, e, cb = stats_ms(bare), stats_ms(core), stats_ms(e2e), stats_ms(node.callback[60:])
    off = stats_ms(core_off)
    return [b["median_ms"], b["p99_ms"], c["median_ms"], c["p99_ms"], cb["median_ms"], cb["p99_ms"],
            cb["median_ms"] - b["median_ms"], e["median_ms"], e["p99_ms"], off["median_ms"], off["p99_ms"],
            c["median_ms"] - off["median_ms"]]


HEADER = ["model", "bare median ms", "bare p99", "core step median", "core p99", "node callback median",
          "callback p99", "node overhead ms", "e2e via DDS median", "e2e p99", "core, adaptation off median",
          "core off p99", "adaptation overhead ms"]
KEYS = ["model", "bare_median_ms", "bare_p99_ms", "core_median_ms", "core_p99_ms", "callback_median_ms",
        "callback_p99_ms", "node_overhead_ms", "e2e_median_ms", "e2e_p99_ms", "core_adaptation_off_median_ms",
        "core_adaptation_off_p99_ms", "adaptation_overhead_ms"]


def main() -> None:
    load_start = round(os.getloadavg()[0], 2)
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    xy = motion(args.runs + 60)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in models(tmp).items():
            try:
                figures = bench(path, xy, args.runs)
            except NoForecast as e:
                sys.exit(f"predictor_latency.py: {e}")
            rows.append(dict(zip(KEYS, [name, *(round(v, 3) for v in figures)], strict=True)))
    result = {"date": datetime.date.today().isoformat(), "load_avg_1m": load_start, "cpus": os.cpu_count(),
              "runs": args.runs,
              "provider": "CPUExecutionProvider", "threads": 1, "rows": rows, "peak_rss_mb": round(peak_rss_mb())}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print_table(f"nvhai_predictor, 1 person, {args.runs} frames, onnxruntime CPU 1 thread (peak RSS "
                f"{result['peak_rss_mb']} MB)", HEADER, [[r[k] for k in KEYS] for r in rows])


if __name__ == "__main__":
    main()
