"""Collects what the loop publishes and turns it into a video a person can look at. No ROS.

Panels per input frame: the camera image with the detected skeleton (green) and the forecast
skeletons 1/3 s and 1 s ahead (orange, red), beside the avatar's answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from nvhai_perception.drawing import draw_skeleton

FORECAST_COLOURS = {10: (255, 160, 0), 30: (230, 40, 40)}  # frames ahead -> RGB


@dataclass
class DemoRecording:
    frames: dict[float, np.ndarray] = field(default_factory=dict)  # stamp -> RGB
    keypoints: dict[float, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    forecasts: dict[float, list[np.ndarray]] = field(default_factory=dict)  # stamp -> [(T, 17, 2)]
    emotions: dict[float, str] = field(default_factory=dict)
    avatars: dict[float, np.ndarray] = field(default_factory=dict)

    def compose(self) -> list[np.ndarray]:
        out, avatar, caption = [], None, "watching..."
        for t in sorted(self.frames):
            img = self.frames[t].copy()
            for xy, conf in self.keypoints.get(t, []):
                draw_skeleton(img, xy, conf, color=(0, 230, 0))
            for future in self.forecasts.get(t, []):
                for k, colour in FORECAST_COLOURS.items():
                    draw_skeleton(img, future[min(k, len(future)) - 1], color=colour, thickness=1)
            people = self.keypoints.get(t, [])
            if people:
                _inset_zoom(img, people[0][0])
            avatar = self.avatars.get(t, avatar)
            caption = self.emotions.get(t, caption)
            cv2.putText(img, caption, (10, img.shape[0] - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2,
                        cv2.LINE_AA)
            panel = avatar if avatar is not None else np.full((img.shape[0], img.shape[0] * 8 // 9, 3), 235, np.uint8)
            panel = cv2.resize(panel, (round(panel.shape[1] * img.shape[0] / panel.shape[0]), img.shape[0]))
            out.append(np.hstack([img, panel]))
        return out


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
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for f in frames:
        writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    writer.release()


def write_gif(frames: list[np.ndarray], path: Path, fps: float, every: int = 2, scale: float = 0.6) -> None:
    from PIL import Image

    small = [Image.fromarray(cv2.resize(f, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
             for f in frames[::every]]
    small[0].save(path, save_all=True, append_images=small[1:], duration=round(1000 * every / fps), loop=0,
                  optimize=True)
