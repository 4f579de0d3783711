"""Temporal ensembling of overlapping forecasts (the paper's "average output sequences").

A forecast made at t covers t + 1/rate ... t + T_out/rate; the ones made a few frames earlier
cover most of the same moments. Averaging each future moment over the last `size` forecasts
that reach it trades a little responsiveness for a forecast that does not jump from frame to
frame. Averaging is done in the normalised, body-centred space (pose shape, not position), so
the caller places the result at the person's current centroid and scale, as with one forecast.
Older forecasts are read at the newest forecast's moments by linear interpolation in time.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from nvhai_predictor.frame_grid import FrameGrid


def check_size(size: int) -> None:
    if size < 1:
        raise ValueError(f"ensemble_forecasts must be >= 1, got {size}")


class ForecastEnsemble:
    """One person's average of their last `size` overlapping forecasts; size 1 = off (the newest one)."""

    def __init__(self, size: int, grid: FrameGrid) -> None:
        check_size(size)
        self.size = size
        self.grid = grid
        self.history: deque[tuple[float, np.ndarray]] = deque(maxlen=size)

    def add(self, t: float, future: np.ndarray) -> np.ndarray:
        """Record `future` ((T_out, K, C), made at `t` s) and return the ensemble at its moments."""
        future = np.asarray(future, dtype=np.float64)
        if self.size == 1:
            return future
        history, rate_hz = self.history, self.grid.rate_hz
        horizon = len(future) / rate_hz
        while history and not (0 < t - history[0][0] < horizon):  # no overlap left, or time went back
            history.popleft()
        if history and history[-1][0] >= t:
            history.clear()
        total, count = future.copy(), np.ones(len(future))
        steps = np.arange(1, len(future) + 1)
        for t_old, old in history:
            # Index into `old` of each moment of the new forecast: old[i] is at t_old + (i + 1) / rate.
            pos = (t - t_old) * rate_hz + steps - 1
            covered = pos <= len(old) - 1 + 1e-6
            pos = np.minimum(pos[covered], len(old) - 1)
            lo = np.floor(pos).astype(int)
            hi = np.minimum(lo + 1, len(old) - 1)
            w = (pos - lo)[:, None, None]
            total[covered] += old[lo] * (1 - w) + old[hi] * w
            count[covered] += 1
        history.append((t, future))
        return total / count[:, None, None]
