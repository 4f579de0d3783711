"""A listener on every stage of the running loop: when each camera frame's image, keypoints,
forecasts and avatar responses arrive (all carry the image's stamp), so stage latencies are
`arrival - stamp` on one clock, and frames that never reach a stage are counted."""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass, field

import numpy as np
from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image

from nvhai_msgs.msg import BodyKeypointsArray, MotionForecast, NonverbalResponse


def _ns(stamp) -> int:
    return stamp.sec * 1_000_000_000 + stamp.nanosec


@dataclass
class FrameTimes:
    """Arrival times (ns, system clock) of one frame's messages; stages end with their last message."""

    image: int = 0
    keypoints: int = 0
    people: int = 0
    forecasts: int = 0
    forecast_last: int = 0
    responses: int = 0
    response_last: int = 0


@dataclass
class LoopProbe:
    """Subscribes the loop's topics on `node`; images are taken raw (only their stamp is read)."""

    node: Node
    frames: dict[int, FrameTimes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.node
        n.create_subscription(Image, "/image_raw", self._on_image, qos_profile_sensor_data, raw=True)
        n.create_subscription(BodyKeypointsArray, "/body_keypoints", self._on_keypoints, 100)
        n.create_subscription(MotionForecast, "/future_poses", self._on_forecast, 100)
        n.create_subscription(NonverbalResponse, "/avatar/response", self._on_response, 100)

    def _frame(self, stamp_ns: int) -> FrameTimes:
        return self.frames.setdefault(stamp_ns, FrameTimes())

    def _on_image(self, raw: bytes) -> None:
        # CDR: 4-byte encapsulation header, then header.stamp (int32 sec, uint32 nanosec), little endian.
        sec, nanosec = struct.unpack_from("<iI", raw, 4)
        self._frame(sec * 1_000_000_000 + nanosec).image = time.time_ns()

    def _on_keypoints(self, msg: BodyKeypointsArray) -> None:
        f = self._frame(_ns(msg.header.stamp))
        f.keypoints, f.people = time.time_ns(), len(msg.people)

    def _on_forecast(self, msg: MotionForecast) -> None:
        f = self._frame(_ns(msg.header.stamp))
        f.forecasts += 1
        f.forecast_last = time.time_ns()

    def _on_response(self, msg: NonverbalResponse) -> None:
        f = self._frame(_ns(msg.header.stamp))
        f.responses += 1
        f.response_last = time.time_ns()

    @property
    def responses(self) -> int:
        return sum(f.responses for f in self.frames.values())


def _stats(ms: list[float]) -> dict[str, float | None]:
    if not ms:
        return {"median": None, "p99": None}
    return {"median": round(float(np.median(ms)), 2), "p99": round(float(np.percentile(ms, 99)), 2)}


def summarize(frames: dict[int, FrameTimes], start_ns: int, end_ns: int) -> dict[str, object]:
    """Figures for the frames stamped in [start_ns, end_ns): delivered FPS, stage latencies, drops."""
    window = {s: f for s, f in frames.items() if start_ns <= s < end_ns}
    seconds = (end_ns - start_ns) / 1e9
    camera = [s for s, f in window.items() if f.image]
    answered = [(s, f) for s, f in window.items() if f.responses]
    with_people = [f for f in window.values() if f.people]
    return {
        "fps": round(len(answered) / seconds, 2),
        "camera_fps": round(len(camera) / seconds, 2),
        "e2e_ms": _stats([(f.response_last - s) / 1e6 for s, f in answered]),
        "stages_ms": {
            "image": _stats([(f.image - s) / 1e6 for s, f in window.items() if f.image]),
            "keypoints": _stats([(f.keypoints - s) / 1e6 for s, f in window.items() if f.keypoints]),
            "forecast": _stats([(f.forecast_last - s) / 1e6 for s, f in window.items() if f.forecasts]),
            "response": _stats([(f.response_last - s) / 1e6 for s, f in answered]),
        },
        "frames": {"camera": len(camera), "keypoints": sum(1 for f in window.values() if f.keypoints),
                   "with_people": len(with_people), "answered": len(answered)},
        "drops": {
            "perception": sum(1 for s in camera if not window[s].keypoints),
            "after_perception": sum(1 for f in with_people if not f.responses),
        },
        # people seen but not answered: mostly windows still filling (a person's first 2 s)
        "people_unanswered": sum(max(0, f.people - f.responses) for f in with_people),
        "people_mean": round(float(np.mean([f.people for f in window.values() if f.keypoints] or [0])), 2),
        "responses_per_frame": round(float(np.mean([f.responses for _, f in answered] or [0])), 2),
    }
