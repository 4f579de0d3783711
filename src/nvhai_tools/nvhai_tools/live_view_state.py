"""What the live web view shows, gathered from the loop's topics and served as JSON. No ROS.

The ROS side (web_node.py) feeds plain values in from its callbacks; the web server (web_server.py)
reads snapshots from its own thread. A snapshot carries the camera image (JPEG, encoded only when
someone is watching) once per new frame, and the emotion timeline as the entries a viewer has not
seen yet, so a browser keeps its own scrolling history and each update stays small.

Everything held is bounded by message time, not by arrival order: the timeline keeps the last
`timeline_s` before the newest stamp, and people unseen for `forget_after_s` (the predictor's and
the avatar's setting) are forgotten. When time goes back by more than `forget_after_s` (a bag played
with --loop, a restarted clock) what lies in the new present's future is dropped, so one far-future
stamp or a loop cannot keep entries alive. Emotions with NaN/inf probabilities are refused.
"""

from __future__ import annotations

import base64
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from nvhai_common.coco17 import KEYPOINT_NAMES, SKELETON

HORIZONS_S = (1 / 3, 1.0)  # forecast frames drawn: 1/3 s and 1 s ahead
LEVELS = {0: "OK", 1: "WARN", 2: "ERROR", 3: "STALE"}


@dataclass
class Cursor:
    """What one viewer has already been sent."""

    frame: int = -1
    emotion: int = -1


@dataclass
class _Frame:
    seq: int
    stamp: float
    rgb: np.ndarray
    jpeg_b64: str | None = None


@dataclass
class _Emotion:
    index: int
    stamp: float
    person_id: int
    label: str
    probabilities: list[float]


