"""Skeleton overlay for debug images and the demo video."""

from __future__ import annotations

import cv2
import numpy as np

from nvhai_common.coco17 import SKELETON
from nvhai_common.person import PersonKeypoints


def draw_skeleton(rgb: np.ndarray, xy: np.ndarray, confidence: np.ndarray | None = None,
                  color: tuple[int, int, int] = (0, 255, 0), min_confidence: float = 0.3,
                  thickness: int = 2) -> np.ndarray:
    """Draw COCO-17 limbs and joints on `rgb` in place (and return it)."""
    conf = np.ones(len(xy)) if confidence is None else confidence
    pts = np.round(xy).astype(int)
    for a, b in SKELETON:
        if conf[a] >= min_confidence and conf[b] >= min_confidence:
            cv2.line(rgb, tuple(pts[a]), tuple(pts[b]), color, thickness, cv2.LINE_AA)
    for j, p in enumerate(pts):
        if conf[j] >= min_confidence:
            cv2.circle(rgb, tuple(p), thickness + 1, color, -1, cv2.LINE_AA)
    return rgb


def draw_people(rgb: np.ndarray, people: list[PersonKeypoints]) -> np.ndarray:
    """A copy of `rgb` with each person's skeleton drawn on it (the perception node's debug image)."""
    canvas = rgb.copy()
    for person in people:
        draw_skeleton(canvas, person.xy, person.confidence)
    return canvas
