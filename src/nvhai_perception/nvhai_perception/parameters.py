"""The perception node's parameters: one table (defaults, descriptions, ranges; config/perception.yaml matches
it), and the pose pipeline's configuration read from them."""

from __future__ import annotations

from dataclasses import fields
from types import SimpleNamespace

from nvhai_common.ros_params import NON_NEGATIVE, POSITIVE, UNIT, Param, Range
from nvhai_perception.pipeline import MULTI_PERSON_MODES, PipelineConfig

PARAMETERS: tuple[Param, ...] = (
    Param("image_topic", "/image_raw", "Camera image topic (sensor_msgs/Image, rgb8/bgr8/mono8/rgba8/bgra8)."),
    Param("compressed", False, "Subscribe <image_topic>/compressed (sensor_msgs/CompressedImage) instead."),
    Param("keypoints_topic", "/body_keypoints", "Output nvhai_msgs/BodyKeypointsArray, one per processed image."),
    Param("image_qos_reliability", "best_effort",
          "Image subscription reliability: best_effort (sensor-data QoS, matches any camera) or reliable."),
    Param("image_qos_depth", 1, "Image subscription queue depth; 1 keeps only the newest frame.",
          range=Range(1, 10_000)),
    Param("drop_frames_when_busy", True,
          "Process only the newest frame when pose estimation falls behind (latency over completeness); "
          "false processes every frame in order (offline/bag evaluation)."),
    Param("static_image_mode", False, "Detect in every image independently instead of tracking (for photos)."),
    Param("min_detection_confidence", 0.5, "MediaPipe person detection threshold.", range=UNIT),
    Param("min_tracking_confidence", 0.3,
          "MediaPipe landmark tracking threshold: below it a tracked person counts as lost and the detector runs "
          "again. 0.3: the lite model scores small, far people lower (on the bundled clip at 0.5 it kept the far "
          "person in 72 % of frames, at 0.3 in 88 %; with max_people 2, 1.73 vs 1.99 people per frame).", range=UNIT),
    Param("model_complexity", 0,
          "BlazePose landmark model: 0 lite (the default: nearer camera rate on two CPU cores; keypoints 1.2 % of "
          "box height from full's at the median on the bundled clip), 1 full (keeps small, far people more "
          "often; the mediapipe wheel's own), 2 heavy (offline). "
          "Installed by scripts/setup.sh from npm @mediapipe/pose, never downloaded at run time; one not installed "
          "fails configure with an error naming the file (docs/benchmarks.md: which pose model)."),
    Param("max_people", 1, "Most people tracked per frame: 1 uses MediaPipe's single-person pose (fastest), "
          "more as multi_person says.", range=Range(1, 100)),
    Param("multi_person", "roi",
          "How max_people > 1 finds people: roi (the default: one single-person tracker per person on a crop "
          "around them, run in parallel threads, a search for newcomers every detect_every frames while a slot "
          "is free; finds both people of the bundled clip; video only, static_image_mode uses landmarker) or "
          "landmarker (MediaPipe's multi-person PoseLandmarker: its detector on every frame with a free slot; "
          "found one of the clip's two people)."),
    Param("detect_every", 10, "multi_person roi: frames between searches for a new person while a slot is free.",
          range=Range(1, 100_000)),
    Param("refresh_every", 1, "multi_person roi: run each person's landmarks every N frames, people in turn, and "
          "move their keypoints on at their last velocity in between (2 with two people: one landmark pass per "
          "frame, each person measured at half the camera rate; docs/benchmarks.md: two people, four ways).",
          range=Range(1, 1000)),
    Param("min_person_score", 0.2, "People whose mean keypoint confidence is below this are not reported.",
          range=UNIT),
    Param("smoothing", True, "One-Euro smoothing of keypoints per tracked person."),
    Param("smoothing_min_cutoff", 1.0, "One-Euro minimum cutoff frequency (Hz): lower = smoother when still.",
          range=POSITIVE),
    Param("smoothing_beta", 0.05, "One-Euro speed coefficient (per pixel/s): higher = less lag when moving.",
          range=NON_NEGATIVE),
    Param("track_max_missed", 30, "Frames a person may go undetected before their id is retired.",
          range=Range(0, 100_000)),
    Param("track_min_hits", 3, "Frames in a row a new person must be detected before getting an id and being "
          "published (filters one-frame false detections; 1 in static_image_mode).", range=Range(1, 100_000)),
    Param("debug_image", False, "Publish the input with the skeleton drawn on debug_image_topic."),
    Param("debug_image_topic", "/perception/debug_image", "Topic of the debug image (sensor_msgs/Image rgb8)."),
    Param("no_image_warn_s", 3.0, "Warn (once) when no image has arrived for this many seconds.", range=POSITIVE),
    Param("diagnostics_period_s", 1.0, "Period of /diagnostics reports.", range=Range(0.0, 3600.0, low_open=True)),
    Param("autostart", True, "Configure and activate on start; false waits for lifecycle transitions "
          "(ros2 lifecycle set, or live.launch.py)."),
)


def pipeline_config(p: SimpleNamespace) -> PipelineConfig:
    """The pipeline's settings from the declared parameters (each PipelineConfig field is a parameter of its name)."""
    return PipelineConfig(**{f.name: getattr(p, f.name) for f in fields(PipelineConfig)})


def image_topic(p: SimpleNamespace) -> str:
    """The topic subscribed: image_topic, or <image_topic>/compressed with `compressed`."""
    return p.image_topic.rstrip("/") + "/compressed" if p.compressed else p.image_topic


def summary(p: SimpleNamespace) -> str:
    """What the node listens to and publishes, and how: its log line once configured."""
    return (f"listening on {image_topic(p)} ({p.image_qos_reliability}, depth {p.image_qos_depth}), "
            f"publishing {p.keypoints_topic}; smoothing={'on' if p.smoothing else 'off'}, "
            f"{'drop' if p.drop_frames_when_busy else 'queue'} frames when busy")


def fall_back(p: SimpleNamespace) -> list[str]:
    """Warnings for a multi_person or image_qos_reliability outside its choices; multi_person falls back to the
    first mode, image_qos_reliability reads as best_effort (it was never refused, so neither is now)."""
    warnings = []
    if p.multi_person not in MULTI_PERSON_MODES:
        warnings.append(f"multi_person '{p.multi_person}' is not one of {', '.join(MULTI_PERSON_MODES)}: "
                        f"using {MULTI_PERSON_MODES[0]}")
        p.multi_person = MULTI_PERSON_MODES[0]
    if p.image_qos_reliability not in ("best_effort", "reliable"):
        warnings.append(f"image_qos_reliability '{p.image_qos_reliability}' is neither best_effort nor reliable: "
                        "using best_effort")
    return warnings
