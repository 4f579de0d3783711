"""Keypoints the camera did not see: which they are, and what the model is shown in their place.

A camera cuts people at the waist or chest, a desk hides their legs, and MediaPipe still places every
landmark: guesses for what it cannot see, often far outside the image and jumping from frame to frame. A
keypoint is *seen* when its confidence reaches `min_confidence` and it lies in the image; the others are
*completed* here, the one treatment the live window, training and evaluation all apply (so a waist-up person
gives the model the same window in each):

- a standing body (TEMPLATE, the median pose of the CMU, MSRC-12 and Bandai people) is fitted to the window's
  seen head, shoulders and hips (translation per frame, one scale per window: a scale that jittered per frame
  would shake every normalised coordinate, since the completed legs then set the pose's extent);
- a keypoint seen earlier in the window keeps its last seen place on that body (a hand that left the top of
  the frame stays raised); one never seen in the window takes the template's (legs stand under the hips).

So a person cut at the waist is shown as a person standing still below the cut, a pose every training window
has, instead of legs collapsed onto the upper body's centroid (what the window did before: 5-15x worse than
zero-velocity on waist-up camera footage). Scores and the online layer count seen keypoints only.
"""

from __future__ import annotations

import numpy as np

from nvhai_common.coco17 import INDEX

# A standing person facing the camera, origin between the shoulders, y down, in torso lengths (shoulder
# midpoint to hip midpoint): the median of upright, frontal frames of the CMU, MSRC-12 and Bandai files (each
# mirrored, the three medians averaged; training/recipes/body_template.py).
TEMPLATE = np.array([
    [0.0, -0.505], [0.069, -0.543], [-0.069, -0.543], [0.182, -0.487], [-0.182, -0.487],
    [0.331, 0.0], [-0.331, 0.0], [0.458, 0.539], [-0.458, 0.539], [0.486, 0.939], [-0.486, 0.939],
    [0.168, 0.998], [-0.168, 0.998], [0.173, 2.045], [-0.173, 2.045], [0.161, 2.915], [-0.161, 2.915],
])
# The keypoints that move with the body, not the limbs: what the template is fitted to.
ANCHORS: list[int] = [INDEX[n] for n in ("nose", "left_eye", "right_eye", "left_ear", "right_ear",
                                         "left_shoulder", "right_shoulder", "left_hip", "right_hip")]
# Least-squares weights of a seen keypoint in the template's fit: the anchors weigh 100x a limb (a raised arm
# must not stretch the body); a frame with fewer than two seen anchors leans on its limbs.
_WEIGHT = np.where(np.isin(np.arange(len(TEMPLATE)), ANCHORS), 1.0, 0.01)
_TEMPLATE_SQ = (TEMPLATE * TEMPLATE).sum(-1)


def inside_image(xy: np.ndarray, width: float, height: float) -> np.ndarray:
    """(..., 17, 2) pixels -> (..., 17) whether each keypoint lies in the width x height image."""
    return (xy[..., 0] >= 0) & (xy[..., 0] <= width) & (xy[..., 1] >= 0) & (xy[..., 1] <= height)


def _forward_fill_index(seen: np.ndarray) -> np.ndarray:
    """(..., T, K) -> the index of the last frame <= t in which each keypoint was seen (-1: none yet)."""
    t = np.arange(seen.shape[-2]).reshape(-1, 1)
    return np.maximum.accumulate(np.where(seen, t, -1), axis=-2)


