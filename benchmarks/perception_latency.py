"""Perception at 640x480: the ROS-free core per frame, and the node in its own process
(image published -> keypoints received, same clock), at 30 FPS and flat out.

    .venv/bin/python benchmarks/perception_latency.py [--frames 300] [--json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from real_media import demo_video_frames
from table import peak_rss_mb, print_table, stats_ms

# Same-host DDS over loopback + shared memory: images cross processes whole, nothing leaves the machine.
os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "src", "nvhai_bringup", "config", "fastdds_local.xml"))


def frames_640x480(n: int) -> list[np.ndarray]:
    clip = [cv2.resize(f, (640, 480)) for f in demo_video_frames(0, 230)]
    return [clip[i % len(clip)] for i in range(n)]


def bench_bare(frames: list[np.ndarray]) -> tuple[dict, float]:
    """Bare MediaPipe Pose on the same frames: what the core's wrapper is compared with."""
    import mediapipe as mp

    from nvhai_perception.pipeline import PipelineConfig

    times = []
    with mp.solutions.pose.Pose(model_complexity=PipelineConfig.model_complexity) as pose:  # the core's model
        start = time.perf_counter()
        for f in frames:
            rgb = cv2.cvtColor(f, cv2.COLOR_BGR2RGB)
            t0 = time.perf_counter()
            pose.process(rgb)
            times.append(time.perf_counter() - t0)
        fps = len(frames) / (time.perf_counter() - start)
    return stats_ms(times[10:]), fps


def bench_core(frames: list[np.ndarray], max_people: int = 1) -> tuple[dict, float]:
    from nvhai_perception.pipeline import KeypointPipeline, PipelineConfig

    pipeline = KeypointPipeline(PipelineConfig(smoothing=True, max_people=max_people))
    times = []
    start = time.perf_counter()
    for i, f in enumerate(frames):
        t0 = time.perf_counter()
        pipeline.process(f, i / 30)
        times.append(time.perf_counter() - t0)
    fps = len(frames) / (time.perf_counter() - start)
    pipeline.close()
    return stats_ms(times[10:]), fps


def bench_node(frames: list[np.ndarray], rate_hz: float | None) -> tuple[dict, float, int]:
    """Latency (stamp -> keypoints received) and received frames/s with the node in another process."""
    import rclpy
    from rclpy.node import Node
    from rclpy.qos import qos_profile_sensor_data
    from sensor_msgs.msg import Image
    from std_msgs.msg import Header

    from nvhai_common.ros_conversions import rgb_to_image, stamp_to_sec
    from nvhai_msgs.msg import BodyKeypointsArray

    proc = subprocess.Popen([sys.executable, "-m", "nvhai_perception.node", "--ros-args", "-p",
                             "image_topic:=/bench/image", "-p", "keypoints_topic:=/bench/keypoints"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rclpy.init()
    node = Node("perception_bench")
    pub = node.create_publisher(Image, "/bench/image", qos_profile_sensor_data)
    latencies, received = [], []
    measuring_since = [float("inf")]

    def on_kp(msg: BodyKeypointsArray) -> None:
        now = node.get_clock().now().nanoseconds * 1e-9
        if stamp_to_sec(msg.header.stamp) >= measuring_since[0]:  # late answers to warm-up frames don't count
            latencies.append(now - stamp_to_sec(msg.header.stamp))
            received.append(now)

    node.create_subscription(BodyKeypointsArray, "/bench/keypoints", on_kp, 100)
    deadline = time.monotonic() + 30
    while (pub.get_subscription_count() == 0 or node.count_publishers("/bench/keypoints") == 0) \
            and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.1)
    warm = time.monotonic() + 2.0  # MediaPipe loads its graph on the first frame
    while time.monotonic() < warm:
        pub.publish(rgb_to_image(frames[0], Header(stamp=node.get_clock().now().to_msg()), "bgr8"))
        rclpy.spin_once(node, timeout_sec=0.05)
    measuring_since[0] = node.get_clock().now().nanoseconds * 1e-9
    start = time.monotonic()
    for i, f in enumerate(frames):
        if rate_hz:
            due = start + i / rate_hz
            while time.monotonic() < due:
                rclpy.spin_once(node, timeout_sec=max(0.0, due - time.monotonic()))
        pub.publish(rgb_to_image(f, Header(stamp=node.get_clock().now().to_msg(), frame_id="camera"), "bgr8"))
        rclpy.spin_once(node, timeout_sec=0.0)
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        rclpy.spin_once(node, timeout_sec=0.05)
    span = (received[-1] - received[0]) if len(received) > 1 else float("nan")
    node.destroy_node()
    rclpy.shutdown()
    proc.terminate()
    proc.wait(5)
    return stats_ms(latencies), (len(received) - 1) / span, len(received)


def main() -> None:
    load_start = round(os.getloadavg()[0], 2)
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    frames = frames_640x480(args.frames)
    live, live_fps, live_n = bench_node(frames, 30.0)
    flat, flat_fps, flat_n = bench_node(frames, 60.0)
    # last: MediaPipe's threads in this process would compete with the node
    bare, bare_fps = bench_bare(frames)
    core, core_fps = bench_core(frames)
    multi, multi_fps = bench_core(frames, max_people=3)
    row = lambda what, s, fps, out: {"what": what, "median_ms": round(s["median_ms"], 2),  # noqa: E731
                                     "p99_ms": round(s["p99_ms"], 2), "fps": round(fps, 1), "frames_out": out,
                                     "frames_in": len(frames)}
    result = {"date": datetime.date.today().isoformat(), "load_avg_1m": load_start, "cpus": os.cpu_count(),
              "image": "640x480",
              "rows": [row("bare MediaPipe Pose (same frames)", bare, bare_fps, len(frames)),
                       row("core (KeypointPipeline.process), 1 person", core, core_fps, len(frames)),
                       row("core, max_people: 3 (multi_person roi, the default)", multi, multi_fps, len(frames)),
                       row("node, camera at 30 FPS", live, live_fps, live_n),
                       row("node, camera at 60 FPS", flat, flat_fps, flat_n)],
              "peak_rss_mb": round(peak_rss_mb())}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print_table(f"nvhai_perception at 640x480, {os.cpu_count()} CPU cores (peak RSS of this process "
                f"{result['peak_rss_mb']} MB)", ["what", "median ms", "p99 ms", "frames/s", "frames out/in"],
                [[r["what"], r["median_ms"], r["p99_ms"], r["fps"], f"{r['frames_out']}/{r['frames_in']}"]
                 for r in result["rows"]])


if __name__ == "__main__":
    main()
