"""Frames from a video file or an image folder, with their times: the camera stand-in for the video source
node, `nvhai-bag from-video` and `nvhai-train extract`, so all three see the same pixels. No ROS."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}


@dataclass
class Frame:
    index: int
    t: float  # seconds from the start of the source
    rgb: np.ndarray


class FrameSource:
    """Iterates a video (its own frame rate) or a sorted image folder (at `folder_fps`)."""

    def __init__(self, path: str | Path, folder_fps: float = 30.0, max_side: int = 0) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"no video or image folder at {self.path}")
        self.max_side = max_side
        if self.path.is_dir():
            self.images = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not self.images:
                raise ValueError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {self.path}")
            self.fps = folder_fps
        else:
            self.images = []
            cap = self._open(self.path)
            if not cap.isOpened():
                raise ValueError(f"cannot open video {self.path}")
            self.fps = cap.get(cv2.CAP_PROP_FPS) or folder_fps
            cap.release()

    @staticmethod
    def _open(path: Path) -> cv2.VideoCapture:
        cap = cv2.VideoCapture(str(path))
        # Phones store portrait video as landscape frames plus a rotation tag: stand the frames up, as players do.
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
        return cap

    def _resize(self, bgr: np.ndarray) -> np.ndarray:
        h, w = bgr.shape[:2]
        if self.max_side and max(h, w) > self.max_side:
            k = self.max_side / max(h, w)
            bgr = cv2.resize(bgr, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def __iter__(self) -> Iterator[Frame]:
        if self.images:
            for i, p in enumerate(self.images):
                bgr = cv2.imread(str(p))
                if bgr is not None:
                    yield Frame(i, i / self.fps, self._resize(bgr))
            return
        cap = self._open(self.path)
        i = 0
        try:
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                yield Frame(i, i / self.fps, self._resize(bgr))
                i += 1
        finally:
            cap.release()
