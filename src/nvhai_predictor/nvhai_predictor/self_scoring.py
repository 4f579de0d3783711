"""The predictor grading itself: each person's past forecasts against what that person then did.

A forecast made at t is kept until its last future frame (t + T_out / rate) has been observed; the
person's window at that moment holds that future, read in the per-frame normalised space the offline
evaluation scores in (nvhai_training/evaluate.py). Then it is scored once and dropped, so at most
about T_out forecasts wait per person. Running MAEs (a mean until `time_constant_s` worth of
windows, exponential after) of the model, the adapted and the published forecast and of
zero-velocity say how well this person is being forecast now; each scored forecast is handed on as
evidence to the gate (forecast_gate.py), which decides what is published.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from nvhai_predictor.frame_grid import FrameGrid

SCORED = ("model", "adapted", "published", "zero_velocity")


@dataclass
class ScoringConfig:
    """Self-scoring, and the gate that decides by its evidence (forecast_gate.py)."""

    gate: bool = True
    time_constant_s: float = 10.0  # memory of the running MAEs and of the gate's evidence
    min_scored: int = 10  # until this many of a person's windows are scored the gate has no evidence of them...
    # ...and publishes `new_person_prior` of the model's move: a hedge for the first seconds of a person, for
    # whom the model may be wrong with nothing yet to tell. 0.3 and 10 (was: the whole move until 30): on the 32
    # real_video clips online, the worst clip 1.53x -> 1.07x zero-velocity (a KARD person sitting down, whose
    # forward bend the model continues; 1.10x is the largest share's limit: 0.4 gives 1.10x), pooled 0.846x ->
    # 0.856x, clip mean 0.898x -> 0.909x (short clips the model gets right lose most); held-out MSRC-12 people
    # of fold 1 0.7727x -> 0.7725x. training/recipes/new_person_prior_study.py; docs/model_history.md.
    new_person_prior: float = 0.3
    # A person the camera sees little of (at least `sparse_unseen` keypoints unseen in the newest frame: chest-up,
    # at a desk) gets `sparse_prior` of that again. 0.5: chosen on the KARD chest-up clip of
    # ../shared/data/real_video (drinking: 1.19x -> 1.09x zero-velocity online), checked on its two other chest-up
    # clips (1.08x, 1.10x -> 1.01x, 1.04x); held-out MSRC-12 people cropped chest-up gesture more and would want
    # 0.85 (0.875x; 0.897x at 0.5), whole bodies are never sparse
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


@dataclass
class Scored:
    """One forecast as scored, relative to its last frame, (34, T_out) each, unseen coordinates zeroed: the
    gate's evidence. `step`: the running means' step for it (a mean until time_constant_s, then exponential)."""

    model: np.ndarray
    correction: np.ndarray  # adapted - model
    target: np.ndarray  # what followed
    step: float


class RunningScores:
    """Running MAE per forecast kind of one person."""

    def __init__(self, config: ScoringConfig, grid: FrameGrid) -> None:
        self.config = config
        self.min_alpha = 1.0 / max(1.0, config.time_constant_s * grid.rate_hz)
        self.mae = dict.fromkeys(SCORED, 0.0)
        self.scored = 0

    def add(self, target: np.ndarray, p: Pending, seen: np.ndarray | None = None) -> Scored | None:
        """Score pending forecast `p` against what followed it, `target` = p.relative(observed future), over the
        coordinates `seen` ((34, T_out); all without it): what the camera did not see is no evidence. Returns
        the gate's evidence (None when nothing was seen)."""
        model = p.phi[:, -target.shape[1]:]
        if seen is not None and not seen.all():
            if not seen.any():
                return None
            w = seen.astype(np.float64)
            model, target = model * w, target * w  # unseen coordinates: no error, no evidence
            adapted, published = p.adapted * w, p.published * w
            share = float(w.mean())
        else:
            adapted, published, share = p.adapted, p.published, 1.0
        self.scored += 1
        a = max(1.0 / self.scored, self.min_alpha)
        for name, forecast in zip(SCORED[:3], (model, adapted, published), strict=True):
            self.mae[name] += a * (float(np.abs(forecast - target).mean()) / share - self.mae[name])
        self.mae["zero_velocity"] += a * (float(np.abs(target).mean()) / share - self.mae["zero_velocity"])
        return Scored(model, adapted - model, target, a)


class PendingForecasts:
    """A person's forecasts waiting for their futures (bounded: at most `4 x T_out`)."""

    def __init__(self, grid: FrameGrid) -> None:
        self.grid = grid
        self.queue: deque[Pending] = deque(maxlen=4 * grid.t_out)

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
        grid = self.grid
        horizon = grid.horizon_s - 1e-6
        while self.queue and t - self.queue[0].t >= horizon:
            p = self.queue.popleft()
            future = observed_future(window, t, p.t, grid.rate_hz, grid.t_out, seen)
            if future is not None:
                done.append((p, *future))
        return done
