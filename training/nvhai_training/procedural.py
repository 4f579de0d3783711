"""Procedural, labelled body motion for the paper's three emotions and "neutral", for synthetic pretraining.

The paper pretrains on MotionLCM text-to-motion samples; this generator stands in for it
offline. Each sample is a 3D COCO-17 skeleton driven by a small motion program per emotion,
with randomised body proportions, tempo, amplitude, phase, onset and camera, plus 2D noise:

- "enthusiastic": both arms pumping overhead while bouncing/jumping;
- "laughing": fast shoulder/torso shaking over a slow lean, head back, hands near the belly;
- "happy to see you": one arm raised waving side to side, slight lean in, gentle bounce;
- "neutral": standing idle — weight shifts, arms hanging or drifting slowly below the shoulders
  (a hand to the chin or hip), head turning: the still person real data (walks, runs) lacks.

Vectorised over samples: 90k samples of 90 frames take about a minute on 2 cores.
"""

from __future__ import annotations

import numpy as np

from nvhai_predictor.contract import EMOTION_LABELS
from nvhai_training.camera import CameraRange, look_at, project

UP = np.array([0.0, 1.0, 0.0])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def _arm_dir(side: float, elevation: np.ndarray, swing: np.ndarray) -> np.ndarray:
    """Upper-arm direction: elevation 0 = hanging down, pi = straight up; swing 0 = sideways, pi/2 = forward."""
    s = np.sin(elevation)
    return np.stack([side * s * np.cos(swing), -np.cos(elevation), s * np.sin(swing)], axis=-1)


def _bend(upper: np.ndarray, flex: np.ndarray, towards: np.ndarray) -> np.ndarray:
    """Rotate a limb direction by `flex` radians towards `towards` (orthogonalised)."""
    perp = _unit(towards - (towards * upper).sum(-1, keepdims=True) * upper)
    return _unit(upper * np.cos(flex)[..., None] + perp * np.sin(flex)[..., None])


def _skeleton(n: int, t: int, rng: np.random.Generator, p: dict[str, np.ndarray]) -> np.ndarray:
    """(n, t, 17, 3) joints from per-frame pose parameters in `p` (arrays of shape (n, t))."""
    height = rng.uniform(1.5, 1.95, (n, 1))
    shoulder_w = height * rng.uniform(0.2, 0.25, (n, 1))
    hip_w = height * rng.uniform(0.1, 0.14, (n, 1))
    torso = height * rng.uniform(0.28, 0.32, (n, 1))
    upper_arm = height * rng.uniform(0.17, 0.2, (n, 1))
    forearm = height * rng.uniform(0.15, 0.17, (n, 1))
    thigh = height * rng.uniform(0.23, 0.26, (n, 1))
    shin = height * rng.uniform(0.23, 0.26, (n, 1))
    head = height * rng.uniform(0.1, 0.12, (n, 1))

    pitch, roll = p["lean_pitch"], p["lean_roll"]  # forward (+) / sideways lean of the spine
    spine = _unit(np.stack([np.sin(roll), np.cos(pitch) * np.cos(roll), np.sin(pitch)], axis=-1))
    across = _unit(np.stack([np.cos(roll), -np.sin(roll), np.zeros_like(roll)], axis=-1))  # subject's left
    forward = _unit(np.cross(across, spine))
    knee_flex = p["knee_flex"]
    hip_y = (thigh + shin) * (1 - 0.25 * (1 - np.cos(knee_flex))) + p["bounce"]
    pelvis = np.stack([p["sway"], hip_y, np.zeros_like(hip_y)], axis=-1)
    neck = pelvis + spine * torso[..., None]
    out = np.zeros((n, t, 17, 3))
    head_dir = _bend(spine, p["head_tilt"], -forward)  # tilt > 0: head back
    head_c = neck + head_dir * (0.6 * head)[..., None]
    out[:, :, 0] = head_c + forward * (0.45 * head)[..., None]  # nose
    for side, eye, ear in ((1.0, 1, 3), (-1.0, 2, 4)):
        out[:, :, eye] = head_c + forward * (0.35 * head)[..., None] + side * across * (0.17 * head)[..., None] \
            + head_dir * (0.15 * head)[..., None]
        out[:, :, ear] = head_c + side * across * (0.4 * head)[..., None]
    for side, sh, el, wr, key in ((1.0, 5, 7, 9, "l"), (-1.0, 6, 8, 10, "r")):
        shoulder = neck + side * across * (shoulder_w / 2)[..., None] - spine * (0.04 * height)[..., None] \
            + UP * p["shrug"][..., None]
        upper = _arm_dir(side, p[f"{key}_elev"], p[f"{key}_swing"])
        lower = _bend(upper, p[f"{key}_flex"], forward + UP * 0.3 + side * across * p[f"{key}_out"][..., None])
        out[:, :, sh] = shoulder
        out[:, :, el] = shoulder + upper * upper_arm[..., None]
        out[:, :, wr] = out[:, :, el] + lower * forearm[..., None]
    for side, hp, kn, an in ((1.0, 11, 13, 15), (-1.0, 12, 14, 16)):
        hip = pelvis + side * across * (hip_w / 2)[..., None]
        thigh_dir = _unit(-UP + forward * np.sin(knee_flex / 2)[..., None] + side * np.array([0.05, 0, 0]))
        shin_dir = _unit(-UP - forward * np.sin(knee_flex / 2)[..., None])
        out[:, :, hp] = hip
        out[:, :, kn] = hip + thigh_dir * thigh[..., None]
        out[:, :, an] = out[:, :, kn] + shin_dir * shin[..., None]
    return out


