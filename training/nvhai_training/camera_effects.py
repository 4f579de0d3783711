"""Camera effects for training windows: the mocap and Kinect people as a camera would have filmed them.

Every person in ../shared/data is a whole skeleton seen at exactly 30 FPS; a camera frames people from the
waist or chest up, cuts them at the frame's edges, runs at 10-60 FPS, and loses a limb for a moment. Each
window picked (a `share` of the batch) gets, on its normalised frames (x right, y down):

- a framing: full, knees-up, waist-up (also a person seated at a desk: the legs hidden), or chest-up. The cut
  is a line between two of the body's own landmarks in each frame (a knee and an ankle, a hip and a knee, a
  shoulder and a hip), so it stays where a fixed camera's edge would be while the body moves in place;
  below it keypoints are unseen. Weights from ../shared/data/real_video's framings (20 full, 5 waist-up,
  4 chest-up, 3 seated) tilted toward the cuts, which the data lacks;
- sometimes a cut at the top (a raised hand leaving the frame) or at one side (a person half out of frame);
- sometimes a short occlusion: an arm or a leg unseen for 3-15 frames;
- sometimes a camera rate of 10-29 FPS: the frames are sampled at that rate, ending on the last observed
  frame as the live window does, and read back at 30 FPS by linear interpolation (window.resample's rule,
  seen only where both neighbouring samples saw a keypoint).

The unseen keypoints are then completed as the live window completes them (visibility.complete_future) and
the frames normalised again. Returns the windows and the target's seen flags: losses count seen keypoints
only. MediaPipe's jitter on the real clips, measured as the frame-to-frame second difference of seen
keypoints in the normalised space, is close to the mocap files' (median 0.0006 vs 0.0003-0.0007; p90 0.0055
vs 0.0033-0.0049): `--input-noise` covers it, so no jitter is added here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nvhai_predictor.normalization import normalize
from nvhai_predictor.visibility import complete_future

FRAMINGS = ("full", "knees-up", "waist-up", "chest-up")
FRAMING_WEIGHTS = (0.25, 0.15, 0.35, 0.25)
# Each framing's cut: the line at (a + u (b - a)) between the mean y of landmarks a and b, u drawn in [lo, hi].
_CUTS = {"knees-up": ((13, 14), (15, 16), 0.0, 0.7), "waist-up": ((11, 12), (13, 14), -0.2, 0.6),
         "chest-up": ((5, 6), (11, 12), 0.15, 0.75)}
_LIMBS = ((7, 9), (8, 10), (13, 15), (14, 16))  # elbow + wrist, knee + ankle


@dataclass(frozen=True)
class CameraEffects:
    share: float = 0.0  # of windows given camera effects (0 = off)
    edge_cut: float = 0.25  # of those, a cut at the top or at one side
    occlusion: float = 0.3  # of those, a limb unseen for a moment
    slow_camera: float = 0.3  # of those, a camera slower than 30 FPS (10-29)


def _mean_y(frames: np.ndarray, joints: tuple[int, int]) -> np.ndarray:
    return frames[..., list(joints), 1].mean(-1)


def _seen(frames: np.ndarray, rng: np.random.Generator, effects: CameraEffects) -> np.ndarray:
    """(n, T, 17, 2) whole bodies -> (n, T, 17) seen flags of a random framing, edge cut and occlusion."""
    n, t = frames.shape[:2]
    seen = np.ones(frames.shape[:3], bool)
    kinds = rng.choice(len(FRAMINGS), n, p=FRAMING_WEIGHTS)
    y = frames[..., 1]
    for k, name in enumerate(FRAMINGS):
        rows = kinds == k
        if name not in _CUTS or not rows.any():
            continue
        a, b, lo, hi = _CUTS[name]
        ya, yb = _mean_y(frames[rows], a), _mean_y(frames[rows], b)
        u = rng.uniform(lo, hi, (int(rows.sum()), 1))
        seen[rows] &= y[rows] <= (ya + u * (yb - ya))[..., None]
    edge = rng.random(n) < effects.edge_cut
    top = edge & (rng.random(n) < 0.5)
    if top.any():  # above the head by up to a torso: raised hands leave the frame
        head, torso = frames[top, :, 0, 1], _mean_y(frames[top], (11, 12)) - _mean_y(frames[top], (5, 6))
        line = head - rng.uniform(0.2, 1.0, (int(top.sum()), 1)) * np.abs(torso)
        seen[top] &= y[top] >= line[..., None]
    side = edge & ~top
    if side.any():  # one side of the body, from the far shoulder out, leaves the frame
        x = frames[side, :, :, 0]
        centre = frames[side][..., [5, 6, 11, 12], 0].mean(-1)
        width = np.abs(frames[side, :, 5, 0] - frames[side, :, 6, 0])
        sign = rng.choice([-1.0, 1.0], (int(side.sum()), 1))
        line = centre + sign * width * rng.uniform(0.3, 1.5, (int(side.sum()), 1))
        seen[side] &= (sign[..., None] * (x - line[..., None])) <= 0
    occluded = np.flatnonzero(rng.random(n) < effects.occlusion)
    for i in occluded:
        start, length = rng.integers(0, t), rng.integers(3, 16)
        seen[i, start:start + length, list(_LIMBS[rng.integers(len(_LIMBS))])] = False
    return seen


def _slow_camera(frames: np.ndarray, seen: np.ndarray, t_in: int, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Sample (n, T, 17, 2) frames at `fps` (a sample on frame t_in - 1, the newest observed one) and read them
    back on the 30 FPS grid: linear in position, seen where both neighbouring samples saw the keypoint."""
    t = frames.shape[1]
    step = 30.0 / fps
    times = np.concatenate([np.arange(t_in - 1, -1e-9, -step)[::-1], np.arange(t_in - 1 + step, t - 1 + 1e-9, step)])
    lo = np.clip(np.floor(times).astype(int), 0, t - 2)
    w = (times - lo)[None, :, None]
    samples = frames[:, lo] * (1 - w[..., None]) + frames[:, lo + 1] * w[..., None]
    on_lo, on_hi = w < 1e-9, w > 1 - 1e-9  # a sample on a frame sees what that frame saw
    sample_seen = np.where(on_lo, seen[:, lo], np.where(on_hi, seen[:, lo + 1], seen[:, lo] & seen[:, lo + 1]))
    grid = np.arange(t, dtype=np.float64).clip(times[0], times[-1])
    hi = np.clip(np.searchsorted(times, grid, side="left"), 1, len(times) - 1)
    a = ((grid - times[hi - 1]) / (times[hi] - times[hi - 1]))[None, :, None]
    out = samples[:, hi - 1] * (1 - a[..., None]) + samples[:, hi] * a[..., None]
    exact_lo, exact_hi = (a[..., 0:1] <= 1e-9), (a[..., 0:1] >= 1 - 1e-9)
    out_seen = np.where(exact_lo, sample_seen[:, hi - 1], np.where(exact_hi, sample_seen[:, hi],
                                                                   sample_seen[:, hi - 1] & sample_seen[:, hi]))
    return out, out_seen


