"""`nvhai-demo`: the whole loop in one process, no camera and no `ros2 launch` needed.

video source -> /image_raw -> perception -> /body_keypoints -> predictor -> /future_poses,
/emotion -> avatar controller -> /avatar/*, all through real ROS topics, tracking up to two
people. Prints each person's emotion stream and writes out/demo.mp4, out/demo.gif, out/demo.png
and out/demo_summary.json (frames, ids, forecast coverage, emotion switches, latency). With --serve,
the clip loops and the live web view (nvhai_tools.web_node) serves http://127.0.0.1:8080/ until
Ctrl-C instead.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from nvhai_common.cli_args import positive_int, tcp_port


def local_dds_profile() -> str:
    """config/fastdds_local.xml, from the source tree or the installed share folder."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "config", Path(sys.prefix) / "share" / "nvhai_bringup" / "config"):
        if (candidate / "fastdds_local.xml").exists():
            return str(candidate / "fastdds_local.xml")
    return ""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nvhai-demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", default="", help="video file or image folder (default: the bundled clip)")
    parser.add_argument("--out", default="out", help="output folder")
    parser.add_argument("--model", default="", help="ONNX model (default: the one shipped with nvhai_predictor)")
    parser.add_argument("--no-gif", action="store_true", help="skip the GIF (the slowest output)")
    parser.add_argument("--serve", action="store_true",
                        help="serve the live web view and loop the video until Ctrl-C (writes no files)")
    parser.add_argument("--port", type=tcp_port, default=8080, help="port of the live web view (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address of the live web view (0.0.0.0 = every interface)")
    parser.add_argument("--allowed-hosts", nargs="+", default=["localhost"], metavar="NAME",
                        help="host names the live view may be opened by, besides IP addresses (default: localhost; "
                             "add the robot's own, e.g. localhost robot.local); other Hosts and other sites' pages "
                             "are refused")
    parser.add_argument("--max-people", type=positive_int, default=2,
                        help="people tracked at once (default: both in the clip)")
    return parser.parse_args(argv)


