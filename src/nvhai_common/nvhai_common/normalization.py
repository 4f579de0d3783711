"""The paper's per-frame normalisation, the one implementation: the predictor, the avatar and training/ import it.

Each frame: subtract the centroid of its 17 keypoints, divide by the largest keypoint distance
from that centroid. Poses become translation- and scale-free; the model forecasts future poses
in that space, and forecasts go back to pixels with the last observed frame's centroid and scale
(the person is assumed to stay where and as large as they were last seen: the forecast is body
motion, not travel across the image).
"""

from __future__ import annotations

import numpy as np

NORMALIZATION_VERSION = "centroid-maxdist-v1"
MIN_SCALE = 1e-6  # a collapsed pose (all keypoints on one point) keeps scale 1 instead of dividing by 0


def normalize(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(..., 17, 2) keypoints -> (normalised (..., 17, 2), centroid (..., 2), scale (...,))."""
    frames = np.asarray(frames)
    centroid = frames.mean(axis=-2)
    centred = frames - centroid[..., None, :]
    scale = np.linalg.norm(centred, axis=-1).max(axis=-1)
    scale = np.where(scale > MIN_SCALE, scale, 1.0)
    return centred / scale[..., None, None], centroid, scale


def denormalize(normalized: np.ndarray, centroid: np.ndarray, scale: np.ndarray | float) -> np.ndarray:
    """Inverse of normalize; centroid (..., 2) and scale (...,) broadcast over frames."""
    scale = np.asarray(scale)
    return normalized * scale[..., None, None] + np.asarray(centroid)[..., None, :]