@dataclass
class LiveViewState:
    """Thread-safe latest state of the loop; `listeners` are called (from the writer's thread) on every change."""

    timeline_s: float = 20.0
    forget_after_s: float = 2.0
    forecast_max_age_s: float = 0.5
    jpeg_quality: int = 80
    listeners: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("timeline_s", "forget_after_s", "forecast_max_age_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):  # a NaN window would never prune anything
                raise ValueError(f"{name} {value}: must be a finite number of seconds > 0")
        if not 0 <= self.jpeg_quality <= 100:
            raise ValueError(f"jpeg_quality {self.jpeg_quality}: must be 0-100")
        self._lock = threading.Lock()
        self._frame: _Frame | None = None
        self._frame_seq = 0
        self._people: dict[str, Any] = {"stamp": None, "width": 0, "height": 0, "people": []}
        self._forecasts: dict[int, dict[str, Any]] = {}
        self._labels: list[str] = []
        self._emotions: deque[_Emotion] = deque()
        self._emotion_index = 0
        self._latest_emotion: dict[int, _Emotion] = {}
        self._newest: float | None = None  # newest message stamp since time last went back
        self._response: dict[str, Any] | None = None
        self._diagnostics: dict[str, dict[str, Any]] = {}
        self._counts = {"images": 0, "keypoints": 0, "forecasts": 0, "emotions": 0, "responses": 0}

    # -- writers (ROS callbacks) -------------------------------------------------------------------------------

    def set_image(self, stamp: float, rgb: np.ndarray) -> None:
        with self._lock:
            self._frame_seq += 1
            self._frame = _Frame(self._frame_seq, stamp, rgb)
            self._counts["images"] += 1
        self._changed()

    def set_people(self, stamp: float, width: int, height: int,
                   people: list[tuple[int, np.ndarray, np.ndarray]]) -> None:
        """`people`: (track id, (17, 2) pixels, (17,) confidence) per detected person."""
        rows = [{"id": int(pid), "xy": np.round(xy, 1).tolist(), "confidence": np.round(conf, 3).tolist()}
                for pid, xy, conf in people]
        with self._lock:
            self._people = {"stamp": stamp, "width": int(width), "height": int(height), "people": rows}
            self._counts["keypoints"] += 1
            self._advance(stamp)
        self._changed()

    def set_forecast(self, stamp: float, person_id: int, future: np.ndarray, frame_period_s: float) -> None:
        """`future`: (frames, 17, 2) pixels, frame k at stamp + (k + 1) * frame_period_s."""
        n = len(future)
        if n == 0:
            return
        picks = {f"{h:.2f}": np.round(future[min(n, max(1, round(h / max(frame_period_s, 1e-6)))) - 1], 1).tolist()
                 for h in HORIZONS_S}
        with self._lock:
            self._forecasts[int(person_id)] = {"stamp": stamp, "horizons": picks}
            self._counts["forecasts"] += 1
            self._advance(stamp)
        self._changed()

    def add_emotion(self, stamp: float, person_id: int, labels: list[str], probabilities: list[float]) -> bool:
        """False (nothing stored) for a malformed message: labels and probabilities differ in length,
        or a probability or the stamp is NaN/inf."""
        probs = [round(float(p), 4) for p in probabilities]
        if len(labels) != len(probs) or not labels or not all(map(math.isfinite, [stamp, *probs])):
            return False
        with self._lock:
            self._labels = list(labels)
            e = _Emotion(self._emotion_index, stamp, int(person_id), labels[int(np.argmax(probs))], probs)
            self._emotion_index += 1
            self._emotions.append(e)
            self._latest_emotion[e.person_id] = e
            self._advance(stamp)
            self._counts["emotions"] += 1
        self._changed()
        return True

    def set_response(self, fields: dict[str, Any]) -> None:
        """Every field of the controller's NonverbalResponse, as plain values (new fields show up unchanged)."""
        with self._lock:
            self._response = dict(fields)
            self._counts["responses"] += 1
        self._changed()

    def set_diagnostics(self, statuses: list[dict[str, Any]]) -> None:
        """`statuses`: {name, level (0-3), message, values: {key: value}} per reporting node."""
        now = time.monotonic()
        with self._lock:
            for s in statuses:
                self._diagnostics[s["name"]] = {"name": s["name"], "level": LEVELS.get(int(s["level"]), "?"),
                                                "message": s.get("message", ""), "values": dict(s.get("values", {})),
                                                "received": now}
        self._changed()

    def _advance(self, stamp: float) -> None:
        """Move message time to `stamp` and forget what falls outside the windows (caller holds the lock)."""
        if not math.isfinite(stamp):
            return
        went_back = self._newest is not None and stamp < self._newest - self.forget_after_s
        if self._newest is None or stamp > self._newest or went_back:
            self._newest = stamp
        newest, oldest = self._newest, self._newest - self.timeline_s
        if went_back:  # what was stamped after the new present belongs to a time that is gone
            self._emotions = deque(e for e in self._emotions if oldest <= e.stamp <= newest)
        while self._emotions and self._emotions[0].stamp < oldest:  # in arrival order, which is nearly stamp order
            self._emotions.popleft()

        def present(t: float) -> bool:
            return newest - self.forget_after_s <= t <= newest + self.forget_after_s

        self._latest_emotion = {pid: e for pid, e in self._latest_emotion.items() if present(e.stamp)}
        self._forecasts = {pid: f for pid, f in self._forecasts.items() if present(f["stamp"])}

    # -- reader (web server) -----------------------------------------------------------------------------------

    def snapshot(self, cursor: Cursor) -> dict[str, Any]:
        """JSON-ready view for one viewer; advances its cursor."""
        with self._lock:
            frame = self._frame
            people = self._people
            latest = people["stamp"]
            forecasts = {pid: f for pid, f in self._forecasts.items()
                         if latest is None or abs(f["stamp"] - latest) <= self.forecast_max_age_s}
            new_emotions = [e for e in self._emotions if e.index > cursor.emotion]
            out: dict[str, Any] = {
                "layout": {"skeleton": [list(e) for e in SKELETON], "keypoint_names": list(KEYPOINT_NAMES)},
                "timeline_s": self.timeline_s,
                "forget_after_s": self.forget_after_s,
                "labels": list(self._labels),
                "people": [{**p, "forecast": forecasts.get(p["id"], {}).get("horizons")} for p in people["people"]],
                "keypoints_stamp": latest,
                "image_size": [people["width"], people["height"]],
                "emotions": [{"stamp": e.stamp, "person_id": e.person_id, "label": e.label,
                              "probabilities": e.probabilities} for e in new_emotions],
                "latest_emotion": {str(pid): {"label": e.label, "probabilities": e.probabilities, "stamp": e.stamp}
                                   for pid, e in self._latest_emotion.items()},
                "response": self._response,
                "diagnostics": [{**{k: v for k, v in d.items() if k != "received"},
                                 "age_s": round(time.monotonic() - d["received"], 1)}
                                for d in sorted(self._diagnostics.values(), key=lambda d: d["name"])],
                "counts": dict(self._counts),
                "frame": None,
            }
            if new_emotions:
                cursor.emotion = new_emotions[-1].index
        if frame is not None and frame.seq != cursor.frame:
            if frame.jpeg_b64 is None:  # encoded once per frame, outside the lock, only when someone watches
                frame.jpeg_b64 = encode_jpeg_b64(frame.rgb, self.jpeg_quality)
            h, w = frame.rgb.shape[:2]
            out["frame"] = {"seq": frame.seq, "stamp": frame.stamp, "width": w, "height": h, "jpeg": frame.jpeg_b64}
            cursor.frame = frame.seq
        if out["image_size"] == [0, 0] and frame is not None:
            out["image_size"] = [frame.rgb.shape[1], frame.rgb.shape[0]]
        return out

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()


def encode_jpeg_b64(rgb: np.ndarray, quality: int = 80) -> str:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError(f"JPEG encoding failed for an image of shape {rgb.shape}")
    return base64.b64encode(buf.tobytes()).decode("ascii")
