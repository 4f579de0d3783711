"""A body swaying in place: the small, valid keypoint data the training CLI tests start from."""

from __future__ import annotations

import numpy as np


def motion(frames: int, seed: int = 0) -> np.ndarray:
    """(frames, 17, 2) image-normalised keypoints: a body swaying in place."""
    rng = np.random.default_rng(seed)
    base = 0.4 + 0.2 * rng.random((1, 17, 2))
    t = np.arange(frames)[:, None, None] / 30
    return (base + 0.05 * np.sin(2 * np.pi * 0.7 * t + rng.random((1, 17, 2)) * 6)).astype(np.float32)
