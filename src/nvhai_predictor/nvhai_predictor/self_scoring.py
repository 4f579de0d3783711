"""The predictor grading itself: each person's past forecasts against what that person then did.

A forecast made at t is kept until its last future frame (t + T_out / rate) has been observed; the
person's window at that moment holds that future, read in the per-frame normalised space the offline
evaluation scores in (nvhai_training/evaluate.py). Then it is scored once and dropped, so at most
about T_out forecasts wait per person. Running MAEs (a mean until `time_constant_s` worth of
windows, exponential after) of the model, the adapted and the published forecast and of
zero-velocity say how well this person is being forecast now, and drive the gate. Per coordinate c
the published forecast is zero-velocity + a_c x (model - zero-velocity) + b_c x (adapted - model):
(a_c, b_c) is the least-squares blend of the recent evidence, clipped to [0, 1]. So a coordinate
forecast worse than standing still is soon forecast as standing, and a correction that does not help
this person is dropped, while the coordinates the model gets right keep their motion (one weight for
the whole body lost them: model card, training/recipes/online_study.py).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

SCORED = ("model", "adapted", "published", "zero_velocity")


@dataclass
class ScoringConfig:
    gate: bool = True
    time_constant_s: float = 10.0  # memory of the running MAEs and of the gate's evidence
    min_scored: int = 30  # the gate passes the forecast unchanged until this many windows are scored...
    # ...except for a person the camera sees little of (at least `sparse_unseen` keypoints unseen in the newest
    # frame: chest-up, at a desk), whose forecast moves `sparse_prior` of the model's move until then. 0.5: chosen
    # on the KARD chest-up clip of ../shared/data/real_video (drinking: 1.19x -> 1.09x zero-velocity online), checked
    # on its two other chest-up clips (1.08x, 1.10x -> 1.01x, 1.04x); held-out MSRC-12 people cropped chest-up
    # gesture more and would want 0.85 (0.875x; 0.897x at 0.5), whole bodies are never sparse
    sparse_prior: float = 0.5
    sparse_unseen: int = 6


@dataclass
class Pending:
    """One published forecast waiting for its future, all relative to its window's last frame."""

    t: float
    last: np.ndarray  # (34,) the last observed frame, normalised
    phi: np.ndarray  # (34, d) the adaptation's features; the last T_out columns are the model's forecast
    adapted: np.ndarray  # (34, T_out) the adapted forecast
    published: np.ndarray  # (34, T_out) the forecast as published (gated)

    def relative(self, future: np.ndarray) -> np.ndarray:
        """The observed `future` ((T_out, 34) normalised) as (34, T_out) relative to this forecast's last
        frame, where zero-velocity is 0: what the forecasts are scored and the adaptation taught against."""
        return np.ascontiguousarray(future.T) - self.last[:, None]  # row-major: the products after run faster


