"""A standing person waving, in pixels of a 640x480 camera: the small, valid keypoints the node tests send."""

from __future__ import annotations

import numpy as np

BODY = np.array([[320, 100], [330, 90], [310, 90], [340, 95], [300, 95], [360, 150], [280, 150], [380, 210],
                 [260, 210], [390, 270], [250, 270], [345, 280], [295, 280], [350, 370], [290, 370], [352, 450],
                 [288, 450]], np.float64)


def waving(i: int, scale: float = 1.0, x: float = 320.0, phase: float = 0.0) -> np.ndarray:
    """(17, 2) frame `i` of a 30 FPS wave (left arm up and down), the body `scale` times as large, centred at `x`."""
    xy = (BODY - [320, 0]) * scale + [x, 0]
    xy[[7, 9], 1] -= 40 * scale * (np.sin(i / 6 + phase) + 1)
    return xy
