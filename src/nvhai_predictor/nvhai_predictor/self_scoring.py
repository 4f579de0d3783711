"""The predictor grading itself: each person's past forecasts against what that person then did.

A forecast made at t is kept until its last future frame (t + T_out / rate) has been observed; the
person's window at that moment holds that future, read in the per-frame normalised space the offline
evaluation scores in (nvhai_training/evaluate.py). Then it is scored once and dropped, so at most
about T_out forecasts wait per person. Running MAEs (a mean until `time_constant_s` worth of
windows, exponential after) of the model, the adapted and the published forecast and of
zero-velocity say how well this person is being forecast now, and drive the gate: the published
forecast is zero-velocity + w x (adapted - zero-velocity), w the least-squares blend of the recent
evidence clipped to [0, 1], so a person forecast worse than standing still is soon forecast as standing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

SCORED = ("model", "adapted", "published", "zero_velocity")


@dataclass
class ScoringConfig:
    gate: bool = True
    time_constant_s: float = 3.0  # memory of the running MAEs and of the gate's evidence
    min_scored: int = 30  # the gate passes the forecast unchanged until this many windows are scored


@dataclass
class Pending:
    """One published forecast waiting for its future, all relative to its window's last frame."""

    t: float
    last: np.ndarray  # (34,) the last observed frame, normalised
    phi: np.ndarray  # (34, d) the adaptation's features; the last T_out columns are the model's forecast
    adapted: np.ndarray  # (34, T_out) the adapted forecast
    weight: float  # gate weight it was published with


def observed_future(window: np.ndarray, t: float, made_at: float, rate_hz: float, t_out: int) -> np.ndarray | None:
    """The T_out frames after `made_at` read from the window ending at `t` ((T_in, 17, 2) normalised),
    as (T_out, 34); None when the window does not hold all of them (not yet observed, or too old)."""
    frames = len(window)
    pos = (frames - 1) - (t - made_at) * rate_hz + np.arange(1, t_out + 1)
    if pos[-1] > frames - 1 + 1e-6 or pos[0] < -1e-6:
        return None
    flat = window.reshape(frames, -1)
    start = round(pos[0])
    if abs(pos[0] - start) < 1e-6:  # stamps on the window's grid (a steady camera): the frames themselves
        return flat[start:start + t_out]
    pos = np.clip(pos, 0, frames - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, frames - 1)
    w = (pos - lo)[:, None]
    return flat[lo] * (1 - w) + flat[hi] * w


class RunningScores:
    """Running MAE per forecast kind, and the gate's evidence, of one person."""

    def __init__(self, config: ScoringConfig, rate_hz: float) -> None:
        self.config = config
        self.min_alpha = 1.0 / max(1.0, config.time_constant_s * rate_hz)
        self.mae = dict.fromkeys(SCORED, 0.0)
        self.scored = 0
        self._cross = self._spread = 0.0  # <adapted - zv, observed - zv>, |adapted - zv|², running means

    def add(self, future: np.ndarray, p: Pending) -> None:
        """Score pending forecast `p` against its observed `future` ((T_out, 34) normalised)."""
        target = future.T - p.last[:, None]  # (34, T_out), zero-velocity is 0 here
        model = p.phi[:, -target.shape[1]:]
        errors = np.abs(np.stack([model, p.adapted, p.weight * p.adapted, np.zeros_like(target)]) - target)
        self.scored += 1
        a = max(1.0 / self.scored, self.min_alpha)
        for name, e in zip(SCORED, errors.mean(axis=(1, 2)).tolist(), strict=True):
            self.mae[name] += a * (e - self.mae[name])
        n = target.size
        self._cross += a * (float(np.vdot(p.adapted, target)) / n - self._cross)
        self._spread += a * (float(np.vdot(p.adapted, p.adapted)) / n - self._spread)

    @property
    def weight(self) -> float:
        """The gate: how much of the adapted forecast's move away from zero-velocity to publish."""
        if not self.config.gate or self.scored < self.config.min_scored or self._spread <= 0:
            return 1.0
        return float(np.clip(self._cross / self._spread, 0.0, 1.0))


class PendingForecasts:
    """A person's forecasts waiting for their futures (bounded: at most `4 x T_out`)."""

    def __init__(self, t_out: int, rate_hz: float) -> None:
        self.t_out, self.rate_hz = t_out, rate_hz
        self.queue: deque[Pending] = deque(maxlen=4 * t_out)

    def add(self, p: Pending) -> None:
        if self.queue and self.queue[-1].t >= p.t:  # time went back (bag loop, sim reset): these never resolve
            self.queue.clear()
        self.queue.append(p)

    def resolve(self, t: float, window: np.ndarray) -> list[tuple[Pending, np.ndarray]]:
        """The forecasts whose whole future the window ending at `t` holds, with that future; removed.
        Those whose future has partly left the window (a gap restarted it) are dropped unscored."""
        done = []
        horizon = self.t_out / self.rate_hz - 1e-6
        while self.queue and t - self.queue[0].t >= horizon:
            p = self.queue.popleft()
            future = observed_future(window, t, p.t, self.rate_hz, self.t_out)
            if future is not None:
                done.append((p, future))
        return done