def observed_future(window: np.ndarray, t: float, made_at: float, rate_hz: float, t_out: int,
                    seen: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The T_out frames after `made_at` read from the window ending at `t` ((T_in, 17, 2) normalised), as
    (T_out, 34), and whether each was seen ((T_out, 34) from the window's (T_in, 17) `seen`; all True without
    it); None when the window does not hold all of them (not yet observed, or too old)."""
    frames = len(window)
    pos = (frames - 1) - (t - made_at) * rate_hz + np.arange(1, t_out + 1)
    if pos[-1] > frames - 1 + 1e-6 or pos[0] < -1e-6:
        return None
    flat = window.reshape(frames, -1)
    seen2 = np.ones(flat.shape, bool) if seen is None else np.repeat(seen, 2, axis=1)  # x and y of each keypoint
    start = round(pos[0])
    if abs(pos[0] - start) < 1e-6:  # stamps on the window's grid (a steady camera): the frames themselves
        return flat[start:start + t_out], seen2[start:start + t_out]
    pos = np.clip(pos, 0, frames - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, frames - 1)
    w = (pos - lo)[:, None]
    return flat[lo] * (1 - w) + flat[hi] * w, seen2[lo] & seen2[hi]


class RunningScores:
    """Running MAE per forecast kind, and the gate's evidence, of one person."""

    def __init__(self, config: ScoringConfig, rate_hz: float, coordinates: int = 34) -> None:
        self.config = config
        self.min_alpha = 1.0 / max(1.0, config.time_constant_s * rate_hz)
        self.mae = dict.fromkeys(SCORED, 0.0)
        self.scored = 0
        # Per coordinate, running means of the blend's normal equations, regressors m (the model's move) and
        # c (the correction): columns <m, m>, <m, c>, <c, c>, <m, target>, <c, target>
        self._evidence = np.zeros((coordinates, 5))
        self.weights = np.ones((coordinates, 2))  # (34, 2): per coordinate, how much of m and of c to publish

    def add(self, target: np.ndarray, p: Pending, seen: np.ndarray | None = None) -> None:
        """Score pending forecast `p` against what followed it, `target` = p.relative(observed future), over the
        coordinates `seen` ((34, T_out); all without it): what the camera did not see is no evidence."""
        model = p.phi[:, -target.shape[1]:]
        if seen is not None and not seen.all():
            if not seen.any():
                return
            w = seen.astype(np.float64)
            model, target = model * w, target * w  # unseen coordinates: no error, no evidence
            adapted, published = p.adapted * w, p.published * w
            share = float(w.mean())
        else:
            adapted, published, share = p.adapted, p.published, 1.0
        correction = adapted - model
        self.scored += 1
        a = max(1.0 / self.scored, self.min_alpha)
        for name, forecast in zip(SCORED[:3], (model, adapted, published), strict=True):
            self.mae[name] += a * (float(np.abs(forecast - target).mean()) / share - self.mae[name])
        self.mae["zero_velocity"] += a * (float(np.abs(target).mean()) / share - self.mae["zero_velocity"])
        evidence = np.stack([(model * model).sum(1), (model * correction).sum(1), (correction * correction).sum(1),
                             (model * target).sum(1), (correction * target).sum(1)], axis=1)
        self._evidence += a * (evidence - self._evidence)
        if self.config.gate and self.scored >= self.config.min_scored:
            self.weights = self._blend()

    def _blend(self) -> np.ndarray:
        """The least-squares (m, c) weights of each coordinate's recent evidence, clipped to [0, 1]."""
        mm, mc, cc, mt, ct = self._evidence.T
        eps = 1e-9 * (mm + cc)  # keeps a regressor that is all zeros (no correction yet) solvable
        mm, cc = mm + eps, cc + eps
        det = mm * cc - mc * mc
        ok = det > 0  # a coordinate that never moved keeps (1, 1)
        safe = np.where(ok, det, 1.0)
        w = np.stack([(cc * mt - mc * ct) / safe, (mm * ct - mc * mt) / safe], axis=1)
        return np.clip(np.where(ok[:, None], w, 1.0), 0.0, 1.0)

    @property
    def weight(self) -> float:
        """The gate in one number: the share of the model's move it publishes, mean over coordinates."""
        return float(self.weights[:, 0].mean())

    def publish(self, model: np.ndarray, adapted: np.ndarray, sparse: bool = False) -> np.ndarray:
        """(34, T_out) model and adapted forecasts (relative to the last frame) -> the gated forecast; `sparse`:
        the camera sees little of this person (ScoringConfig.sparse_prior applies until the gate has evidence)."""
        w = self.weights
        a = w[:, :1]
        if sparse and self.config.gate and self.scored < self.config.min_scored:
            a = a * self.config.sparse_prior
        return a * model + w[:, 1:] * (adapted - model)


class PendingForecasts:
    """A person's forecasts waiting for their futures (bounded: at most `4 x T_out`)."""

    def __init__(self, t_out: int, rate_hz: float) -> None:
        self.t_out, self.rate_hz = t_out, rate_hz
        self.queue: deque[Pending] = deque(maxlen=4 * t_out)

    def add(self, p: Pending) -> None:
        if self.queue and self.queue[-1].t >= p.t:  # time went back (bag loop, sim reset): these never resolve
            self.queue.clear()
        self.queue.append(p)

    def resolve(self, t: float, window: np.ndarray, seen: np.ndarray | None = None
                ) -> list[tuple[Pending, np.ndarray, np.ndarray]]:
        """The forecasts whose whole future the window ending at `t` holds, with that future and whether it
        was seen ((T_out, 34) each); removed. Those whose future has partly left the window (a gap restarted
        it) are dropped unscored."""
        done = []
        horizon = self.t_out / self.rate_hz - 1e-6
        while self.queue and t - self.queue[0].t >= horizon:
            p = self.queue.popleft()
            future = observed_future(window, t, p.t, self.rate_hz, self.t_out, seen)
            if future is not None:
                done.append((p, *future))
        return done