def serve_live_view(host: str, port: int, allowed_hosts: list[str]):
    """The live web view node serving on host:port, or None (after a one-line error) when it cannot bind."""
    from rclpy.parameter import Parameter

    from nvhai_tools.web_node import WebNode

    try:
        web = WebNode(parameter_overrides=[Parameter("host", value=host), Parameter("port", value=port),
                                           Parameter("allowed_hosts", value=allowed_hosts)])
    except OSError as e:
        print(f"nvhai-demo: {e}", file=sys.stderr)
        return None
    print(f"live view: {web.url}  (Ctrl-C to stop)", flush=True)
    return web


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The demo talks to itself only: keep its DDS traffic on this host (loopback + shared memory).
    os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE", local_dds_profile())
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.parameter import Parameter
    from rclpy.qos import qos_profile_sensor_data
    from sensor_msgs.msg import Image

    from nvhai_avatar.node import AvatarNode
    from nvhai_bringup.demo_recorder import Answer, DemoRecording, write_gif, write_video
    from nvhai_bringup.video_source_node import VideoSourceNode
    from nvhai_common.ros_conversions import forecast_xy, image_to_rgb, msg_to_person, stamp_to_sec
    from nvhai_msgs.msg import BodyKeypointsArray, EmotionProbabilities, MotionForecast, NonverbalResponse
    from nvhai_perception.node import PerceptionNode
    from nvhai_predictor.node import PredictorNode

    rclpy.init()
    # Ctrl-C and `kill` only set a flag the loop checks: a KeyboardInterrupt raised inside rclpy's
    # C++ calls surfaces as a RuntimeError ("Unable to convert call argument") instead of stopping cleanly.
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    rec = DemoRecording()
    source = VideoSourceNode(parameter_overrides=[Parameter("path", value=args.video),
                                                  Parameter("loop", value=args.serve)])
    perception = PerceptionNode(parameter_overrides=[Parameter("max_people", value=args.max_people)])
    nodes = [source, perception, PredictorNode(parameter_overrides=[Parameter("model_path", value=args.model)]),
             AvatarNode()]
    if args.serve:
        web = serve_live_view(args.host, args.port, args.allowed_hosts)
        if web is None:
            for node in nodes:
                node.destroy_node()
            rclpy.try_shutdown()
            return 1
        nodes.append(web)
    watcher = Node("nvhai_demo_recorder")
    t_start = time.monotonic()
    last_print: dict[int, tuple[float, str]] = {}  # person -> (when, label) last printed

    def on_image(msg: Image) -> None:
        rec.frames[stamp_to_sec(msg.header.stamp)] = image_to_rgb(msg)

    def on_keypoints(msg: BodyKeypointsArray) -> None:
        people = [msg_to_person(p) for p in msg.people]
        rec.keypoints[stamp_to_sec(msg.header.stamp)] = {p.person_id: (p.xy, p.confidence) for p in people}

    def on_forecast(msg: MotionForecast) -> None:
        rec.forecasts.setdefault(stamp_to_sec(msg.header.stamp), {})[msg.person_id] = forecast_xy(msg)

    def on_response(msg: NonverbalResponse) -> None:
        t = stamp_to_sec(msg.header.stamp)
        rec.answers[t] = Answer(msg.person_id, msg.gesture, msg.emotion,
                                stamp_to_sec(watcher.get_clock().now().to_msg()) - t)

    def on_emotion(msg: EmotionProbabilities) -> None:
        t = stamp_to_sec(msg.header.stamp)
        others = ", ".join(f"{lab} {p:.2f}" for lab, p in zip(msg.labels, msg.probabilities, strict=True)
                           if lab != msg.label)
        if not args.serve:
            rec.emotions.setdefault(t, {})[msg.person_id] = (msg.label, msg.confidence)
        now = time.monotonic() - t_start
        when, label = last_print.get(msg.person_id, (-1.0, ""))
        if msg.label != label or now - when >= 0.5:
            print(f"[{now:5.2f} s] /emotion person {msg.person_id}: {msg.label} {msg.confidence:.2f}  ({others})",
                  flush=True)
            last_print[msg.person_id] = (now, msg.label)

    def on_avatar(msg: Image) -> None:
        rec.avatars[stamp_to_sec(msg.header.stamp)] = image_to_rgb(msg)

    if not args.serve:  # a looping clip would fill memory with recorded frames
        watcher.create_subscription(Image, "/image_raw", on_image, qos_profile_sensor_data)
        watcher.create_subscription(BodyKeypointsArray, "/body_keypoints", on_keypoints, 30)
        watcher.create_subscription(MotionForecast, "/future_poses", on_forecast, 30)
        watcher.create_subscription(Image, "/avatar/image", on_avatar, 30)
        watcher.create_subscription(NonverbalResponse, "/avatar/response", on_response, 30)
    watcher.create_subscription(EmotionProbabilities, "/emotion", on_emotion, 30)
    executor = SingleThreadedExecutor()
    for node in [*nodes, watcher]:
        executor.add_node(node)
    print(f"nvhai demo: {source.source.path} ({source.source.fps:.0f} FPS) -> perception -> predictor -> avatar",
          flush=True)
    try:
        while not source.finished and not stop.is_set():
            executor.spin_once(timeout_sec=0.05)
        drain = time.monotonic() + 1.0
        while time.monotonic() < drain and not stop.is_set():
            executor.spin_once(timeout_sec=0.05)
        if stop.is_set():
            print("interrupted", file=sys.stderr)
    finally:
        for node in [*nodes, watcher]:
            node.destroy_node()
        rclpy.try_shutdown()
    if args.serve:
        return 0

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    frames = rec.compose()
    if not frames:
        print("no frames were received: nothing to write", file=sys.stderr)
        return 1
    write_video(frames, out / "demo.mp4", source.source.fps)
    from PIL import Image as PILImage

    PILImage.fromarray(frames[int(len(frames) * 0.45)]).save(out / "demo.png")
    if not args.no_gif:
        write_gif(frames, out / "demo.gif", source.source.fps)
    summary = rec.summary(source.source.fps)
    (out / "demo_summary.json").write_text(json.dumps(summary, indent=2))
    lat = summary["latency_ms"]
    lat_text = f"median {lat['median']:.1f} ms, p99 {lat['p99']:.1f} ms" if lat["median"] is not None else "n/a"
    print(f"frames {summary['frames']}, with a person {summary['frames_with_person']}, ids {summary['ids_seen']}, "
          f"frames with a fresh forecast of the attended person {summary['forecast_frames']}, "
          f"emotion switches {summary['emotion_switches']}; camera-stamp-to-avatar latency {lat_text}")
    print(f"wrote {out / 'demo.mp4'}, {out / 'demo.png'}, {out / 'demo_summary.json'}"
          + ("" if args.no_gif else f", {out / 'demo.gif'}"))
    return 0 if rec.forecasts else 1


if __name__ == "__main__":
    sys.exit(main())