def _program(label: int, n: int, t: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-frame pose parameters (n, T) of one emotion's motion program."""
    def u(lo: float, hi: float) -> np.ndarray:
        return rng.uniform(lo, hi, (n, 1))

    phase = u(0, 2 * np.pi)
    onset = u(-1.0, 1.2)  # seconds; before it the person stands (starts are forecast too)
    ramp = np.clip((t - onset) / u(0.2, 0.6), 0, 1)
    zero = np.zeros((n, len(t)))
    p = {k: zero.copy() for k in ("lean_pitch", "lean_roll", "sway", "bounce", "knee_flex", "head_tilt", "shrug",
                                  "l_out", "r_out")}
    rest_elev, rest_flex = u(0.05, 0.25), u(0.1, 0.4)
    for k in ("l", "r"):
        p[f"{k}_elev"] = rest_elev + zero
        p[f"{k}_swing"] = u(0.2, 0.8) + zero
        p[f"{k}_flex"] = rest_flex + zero
    p["lean_pitch"] += u(-0.05, 0.08)
    if label == 0:  # enthusiastic: arms pumping overhead, bouncing
        f = u(1.6, 2.8)
        w = 2 * np.pi * f * t + phase
        amp = u(0.6, 1.0)
        for k in ("l", "r"):
            p[f"{k}_elev"] += ramp * (u(2.2, 2.8) - rest_elev + amp * 0.35 * np.sin(w))
            p[f"{k}_flex"] += ramp * amp * (0.6 + 0.5 * np.sin(w + u(-0.3, 0.3)))
            p[f"{k}_swing"] = p[f"{k}_swing"] * (1 - ramp) + ramp * u(0.0, 0.6)
        hop = np.abs(np.sin(w / 2))
        p["bounce"] += ramp * u(0.03, 0.15) * hop
        p["knee_flex"] += ramp * u(0.2, 0.6) * (1 - hop)
        p["head_tilt"] += ramp * u(0.0, 0.3)
    elif label == 1:  # laughing: shaking shoulders over a slow lean, hands to the belly, head back
        f_shake, f_lean = u(3.5, 6.0), u(0.3, 0.8)
        shake = np.sin(2 * np.pi * f_shake * t + phase)
        lean = np.sin(2 * np.pi * f_lean * t + phase)
        p["shrug"] += ramp * u(0.01, 0.03) * shake
        p["lean_pitch"] += ramp * (u(0.1, 0.4) * lean + u(0.02, 0.06) * shake)
        p["head_tilt"] += ramp * (u(0.2, 0.5) - 0.3 * lean)
        p["bounce"] += ramp * u(0.005, 0.02) * shake
        for k in ("l", "r"):
            p[f"{k}_elev"] += ramp * (u(0.3, 0.7) - rest_elev)
            p[f"{k}_swing"] = p[f"{k}_swing"] * (1 - ramp) + ramp * u(1.2, 1.5)
            p[f"{k}_flex"] += ramp * (u(1.3, 1.9) - rest_flex + 0.1 * shake)
            p[f"{k}_out"] -= ramp * 1.5
    elif label == 2:  # happy to see you: one arm up waving side to side, leaning in
        f = u(1.5, 3.0)
        w = 2 * np.pi * f * t + phase
        wave = rng.random((n, 1)) < 0.5
        for k, waving in (("l", wave), ("r", ~wave)):
            elev = ramp * (u(2.0, 2.7) - rest_elev)
            flex = ramp * (u(0.4, 0.8) + u(0.3, 0.6) * np.sin(w))
            p[f"{k}_elev"] += np.where(waving, elev, ramp * u(0.0, 0.5))
            p[f"{k}_flex"] += np.where(waving, flex, 0.0)
            p[f"{k}_out"] += np.where(waving, ramp * 1.5 * np.sin(w), 0.0)
            p[f"{k}_swing"] = np.where(waving, p[f"{k}_swing"] * (1 - ramp) + ramp * u(0.1, 0.5), p[f"{k}_swing"])
        p["lean_pitch"] += ramp * u(0.0, 0.15)
        p["lean_roll"] += ramp * u(-0.08, 0.08) * np.sin(w / 2)
        p["bounce"] += ramp * u(0.0, 0.03) * np.abs(np.sin(w / 2))
        p["head_tilt"] += ramp * u(-0.1, 0.15)
    else:  # neutral: idle standing, slow drifts well below any display's energy
        slow = 2 * np.pi * u(0.05, 0.4) * t + phase
        for k in ("l", "r"):
            p[f"{k}_elev"] += ramp * u(0.0, 0.9) * (0.5 + 0.5 * np.sin(slow + u(0, 2 * np.pi)))
            p[f"{k}_flex"] += ramp * u(0.0, 1.6) * (0.5 + 0.5 * np.sin(slow + u(0, 2 * np.pi)))
            p[f"{k}_swing"] += ramp * u(0.0, 0.6)
        p["lean_roll"] += u(-0.06, 0.06) * np.sin(slow)
        p["head_tilt"] += u(-0.15, 0.15) * np.sin(slow / 2)
        p["knee_flex"] += u(0.0, 0.15)
    p["sway"] += u(0.0, 0.03) * np.sin(2 * np.pi * u(0.2, 0.5) * t + phase)
    return p


def generate(count: int, frames: int = 90, fps: float = 30.0, seed: int = 0, noise: tuple[float, float] = (0.0, 0.004),
             cams: CameraRange | None = None, batch: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """`count` labelled samples: (count, frames, 17, 2) keypoints in image heights and (count,) label ids
    (indices into EMOTION_LABELS), classes balanced."""
    rng = np.random.default_rng(seed)
    cams = cams or CameraRange()
    t = np.arange(frames) / fps
    xs = np.empty((count, frames, 17, 2), np.float32)
    labels = np.arange(count) % len(EMOTION_LABELS)
    rng.shuffle(labels)
    for start in range(0, count, batch):
        stop = min(count, start + batch)
        for label in range(len(EMOTION_LABELS)):
            idx = np.nonzero(labels[start:stop] == label)[0] + start
            if len(idx) == 0:
                continue
            joints = _skeleton(len(idx), frames, rng, _program(label, len(idx), t, rng))
            for j, i in enumerate(idx):
                xs[i] = _view(joints[j], rng, cams)
    xs += rng.normal(0, 1, xs.shape).astype(np.float32) * rng.uniform(*noise, (count, 1, 1, 1)).astype(np.float32)
    return xs, labels


def _view(motion: np.ndarray, rng: np.random.Generator, cams: CameraRange) -> np.ndarray:
    height = 1.75
    yaw = np.deg2rad(rng.uniform(*cams.yaw_deg))
    dist = height * rng.uniform(*cams.distance_heights)
    target = np.array([0.0, 0.55 * height, 0.0])
    eye = np.array([dist * np.sin(yaw), height * rng.uniform(*cams.height_ratio), dist * np.cos(yaw)])
    return project(motion, look_at(eye, target), eye, rng.uniform(*cams.focal), cams.aspect)
