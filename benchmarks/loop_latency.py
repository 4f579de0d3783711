"""The whole loop at camera rate: video source -> perception -> predictor -> avatar on the bundled
two-person clip (640x360, 30 FPS; its frames 60-140, where both people are in view, looped forwards
and backwards; for 1 person the walker is blanked), as separate processes (the deployed shape) and in one
process (the demo's shape), tracking 1 and 2 people. A probe in this process hears every stage:
delivered FPS at /avatar/response, latency image stamp -> keypoints -> forecast -> response
(median/p99; a frame's stage ends with its last person's message), drops, CPU % and RSS of each
process. Each row runs once per pose model (`--models`: model_complexity 0 lite, 1 full) with the
shipped defaults otherwise. Bare MediaPipe on the same clip frames runs last, in this process, as the
reference, per model.

    .venv/bin/python benchmarks/loop_latency.py [--frames 300] [--json] [--shapes processes] [--people 2]
        [--models 0,1] [--perception NAME:=VALUE ...]   # perception parameters for every run
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loop_probe import LoopProbe, summarize
from process_stats import CpuMeter, load_average_1m, memory_mb
from table import print_table

HERE = os.path.dirname(os.path.abspath(__file__))
# The predictor's providers in order of preference: a GPU one runs where onnxruntime has it.
PROVIDERS = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE",
                      os.path.join(HERE, "..", "src", "nvhai_bringup", "config", "fastdds_local.xml"))
# A domain of its own, so other ROS graphs on this host neither disturb nor see the benchmark.
os.environ.setdefault("ROS_DOMAIN_ID", str(120 + os.getpid() % 100))


# Frames 60-140 of the bundled clip: the person on the box (above row 192) and the walker (below it)
# are both in view throughout (from frame ~145 MediaPipe loses the person on the box).
CLIP_FRAMES = (60, 141)
WALKER_ROWS = 192
# Fixed square crops (x0, y0, x1, y1) that hold each person through those frames, for bare MediaPipe's
# two-tracker reference: the person on the box, the walker.
CROPS = ((150, 0, 350, 200), (0, WALKER_ROWS, 640, 360))


def seamless_clip(out: str, people: int) -> str:
    """Frames 60..140 of the bundled clip forwards then backwards, so looping it never makes a person
    jump: a jump would give them a new track id and the predictor 2 s of refilling its window.
    For 1 person the walker's rows are blanked (else max_people 1 hops between the two people,
    with the same effect)."""
    import cv2

    from nvhai_bringup.video_source_node import default_video_path

    cap = cv2.VideoCapture(default_video_path())
    frames = []
    while (frame := cap.read())[0]:
        frames.append(frame[1])
    cap.release()
    frames = frames[slice(*CLIP_FRAMES)]
    if people == 1:
        for frame in frames:
            frame[WALKER_ROWS:] = 0
    path = os.path.join(out, f"clip_{people}_pingpong.mp4")
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (width, height))
    for frame in frames + frames[-2:0:-1]:
        writer.write(frame)
    writer.release()
    return path


def commands(shape: str, people: int, perception: list[str], clip: str) -> dict[str, list[str]]:
    py = sys.executable
    if shape == "single_process":
        return {"loop": [py, os.path.join(HERE, "loop_single_process.py"), "--max-people", str(people), "--video", clip,
                         "--providers", ",".join(PROVIDERS), "--perception", *perception]}
    extra = [a for item in perception for a in ("-p", item)]
    return {
        "video_source": [py, "-m", "nvhai_bringup.video_source_node", "--ros-args", "-p", "loop:=true", "-p",
                         f"path:={clip}"],
        "perception": [py, "-m", "nvhai_perception.node", "--ros-args", "-p", f"max_people:={people}", *extra],
        "predictor": [py, "-m", "nvhai_predictor.node", "--ros-args", "-p", f"providers:=[{','.join(PROVIDERS)}]"],
        "avatar": [py, "-m", "nvhai_avatar.node"],
    }


MODEL_NAMES = {0: "lite", 1: "full", 2: "heavy"}


def run_loop(shape: str, people: int, frames: int, fps: float, warmup_s: float, perception: list[str],
             clip: str, logs: str, model: int) -> dict[str, object]:
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    rclpy.init()
    node = Node("nvhai_loop_probe")
    probe = LoopProbe(node)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    procs: dict[str, subprocess.Popen] = {}
    load_start = load_average_1m()
    perception = [*perception, f"model_complexity:={model}"]
    try:
        for name, cmd in commands(shape, people, perception, clip).items():
            log = open(os.path.join(logs, f"{shape}_{people}_{MODEL_NAMES[model]}_{name}.log"), "w")  # noqa: SIM115 (closed with the process)
            procs[name] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180  # MediaPipe start-up + the predictor's 2 s window, on a loaded machine
        while probe.responses == 0:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs.values()):
                raise RuntimeError(f"no /avatar/response within 180 s ({shape}, {people} people); logs in {logs}")
            executor.spin_once(timeout_sec=0.05)
        spin_for(executor, warmup_s)
        meter = CpuMeter({name: p.pid for name, p in procs.items()} | {"probe (benchmark)": os.getpid()})
        meter.start()
        start_ns = time.time_ns()
        spin_for(executor, frames / fps)
        end_ns = time.time_ns()
        processes = meter.stop()
        spin_for(executor, 1.0)  # late answers to frames of the window still count (with their latency)
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(2)
        for p in procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown()
    return {"shape": shape, "people": people, "model": MODEL_NAMES[model], **summarize(probe.frames, start_ns, end_ns),
            "processes": processes, "load_avg_1m": load_start}


def spin_for(executor, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        executor.spin_once(timeout_sec=min(0.05, max(0.0, end - time.monotonic())))


def reference(n: int, perception: list[str], model: int) -> dict[str, object]:
    """ms per frame and people found on (up to `n` of) the loop's own clip frames, in this process, with
    one pose model: bare MediaPipe (single-person Pose for 1 person; for 2, its Tasks PoseLandmarker,
    num_poses 2, and two single-person Poses on fixed crops around the two people, in two threads: what
    roi's trackers cost without any of its bookkeeping) and the perception core as the loop runs it."""
    import mediapipe as mp
    import numpy as np
    from mediapipe.tasks.python import BaseOptions, vision

    sys.path.insert(0, os.path.join(HERE, "..", "tests"))
    from real_media import demo_video_frames

    from nvhai_perception.multi_pose_estimator import pose_landmarker_bundle
    from nvhai_perception.pipeline import KeypointPipeline, PipelineConfig

    clips = {2: demo_video_frames(*CLIP_FRAMES)[:n]}
    clips[1] = [f.copy() for f in clips[2]]
    for f in clips[1]:
        f[WALKER_ROWS:] = 0

    def timed(people: int, fn) -> dict[str, float]:
        ms, found = [], []
        for i, f in enumerate(clips[people]):
            t0 = time.perf_counter()
            found.append(fn(f, i))
            ms.append(1000 * (time.perf_counter() - t0))
        ms = ms[5:]  # graph start-up
        return {"median": round(float(np.median(ms)), 2), "p99": round(float(np.percentile(ms, 99)), 2),
                "people_per_frame": round(float(np.mean(found)), 2)}

    with mp.solutions.pose.Pose(model_complexity=model) as pose:
        bare_1 = timed(1, lambda f, i: int(pose.process(f).pose_landmarks is not None))
    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_buffer=pose_landmarker_bundle(model)),
                                           running_mode=vision.RunningMode.VIDEO, num_poses=2)
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        bare_2 = timed(2, lambda f, i: len(landmarker.detect_for_video(
            mp.Image(image_format=mp.ImageFormat.SRGB, data=f), round(i * 1000 / 30)).pose_landmarks))
    poses = [mp.solutions.pose.Pose(model_complexity=model, smooth_landmarks=False) for _ in CROPS]
    with ThreadPoolExecutor(len(CROPS)) as pool:
        def crops(f, i):
            jobs = [pool.submit(p.process, np.ascontiguousarray(f[y0:y1, x0:x1]))
                    for p, (x0, y0, x1, y1) in zip(poses, CROPS, strict=True)]
            return sum(j.result().pose_landmarks is not None for j in jobs)
        bare_crops = timed(2, crops)
    for p in poses:
        p.close()
    extra = dict(item.split(":=", 1) for item in perception) | {"model_complexity": str(model)}
    core = {}
    for people in (1, 2):
        config = PipelineConfig(smoothing=True, max_people=people, **_config_overrides(extra))
        pipeline = KeypointPipeline(config)
        core[people] = timed(people, lambda f, i, p=pipeline: len(p.process(f, i / 30)))
        pipeline.close()
    return {"frames": len(clips[2]), "bare_mediapipe_ms": {"1": bare_1, "2": bare_2, "2 (crops)": bare_crops},
            "perception_core_ms": {str(k): v for k, v in core.items()}}


