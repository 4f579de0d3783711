"""One detected person in one frame: the value the perception core hands to its callers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class PersonKeypoints:
    """COCO-17 keypoints of one person in pixels of the source image."""

    xy: np.ndarray  # (17, 2) float32, pixels, x right / y down
    confidence: np.ndarray  # (17,) float32 in [0, 1]
    score: float  # overall detection score in [0, 1]
    person_id: int = -1  # assigned by the tracker; -1 until then

    def bbox(self, min_confidence: float = 0.3) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) around the confidently seen keypoints (all of them if none is)."""
        seen = self.confidence >= min_confidence
        pts = self.xy[seen] if seen.any() else self.xy
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)