def apply(inputs: np.ndarray, targets: np.ndarray, rng: np.random.Generator, effects: CameraEffects,
          input_seen: bool = False) -> tuple[np.ndarray, ...]:
    """(B, T_in, 17, 2) inputs and (B, T_out, 17, 2) targets, normalised -> the same with camera effects on a
    share of them, completed and normalised again, and (B, T_out, 17) the targets' seen flags; with `input_seen`,
    also (B, T_in, 17) the inputs' seen flags (what the live window's confidences would say), last. The random
    draws are the same either way."""
    b, t_in = inputs.shape[:2]
    target_seen = np.ones(targets.shape[:3], bool)
    inputs_seen = np.ones(inputs.shape[:3], bool)
    picked = np.flatnonzero(rng.random(b) < effects.share)
    if not len(picked):
        return (inputs, targets, target_seen, inputs_seen) if input_seen else (inputs, targets, target_seen)
    frames = np.concatenate([inputs[picked], targets[picked]], axis=1).astype(np.float64)
    seen = _seen(frames, rng, effects)
    slow = rng.random(len(picked)) < effects.slow_camera
    if slow.any():
        frames[slow], seen[slow] = _slow_camera(frames[slow], seen[slow], t_in, float(rng.integers(10, 30)))
    # A window the camera barely saw (fewer than 6 keypoints in its last frame) stays as it was: the live window
    # would have skipped those samples.
    ok = seen[:, t_in - 1].sum(-1) >= 6
    picked, frames, seen = picked[ok], frames[ok], seen[ok]
    x, y = complete_future(frames[:, :t_in], frames[:, t_in:], seen[:, :t_in], seen[:, t_in:])
    inputs, targets = inputs.copy(), targets.copy()
    inputs[picked], targets[picked] = normalize(x)[0], normalize(y)[0]
    target_seen[picked] = seen[:, t_in:]
    if input_seen:
        inputs_seen[picked] = seen[:, :t_in]
        return inputs, targets, target_seen, inputs_seen
    return inputs, targets, target_seen
