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


def forecast_metrics(pred: np.ndarray, target: np.ndarray, seen: np.ndarray | None = None) -> dict[str, float]:
    """MAE over all future frames and at each horizon (mean |error| over keypoints and x, y), over the target
    keypoints the camera saw when `seen` ((N, T_out, 17)) is given: a keypoint it did not see has no truth."""
    err = np.abs(pred - target)
    if seen is None or seen.all():
        out = {"mae": float(err.mean())}
        for h in HORIZONS:
            if h <= target.shape[1]:
                out[f"mae_{h}"] = float(err[:, h - 1].mean())
        return out
    w = seen[..., None].astype(np.float64)
    err = err * w

    def mean(e: np.ndarray, m: np.ndarray) -> float:
        count = 2 * float(m.sum())  # x and y of each seen keypoint
        return float(e.sum() / count) if count else float("nan")

    out = {"mae": mean(err, seen)}
    for h in HORIZONS:
        if h <= target.shape[1]:
            out[f"mae_{h}"] = mean(err[:, h - 1], seen[:, h - 1])
    return out


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float | None:
    """Accuracy over labelled windows (label >= 0); None when none is labelled."""
    known = labels >= 0
    if not known.any():
        return None
    return float((probs[known].argmax(axis=1) == labels[known]).mean())
