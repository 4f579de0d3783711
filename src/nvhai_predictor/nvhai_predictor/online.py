"""One tracked person's forecast after the model: score their past forecasts whose future has now been
observed (self_scoring.py), teach those to the adaptation (online_adaptation.py), correct the new forecast,
let the gate decide how much of it to publish (forecast_gate.py), and publish zero-velocity instead of a
forecast no human body could follow (plausibility.py). Works in the normalised space, on any model's
output; each person's PersonState holds one, so it is forgotten with the person."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nvhai_predictor.forecast_gate import ForecastGate
from nvhai_predictor.frame_grid import FrameGrid
from nvhai_predictor.online_adaptation import AdaptationConfig, RidgeCorrection, features
from nvhai_predictor.plausibility import PlausibilityConfig, check
from nvhai_predictor.self_scoring import Pending, PendingForecasts, RunningScores, ScoringConfig


@dataclass
class OnlineConfig:
    adaptation: AdaptationConfig = field(default_factory=AdaptationConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)  # self-scoring and the gate
    plausibility: PlausibilityConfig = field(default_factory=PlausibilityConfig)


@dataclass
class OnlineForecast:
    """One forecast in the normalised space: the model's, after adaptation, and as published (gated)."""

    model: np.ndarray  # (T_out, 17, 2)
    adapted: np.ndarray
    published: np.ndarray
    weight: float  # the gate: share of the model's move published, mean over coordinates
    implausible: str = ""  # why the forecast was replaced by zero-velocity ('' when it was not)


class OnlineCorrection:
    """One person's adaptation, self-scoring and gate (constant memory and time). `ridge`: the adaptation's map
    (default: RidgeCorrection as shipped; a study passes its own variant)."""

    def __init__(self, config: OnlineConfig, grid: FrameGrid, ridge: RidgeCorrection | None = None) -> None:
        self.config = config
        self.grid = grid
        self.ridge = ridge or RidgeCorrection(config.adaptation, grid)
        self.pending = PendingForecasts(grid)
        self.scores = RunningScores(config.scoring, grid)
        self.gate = ForecastGate(config.scoring)

    def forecast(self, t: float, window: np.ndarray, model_future: np.ndarray,
                 seen: np.ndarray | None = None) -> OnlineForecast:
        """`window` (T_in, 17, 2) and the model's `model_future` (T_out, 17, 2), normalised, made at `t`; `seen`
        (T_in, 17): which of the window's keypoints the camera saw (all without it). Scores and adaptation learn
        from seen keypoints only."""
        adapt, t_out = self.config.adaptation, self.grid.t_out
        for p, future, future_seen in self.pending.resolve(t, window, seen):  # only futures already observed
            target = p.relative(future)
            mask = None if future_seen.all() else np.ascontiguousarray(future_seen.T)
            scored = self.scores.add(target, p, mask)
            if scored is not None:
                self.gate.learn(scored)
            if adapt.enabled:
                self.ridge.observe(p.phi, target - p.phi[:, -t_out:], None if mask is None else mask.all(1))
        phi = features(window, model_future, adapt.history)
        last = window[-1].reshape(-1)
        adapted = phi[:, -t_out:] + (self.ridge.correction(phi) if adapt.enabled else 0.0)
        published = self.gate.decide(phi[:, -t_out:], adapted, self.gate.sparse(None if seen is None else seen[-1]))
        shape = model_future.shape
        implausible = check(window, (published.T + last).reshape(shape), self.config.plausibility)
        if implausible:
            published = np.zeros_like(published)  # zero-velocity: the last observed pose, held
        self.pending.add(Pending(t, last, phi, adapted, published))
        return OnlineForecast(np.asarray(model_future), (adapted.T + last).reshape(shape),
                              (published.T + last).reshape(shape), self.gate.weight, implausible)