def _config_overrides(extra: dict[str, str]) -> dict[str, object]:
    """Perception parameters that are PipelineConfig fields, typed as their defaults."""
    from dataclasses import fields

    from nvhai_perception.pipeline import PipelineConfig

    out: dict[str, object] = {}
    for f in fields(PipelineConfig):
        if f.name in extra:
            default = getattr(PipelineConfig(), f.name)
            out[f.name] = extra[f.name].lower() in ("true", "1") if isinstance(default, bool) else type(default)(
                extra[f.name])
    return out


def provider_used() -> str:
    from nvhai_predictor.model_runner import ModelRunner, default_model_path

    return ModelRunner(default_model_path(), PROVIDERS).providers[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=300, help="camera frames measured per run (after warm-up)")
    parser.add_argument("--warmup-s", type=float, default=3.0, help="seconds after the first response, not measured")
    parser.add_argument("--shapes", default="processes,single_process")
    parser.add_argument("--people", default="1,2", help="max_people values to run")
    parser.add_argument("--models", default="0,1", help="model_complexity values to run (0 lite, 1 full, 2 heavy)")
    parser.add_argument("--perception", nargs="*", default=[], metavar="NAME:=VALUE")
    parser.add_argument("--reference-frames", type=int, default=81, help="clip frames for bare MediaPipe (0 = skip)")
    parser.add_argument("--logs", default="", help="keep the nodes' output in this folder (default: discarded)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    fps = 30.0  # the clip's rate, which the video source keeps
    models = [int(m) for m in args.models.split(",")]
    result: dict[str, object] = {
        "date": datetime.date.today().isoformat(), "cpus": os.cpu_count(), "camera_fps": fps, "frames": args.frames,
        "perception_params": args.perception, "onnxruntime_provider": provider_used(), "runs": []}
    load = [load_average_1m()]
    with tempfile.TemporaryDirectory(prefix="nvhai_loop_") as tmp:
        logs = args.logs or tmp
        os.makedirs(logs, exist_ok=True)
        for model in models:
            for shape in args.shapes.split(","):
                for people in (int(p) for p in args.people.split(",")):
                    result["runs"].append(run_loop(shape, people, args.frames, fps, args.warmup_s, args.perception,
                                                   seamless_clip(tmp, people), logs, model))
    if args.reference_frames:
        result["reference"] = {MODEL_NAMES[m]: reference(args.reference_frames, args.perception, m) for m in models}
    load.append(load_average_1m())
    result["load_avg_1m"] = {"start": load[0], "end": load[1]}
    result["benchmark_peak_rss_mb"] = memory_mb(os.getpid())["peak_rss_mb"]
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print_runs(result)


def print_runs(result: dict) -> None:
    fmt = lambda s: f"{s['median']} / {s['p99']}"  # noqa: E731
    rows = [[r["shape"], r["people"], r["model"], r["fps"], fmt(r["stages_ms"]["keypoints"]),
             fmt(r["stages_ms"]["forecast"]),
             fmt(r["e2e_ms"]), f"{r['drops']['perception']}/{r['frames']['camera']}",
             ", ".join(f"{p['name']} {p['cpu_percent']:.0f}% {p['rss_mb']:.0f} MB" for p in r["processes"]),
             r["load_avg_1m"]] for r in result["runs"]]
    print_table(f"Loop at {result['camera_fps']:.0f} FPS, {result['cpus']} CPUs, predictor on "
                f"{result['onnxruntime_provider']} (ms median / p99 from the image stamp)",
                ["shape", "people", "model", "FPS at /avatar/response", "keypoints", "forecast", "response (e2e)",
                 "dropped/camera", "CPU, RSS", "load 1m"], rows)
    for model, ref in result.get("reference", {}).items():
        core = ref["perception_core_ms"]
        print_table(f"Same clip, {ref['frames']} frames, in one process, {model} model (ms median / p99, people found "
                    "per frame)", ["people", "bare MediaPipe", "found", "perception core", "found"],
                    [[k, fmt(v), v["people_per_frame"], fmt(core[k[0]]) if k in core else "",
                      core[k]["people_per_frame"] if k in core else ""] for k, v in ref["bare_mediapipe_ms"].items()])


if __name__ == "__main__":
    main()
