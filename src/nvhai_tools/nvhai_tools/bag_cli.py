"""`nvhai-bag`: record, replay, repair and evaluate rosbag2 bags without rosbag2 (rclpy + rosbags).

  nvhai-bag record --out run1 [--topics /image_raw /body_keypoints ...] [--duration 30]
  nvhai-bag play run1 [--rate 1.0] [--clock] [--loop] [--topics /body_keypoints]
  nvhai-bag repair run1            # a recording cut off by a crash or kill -9: rebuild metadata and index
  nvhai-bag evaluate run1 --out eval1 [--label enthusiastic] [--model M.onnx]
  nvhai-bag from-video clip.mp4 --out clip_bag     # a bag of camera images from a video file

Bags are rosbag2 metadata version 8 (readable by Humble, Iron, Jazzy) unless --bag-version 9.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nvhai_common.cli_args import (
    finite_float,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    refuse_to_overwrite,
    writes,
)
from nvhai_common.cli_errors import USER_ERRORS, check_interrupt, interrupt_between_steps, run_command


def _init_ros() -> tuple[Any, threading.Event]:
    """rclpy without its signal handlers; Ctrl-C and SIGTERM only set the returned flag, which the
    loops check between rclpy calls. (A KeyboardInterrupt raised inside rclpy can leave one of its
    locks held, and the shutdown that follows then waits forever: seen under load.)"""
    import rclpy
    from rclpy.signals import SignalHandlerOptions

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
    return rclpy, stop


def _spinner(rclpy, node, stop: threading.Event) -> Callable[[float], None]:
    """spin(seconds): the node's callbacks for that long, in short slices; KeyboardInterrupt once stopped."""

    def spin(seconds: float) -> None:
        end = time.monotonic() + seconds
        while not stop.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return
            rclpy.spin_once(node, timeout_sec=min(left, 0.1))
        raise KeyboardInterrupt

    return spin