def _median_where(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(..., T) -> (...,) median of the valid values along the last axis; 1 where none is valid."""
    if values.ndim == 1:  # the live window: one person (np.median costs 20 us of overhead)
        v = np.sort(values[valid])
        k = len(v)
        return np.asarray((v[(k - 1) // 2] + v[k // 2]) / 2 if k else 1.0)
    ordered = np.sort(np.where(valid, values, np.inf), axis=-1)  # the valid values first, in order
    k = valid.sum(-1, keepdims=True)
    lo, hi = np.maximum((k - 1) // 2, 0), np.maximum(k // 2, 0)
    out = (np.take_along_axis(ordered, lo, -1) + np.take_along_axis(ordered, hi, -1))[..., 0] / 2
    return np.where(k[..., 0] > 0, out, 1.0)


def complete(xy: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """(..., T, 17, 2) keypoints and (..., T, 17) seen flags -> the keypoints with every unseen one completed
    (module docstring). Seen keypoints are returned as they are; a window seen whole is returned unchanged."""
    xy = np.asarray(xy, dtype=np.float64)
    if seen.all():
        return xy
    # Least-squares translation (per frame) and scale (per frame, then the window's median) of the template.
    w = seen * _WEIGHT  # (..., T, 17)
    n = w.sum(-1)  # (..., T)
    safe = np.maximum(n, 1e-12)[..., None]
    wx = (w[..., None, :] @ xy)[..., 0, :] / safe  # weighted means of the points and of the template
    wr = (w @ TEMPLATE) / safe
    xr = xy[..., 0] * TEMPLATE[:, 0] + xy[..., 1] * TEMPLATE[:, 1]  # (a sum over an axis of 2 is slow in numpy)
    num = (w * xr).sum(-1) - n * (wx[..., 0] * wr[..., 0] + wx[..., 1] * wr[..., 1])
    den = w @ _TEMPLATE_SQ - n * (wr[..., 0] ** 2 + wr[..., 1] ** 2)
    valid = (seen.sum(-1) >= 2) & (den > 1e-12) & (num > 0)
    scale = _median_where(num / np.where(valid, den, 1.0), valid)[..., None]  # (..., 1)
    # The body's place in each frame at the window's scale; a frame with no seen keypoint takes the last one's.
    offset = wx - scale[..., None] * wr  # (..., T, 2)
    has = n > 0
    if not has.all():
        last = _forward_fill_index(has[..., None])[..., 0]
        idx = np.where(last >= 0, last, np.argmax(has, axis=-1)[..., None])
        offset = np.take_along_axis(offset, idx[..., None], axis=-2)
    # Each keypoint on the fitted body: where it was last seen in the window, else the template's place.
    if (seen == seen[..., :1, :]).all():  # the same keypoints unseen all window long (a waist-up person): fast
        return np.where(seen[..., None], xy, offset[..., None, :] + scale[..., None, None] * TEMPLATE)
    body = (xy - offset[..., None, :]) / scale[..., None, None]
    seen_at = _forward_fill_index(seen)  # (..., T, 17)
    if body.ndim == 3:  # one window (the live path): plain indexing is 2x faster than take_along_axis
        held = body[np.maximum(seen_at, 0), np.arange(body.shape[1])]
    else:
        held = np.take_along_axis(body, np.maximum(seen_at, 0)[..., None], axis=-3)
    held = np.where((seen_at >= 0)[..., None], held, TEMPLATE)
    filled = offset[..., None, :] + scale[..., None, None] * held
    return np.where(seen[..., None], xy, filled)


def complete_future(inputs: np.ndarray, future: np.ndarray, inputs_seen: np.ndarray, future_seen: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Windows (..., T_in, 17, 2) and what followed them (..., T_out, 17, 2), with their seen flags -> both
    completed: the inputs from themselves alone (what the live window shows the model), the future from the
    inputs and itself (unseen keypoints held on, so that its frames normalise as the window's do; the scores
    count its seen keypoints only)."""
    if inputs_seen.all() and future_seen.all():
        return np.asarray(inputs, np.float64), np.asarray(future, np.float64)
    t_in = inputs.shape[-3]
    both = complete(np.concatenate([inputs, future], axis=-3), np.concatenate([inputs_seen, future_seen], axis=-2))
    return complete(inputs, inputs_seen), both[..., t_in:, :, :]
