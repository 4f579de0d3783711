"""Forecast and emotion metrics in the paper's per-frame-normalised space, and the baselines
every forecaster must beat."""

from __future__ import annotations

import numpy as np

HORIZONS = (5, 10, 20, 30)  # frames after the last observed one (1-based)


def zero_velocity(inputs: np.ndarray, t_out: int) -> np.ndarray:
    """Repeat the last observed frame."""
    return np.repeat(inputs[:, -1:], t_out, axis=1)


def constant_velocity(inputs: np.ndarray, t_out: int) -> np.ndarray:
    """Continue the last frame-to-frame change."""
    step = inputs[:, -1:] - inputs[:, -2:-1]
    return inputs[:, -1:] + step * np.arange(1, t_out + 1)[None, :, None, None]


def forecast_metrics(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """MAE over all future frames and at each horizon (mean |error| over keypoints and x, y)."""
    err = np.abs(pred - target)
    out = {"mae": float(err.mean())}
    for h in HORIZONS:
        if h <= target.shape[1]:
            out[f"mae_{h}"] = float(err[:, h - 1].mean())
    return out


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float | None:
    """Accuracy over labelled windows (label >= 0); None when none is labelled."""
    known = labels >= 0
    if not known.any():
        return None
    return float((probs[known].argmax(axis=1) == labels[known]).mean())