def _record(a: argparse.Namespace) -> int:
    from rclpy.node import Node

    from nvhai_tools.bag_recorder import DEFAULT_TOPICS, BagRecorder

    unknown = sorted(set(a.topics or ()) - set(DEFAULT_TOPICS))
    if unknown:
        raise ValueError(f"--topics {' '.join(unknown)}: can record only {', '.join(DEFAULT_TOPICS)}")
    topics = {t: DEFAULT_TOPICS[t] for t in a.topics} if a.topics else dict(DEFAULT_TOPICS)
    rclpy, stop = _init_ros()
    node = Node("nvhai_bag_recorder")
    try:
        recorder = BagRecorder(node, a.out, topics, a.storage, a.bag_version)
    except BaseException:
        node.destroy_node()
        rclpy.try_shutdown()
        raise
    print(f"recording {', '.join(topics)} to {a.out} (Ctrl-C to stop)", flush=True)
    end = time.monotonic() + a.duration if a.duration else None
    try:
        while rclpy.ok() and not stop.is_set() and (end is None or time.monotonic() < end):
            rclpy.spin_once(node, timeout_sec=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        recorder.close()
        node.destroy_node()
        rclpy.try_shutdown()
    print(json.dumps(recorder.counts), flush=True)
    return 0


def _play(a: argparse.Namespace) -> int:
    from rclpy.node import Node

    from nvhai_tools.bag_play import PlayOptions, play

    options = PlayOptions(rate=a.rate, topics=a.topics or None, wait_s=a.wait, delay_s=a.delay,
                          clock_hz=a.clock, loop=a.loop)
    rclpy, stop = _init_ros()
    node = Node("nvhai_bag_player")
    sent = 0

    def count(n: int) -> None:
        nonlocal sent
        sent = n

    try:
        sent = play(node, a.bag, options, spin=_spinner(rclpy, node, stop), progress=count)
    except KeyboardInterrupt:
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    print(f"published {sent} messages from {a.bag}", flush=True)
    return 0


def _repair(a: argparse.Namespace) -> int:
    from nvhai_tools.bag_integrity import damaged_chunks
    from nvhai_tools.bag_repair import repair, storage_file

    damaged = damaged_chunks(storage_file(a.bag)) if storage_file(a.bag).suffix == ".mcap" else []
    for chunk in damaged:
        print(f"{a.bag}: {chunk.describe()}", file=sys.stderr)
    counts = repair(a.bag, a.bag_version)
    if counts is None:
        print(f"{a.bag} is readable: nothing to repair", file=sys.stderr)
        return 0
    print(json.dumps(counts))
    print(f"repaired {a.bag}: {sum(counts.values())} messages; the damaged original is kept as *.damaged",
          file=sys.stderr)
    return 0


def _evaluate(a: argparse.Namespace) -> int:
    from nvhai_predictor.forecaster import ForecasterConfig
    from nvhai_tools.bag_evaluation import evaluate_bag

    config = ForecasterConfig(ensemble_forecasts=a.ensemble, emotion_smoothing=a.emotion_smoothing,
                              emotion_time_constant_s=a.emotion_time_constant)
    result = evaluate_bag(a.bag, a.out, a.model, a.label, a.image_topic, a.keypoints_topic,
                          max_people=a.max_people, config=config)
    print(json.dumps(result, indent=2))
    if result["warning"]:
        print(f"nvhai-bag evaluate: warning: {result['warning']}", file=sys.stderr)
    print(f"wrote {Path(a.out) / 'evaluation.json'} and {Path(a.out) / 'evaluation.png'}", file=sys.stderr)
    return 0


def _from_video(a: argparse.Namespace) -> int:
    from rclpy.serialization import serialize_message
    from std_msgs.msg import Header

    from nvhai_common.ros_conversions import rgb_to_image, sec_to_stamp
    from nvhai_perception.frame_source import FrameSource
    from nvhai_tools.bag_qos import offered_qos
    from nvhai_tools.bag_storage import open_writer
    from nvhai_tools.bag_types import typestore

    source = FrameSource(a.video, max_side=a.max_side)
    t0 = a.start
    n = 0
    writer = open_writer(a.out, a.storage, a.bag_version)
    try:
        conn = writer.add_connection(a.topic, "sensor_msgs/msg/Image", typestore=typestore(),
                                     offered_qos_profiles=offered_qos("sensor_msgs/msg/Image"))
        with interrupt_between_steps():  # Ctrl-C between frames, never inside the decoder or the writer
            for frame in source:
                header = Header(stamp=sec_to_stamp(t0 + frame.t), frame_id="camera")
                writer.write(conn, int((t0 + frame.t) * 1e9), serialize_message(rgb_to_image(frame.rgb, header, "bgr8")))
                n += 1
                check_interrupt()
    finally:
        writer.close()
    print(f"wrote {n} images ({source.fps:.1f} FPS) on {a.topic} to {a.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from nvhai_tools.bag_storage import DEFAULT_VERSION, STORAGES, VERSIONS

    parser = argparse.ArgumentParser(prog="nvhai-bag", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def writes_bags(p: argparse.ArgumentParser) -> None:
        p.add_argument("--bag-version", type=int, choices=VERSIONS, default=DEFAULT_VERSION,
                       help="rosbag2 metadata version: 8 is read by Humble and later, 9 by Jazzy and later")

    p = sub.add_parser("record", help="record live topics to a bag (crash-safe: see repair)")
    p.add_argument("--out", required=True)
    p.add_argument("--topics", nargs="*", help="default: images, keypoints, forecasts, emotions, responses")
    p.add_argument("--duration", type=non_negative_float, default=0.0, help="seconds; 0 = until Ctrl-C")
    p.add_argument("--storage", choices=STORAGES, default="mcap")
    writes_bags(p)
    p.set_defaults(func=_record)
    p = sub.add_parser("play", help="publish a bag at its recorded pace")
    p.add_argument("bag")
    p.add_argument("--rate", type=positive_float, default=1.0)
    p.add_argument("--topics", nargs="*", help="only these topics (default: all)")
    p.add_argument("--clock", type=non_negative_float, nargs="?", const=40.0, default=0.0, metavar="HZ",
                   help="publish /clock (rosgraph_msgs/Clock, bag time) at HZ (default 40) for use_sim_time nodes")
    p.add_argument("--loop", action="store_true", help="play again from the start until Ctrl-C")
    p.add_argument("--wait", type=non_negative_float, default=10.0, metavar="S",
                   help="wait up to S seconds for every topic to have a subscriber before playing")
    p.add_argument("--delay", type=non_negative_float, default=0.0, metavar="S", help="then pause S seconds")
    p.set_defaults(func=_play)
    p = sub.add_parser("repair", help="rebuild metadata.yaml and the index of a bag whose recorder was killed")
    p.add_argument("bag")
    writes_bags(p)
    p.set_defaults(func=_repair)
    p = sub.add_parser("evaluate", help="run the loop on a bag and score it")
    p.add_argument("bag")
    p.add_argument("--out", required=True)
    p.add_argument("--model", default="")
    p.add_argument("--label", help="the emotion expressed throughout the bag, for accuracy")
    p.add_argument("--image-topic", default="/image_raw")
    p.add_argument("--keypoints-topic", default="/body_keypoints")
    p.add_argument("--max-people", type=positive_int, default=1, help="people tracked when the bag has images")
    p.add_argument("--ensemble", type=positive_int, default=1, help="predictor ensemble_forecasts (1 = off)")
    p.add_argument("--emotion-smoothing", choices=["ema", "raw"], default="ema")
    p.add_argument("--emotion-time-constant", type=positive_float, default=1.0, help="seconds (predictor default)")
    writes(p, lambda a: [("--out", Path(a.out) / "evaluation.json"), ("--out", Path(a.out) / "evaluation.png")])
    p.set_defaults(func=_evaluate)
    p = sub.add_parser("from-video", help="a bag of camera images from a video file")
    p.add_argument("video")
    p.add_argument("--out", required=True)
    p.add_argument("--topic", default="/image_raw")
    p.add_argument("--start", type=finite_float, default=1_000_000.0, help="stamp of the first frame (s)")
    p.add_argument("--max-side", type=non_negative_int, default=0, help="downscale so no side is longer (0 = keep)")
    p.add_argument("--storage", choices=STORAGES, default="mcap")
    writes_bags(p)
    p.set_defaults(func=_from_video)
    return parser


def main(argv: list[str] | None = None) -> int:
    from nvhai_predictor.model_runner import ModelLoadError

    args = build_parser().parse_args(argv)
    return run_command(f"nvhai-bag {args.command}", lambda: refuse_to_overwrite(args) or args.func(args),
                       (*USER_ERRORS, ModelLoadError))


if __name__ == "__main__":
    sys.exit(main())
