"""Collects what the loop publishes and turns it into a video a person can look at, and a summary. No ROS.

Panels per input frame: the camera image with each tracked person's skeleton (green), id and
current emotion, their forecast skeletons 1/3 s and 1 s ahead (orange, red), a white box around
the person the avatar attends; beside it the avatar's answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from nvhai_perception.drawing import draw_skeleton
from nvhai_tools.loop_metrics import ForecastSeen, FrameRecord, label_switches, loop_summary

FORECAST_COLOURS = {10: (255, 160, 0), 30: (230, 40, 40)}  # frames ahead -> RGB
EMOTION_HOLD_S = 0.5  # a person's emotion is shown while their last estimate is at most this old
DRAW_HOLD_S = 0.25  # frames perception skipped (busy) show the last skeletons up to this old


@dataclass
class Answer:
    person_id: int
    gesture: str
    emotion: str
    latency_s: float  # camera stamp -> answer received


@dataclass
class DemoRecording:
    frames: dict[float, np.ndarray] = field(default_factory=dict)  # stamp -> RGB
    keypoints: dict[float, dict[int, tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    forecasts: dict[float, dict[int, np.ndarray]] = field(default_factory=dict)  # stamp -> {id: (T, 17, 2)}
    emotions: dict[float, dict[int, tuple[str, float]]] = field(default_factory=dict)  # stamp -> {id: (label, p)}
    answers: dict[float, Answer] = field(default_factory=dict)  # stamp -> the avatar's answer
    avatars: dict[float, np.ndarray] = field(default_factory=dict)

    def compose(self) -> list[np.ndarray]:
        out, avatar = [], None
        shown: dict[int, tuple[float, str, float]] = {}  # id -> (stamp, label, p) of the last estimate
        answer: Answer | None = None
        drawn: tuple[float, dict, dict] = (-np.inf, {}, {})  # (stamp, people, forecasts) last processed
        for t in sorted(self.frames):
            img = self.frames[t].copy()
            if t in self.keypoints:
                drawn = (t, self.keypoints[t], self.forecasts.get(t, {}))
            people, forecasts = drawn[1:] if t - drawn[0] <= DRAW_HOLD_S else ({}, {})
            for pid, (label, p) in self.emotions.get(t, {}).items():
                shown[pid] = (t, label, p)
            answer = self.answers.get(t, answer)
            attended = answer.person_id if answer is not None and answer.gesture != "idle" else None
            for pid, (xy, conf) in people.items():
                draw_skeleton(img, xy, conf, color=(0, 230, 0))
                for k, colour in FORECAST_COLOURS.items():
                    future = forecasts.get(pid)
                    if future is not None:
                        draw_skeleton(img, future[min(k, len(future)) - 1], color=colour, thickness=1)
                x0, y0 = xy.min(axis=0)
                x1, y1 = xy.max(axis=0)
                if pid == attended:
                    cv2.rectangle(img, (int(x0) - 6, int(y0) - 6), (int(x1) + 6, int(y1) + 6), (255, 255, 255), 1)
                _text(img, f"#{pid}", (int(x0), max(12, int(y0) - 10)), 0.45)
            lines = [f"#{pid} {label} {p:.0%}" for pid, (ts, label, p) in sorted(shown.items())
                     if pid in people and t - ts <= EMOTION_HOLD_S]
            if attended is not None:
                lines.append(f"avatar attends #{attended}: {answer.gesture}")
            elif answer is not None:
                lines.append("avatar: nobody to attend")
            for i, line in enumerate(reversed(lines or ["watching..."])):
                _text(img, line, (10, img.shape[0] - 12 - 22 * i), 0.55)
            if attended in people:
                _inset_zoom(img, people[attended][0])
            avatar = self.avatars.get(t, avatar)
            panel = avatar if avatar is not None else np.full((img.shape[0], img.shape[0] * 8 // 9, 3), 235, np.uint8)
            panel = cv2.resize(panel, (round(panel.shape[1] * img.shape[0] / panel.shape[0]), img.shape[0]))
            out.append(np.hstack([img, panel]))
        return out

    def summary(self, rate_hz: float = 30.0) -> dict:
        """out/demo_summary.json: what a person would check after a run, with per-person figures."""
        stamps = sorted(self.frames)
        records = []
        for t in stamps:
            emotions = self.emotions.get(t, {})
            seen = {pid: ForecastSeen(t, f, *emotions.get(pid, ("", 0.0))) for pid, f in self.forecasts.get(t, {}).items()}
            records.append(FrameRecord(t, sorted(self.keypoints.get(t, {})), seen))
        per_run = loop_summary(records, rate_hz=rate_hz) if records else {}
        forecast_frames = sum(1 for t in stamps if (a := self.answers.get(t)) is not None and a.gesture != "idle"
                              and a.person_id in self.forecasts.get(t, {}))
        by_person: dict[int, list[str]] = {}
        for t in sorted(self.emotions):
            for pid, (label, _) in self.emotions[t].items():
                by_person.setdefault(pid, []).append(label)
        latencies = np.array([a.latency_s for a in self.answers.values()]) * 1000
        return {
            "frames": len(stamps),
            "frames_with_person": sum(1 for t in stamps if self.keypoints.get(t)),
            "ids_seen": len({pid for people in self.keypoints.values() for pid in people}),
            "forecast_frames": forecast_frames,
            "answered_frames": sum(1 for t in stamps if t in self.answers),
            "emotion_switches": sum(label_switches(v) for v in by_person.values()),
            "emotion_switches_per_min": per_run.get("emotion_switches_per_min"),
            "forecast_share": per_run.get("forecast_share"),
            "latency_ms": {"median": float(np.median(latencies)) if len(latencies) else None,
                           "p99": float(np.percentile(latencies, 99)) if len(latencies) else None},
            "attended": sorted({a.person_id for a in self.answers.values() if a.gesture != "idle"}),
            "people": per_run.get("people", {}),
        }


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float) -> None:
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)


def _inset_zoom(img: np.ndarray, xy: np.ndarray, height_frac: float = 0.55) -> None:
    """Paste an enlarged crop around the person into the top-right corner (people are small in wide shots)."""
    h, w = img.shape[:2]
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    side = max(x1 - x0, y1 - y0) * 1.25 + 16
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    a, b = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    crop = img[b:int(min(h, cy + side / 2)), a:int(min(w, cx + side / 2))]
    if crop.size == 0:
        return
    size = int(h * height_frac)
    zoom = cv2.resize(crop, (size * crop.shape[1] // max(crop.shape[0], 1), size), interpolation=cv2.INTER_LINEAR)
    zoom = zoom[:, : w // 2]
    img[4:4 + zoom.shape[0], w - 4 - zoom.shape[1]:w - 4] = zoom
    cv2.rectangle(img, (w - 5 - zoom.shape[1], 3), (w - 4, 4 + zoom.shape[0]), (255, 255, 255), 1)


def write_video(frames: list[np.ndarray], path: Path, fps: float) -> None:
    """H.264 (yuv420p, the index first) MP4 of RGB `frames`: what browsers and GitHub play. OpenCV's wheels
    bundle no H.264 encoder (its `mp4v`, MPEG-4 Part 2, plays in neither), PyAV's bundle libx264."""
    from fractions import Fraction

    import av

    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=Fraction(round(fps * 1000), 1000))
        stream.width, stream.height, stream.pix_fmt = w + w % 2, h + h % 2, "yuv420p"  # 4:2:0 needs even sides
        stream.options = {"crf": "23", "preset": "veryfast"}
        for f in frames:
            even = np.pad(f, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(even), format="rgb24")))
        container.mux(stream.encode())


def write_gif(frames: list[np.ndarray], path: Path, fps: float, every: int = 2, scale: float = 0.6) -> None:
    from PIL import Image

    small = [Image.fromarray(cv2.resize(f, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
             for f in frames[::every]]
    small[0].save(path, save_all=True, append_images=small[1:], duration=round(1000 * every / fps), loop=0,
                  optimize=True)
