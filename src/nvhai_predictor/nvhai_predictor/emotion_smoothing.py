"""Smoothing of one person's emotion probabilities over time, so the top label does not flicker.

The model sees one 2 s window per frame and its softmax jumps on single-frame noise; a person's
displayed emotion should change on the scale of a second. Each person's probabilities follow an
exponential moving average in *time* (not per message), so the smoothing is the same at 15 or
60 FPS and across dropped frames: after dt seconds the old estimate keeps weight exp(-dt / tau).
A convex combination of distributions is a distribution, so the output still sums to 1.
"""

from __future__ import annotations

import math

import numpy as np

EMOTION_SMOOTHING_MODES = ("ema", "raw")


def check(mode: str, time_constant_s: float) -> None:
    if mode not in EMOTION_SMOOTHING_MODES:
        raise ValueError(f"emotion_smoothing '{mode}' is not one of {EMOTION_SMOOTHING_MODES}")
    if mode == "ema" and not time_constant_s > 0:
        raise ValueError(f"emotion_time_constant_s must be > 0, got {time_constant_s}")


class EmotionSmoother:
    """Time-constant EMA of one person's probability vector; mode "raw" passes it through."""

    def __init__(self, mode: str = "ema", time_constant_s: float = 1.0) -> None:
        check(mode, time_constant_s)
        self.mode = mode
        self.time_constant_s = time_constant_s
        self.last: tuple[float, np.ndarray] | None = None  # (time, smoothed probabilities) of the last update

    def update(self, t: float, probs: np.ndarray) -> np.ndarray:
        """The smoothed probabilities after observing `probs` at time `t` (s)."""
        probs = np.asarray(probs, dtype=np.float64)
        prev = self.last
        if self.mode == "raw" or prev is None or prev[1].shape != probs.shape or t < prev[0]:
            smoothed = probs  # first estimate, a new label set, or time went back (bag loop): start over
        else:
            keep = math.exp(-(t - prev[0]) / self.time_constant_s)
            smoothed = keep * prev[1] + (1.0 - keep) * probs
        smoothed = smoothed / smoothed.sum()  # exact in theory; keeps float drift from accumulating
        self.last = (t, smoothed)
        return smoothed.astype(np.float32)
