"""Is a forecast something a human body could do? The last check before a forecast is published.

The self-scoring gate (self_scoring.py) needs seconds of evidence before it mutes a bad forecaster; a model
shown a pose it never met (a person cut by the frame, a detector gone wrong) can forecast nonsense at once.
Each forecast is checked in the per-frame normalised space the model works in, where every observed frame
has its keypoints within 1 of their centroid (the largest distance *is* 1):

- extent: each forecast frame's largest distance from its centroid lies in [min_extent, max_extent];
- speed: no keypoint moves more than `max_step` from one frame to the next (the first from the last
  observed frame). On held-out mocap and Kinect people, 99.99 % of real frame steps are below 0.51, on the
  real footage (MediaPipe's jitter included) below 0.79;
- reach: no keypoint ends more than `max_displacement` from where it was last observed (real people over 1 s:
  at most 1.43);
- bones: no bone is longer than both `max_bone_growth` x the longest it or its twin (left / right) was in the
  observed window and `bone_margin` x the longest it was in any frame of the CMU, MSRC-12, Bandai and real
  video people (BONE_MAX). A bone seen in 2D shortens when it turns toward the camera, so a window may not
  show its real length: the second bound keeps an arm that was pointed at the camera for two seconds free to
  stretch out, the first an arm that grows far past the body it belongs to.

A forecast that fails any is replaced by zero-velocity (the last observed pose, held): `check` says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Bones whose 2D length cannot exceed their length in the window: arms, legs, shoulders, hips, torso sides.
BONES: tuple[tuple[int, int], ...] = ((5, 7), (7, 9), (6, 8), (8, 10), (11, 13), (13, 15), (12, 14), (14, 16),
                                      (5, 6), (11, 12), (5, 11), (6, 12))
_A, _B = (list(side) for side in zip(*BONES, strict=True))
_TWIN = [1, 0, 3, 2, 6, 7, 4, 5, 8, 9, 11, 10]  # each bone's left / right counterpart (itself for shoulders, hips)
# The longest each bone was in any normalised frame of ../shared/data's people (CMU, MSRC-12, Bandai, real_video).
BONE_MAX = np.array([0.75, 0.75, 0.75, 0.75, 1.25, 1.22, 1.25, 1.22, 0.97, 0.58, 1.21, 1.21])


@dataclass
class PlausibilityConfig:
    enabled: bool = True
    min_extent: float = 0.3  # 0.5 flagged a real forecast of the bundled clip (0.47): only a collapse counts
    max_extent: float = 1.6
    max_step: float = 0.8
    max_displacement: float = 1.6
    max_bone_growth: float = 1.8
    bone_margin: float = 1.25


def check(window: np.ndarray, forecast: np.ndarray, config: PlausibilityConfig | None = None) -> str:
    """'' when the (T_out, 17, 2) `forecast` after the (T_in, 17, 2) `window` (both normalised) is physically
    plausible, else why not (one short phrase)."""
    c = config or PlausibilityConfig()
    if not c.enabled:
        return ""
    last = window[-1]
    fx, fy = forecast[..., 0], forecast[..., 1]  # one coordinate at a time: a sum over an axis of 2 is slow
    extent2 = _sq(fx - fx.mean(axis=1, keepdims=True), fy - fy.mean(axis=1, keepdims=True)).max(axis=1)
    lo, hi = float(extent2.min()) ** 0.5, float(extent2.max()) ** 0.5
    if lo < c.min_extent or hi > c.max_extent:
        return f"pose extent {lo:.2f}..{hi:.2f} outside [{c.min_extent}, {c.max_extent}]"
    steps = np.concatenate([last[None], forecast])
    step = float(_sq(np.diff(steps[..., 0], axis=0), np.diff(steps[..., 1], axis=0)).max()) ** 0.5
    if step > c.max_step:
        return f"a keypoint moves {step:.2f} in one frame (> {c.max_step})"
    reach = float(_sq(fx - last[:, 0], fy - last[:, 1]).max()) ** 0.5
    if reach > c.max_displacement:
        return f"a keypoint ends {reach:.2f} from where it was (> {c.max_displacement})"
    seen = window[::-3]  # every third frame from the newest: a bone's longest, at a third of the cost
    observed = np.sqrt(_sq(seen[:, _A, 0] - seen[:, _B, 0], seen[:, _A, 1] - seen[:, _B, 1]).max(axis=0))
    observed = np.maximum(observed, observed[_TWIN])
    length = np.sqrt(_sq(fx[:, _A] - fx[:, _B], fy[:, _A] - fy[:, _B]).max(axis=0))
    too_long = (length > c.max_bone_growth * observed) & (length > c.bone_margin * BONE_MAX)
    if too_long.any():
        i = int(np.argmax(too_long))
        return (f"bone {BONES[i]} grows to {length[i]:.2f} ({length[i] / max(observed[i], 1e-3):.1f}x the longest "
                f"observed, a body's at most {BONE_MAX[i]:.2f})")
    return ""


def _sq(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    return dx * dx + dy * dy
