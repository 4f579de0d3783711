"""Per tracked person, the forecast after the model: score the person's past forecasts whose future
has now been observed, teach those to the adaptation (online_adaptation.py), correct the new forecast,
gate it toward zero-velocity by the evidence (self_scoring.py), and publish zero-velocity instead of a
forecast no human body could follow (plausibility.py). Works in the normalised space, on any model's
output; the Forecaster calls it once per person and forecast, and forgets with it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nvhai_predictor.online_adaptation import AdaptationConfig, RidgeCorrection, features
from nvhai_predictor.plausibility import PlausibilityConfig, check
from nvhai_predictor.self_scoring import Pending, PendingForecasts, RunningScores, ScoringConfig


@dataclass
class OnlineConfig:
    adaptation: AdaptationConfig = field(default_factory=AdaptationConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    plausibility: PlausibilityConfig = field(default_factory=PlausibilityConfig)


@dataclass
class OnlineForecast:
    """One forecast in the normalised space: the model's, after adaptation, and as published (gated)."""

    model: np.ndarray  # (T_out, 17, 2)
    adapted: np.ndarray
    published: np.ndarray
    weight: float  # the gate: share of the model's move published, mean over coordinates
    implausible: str = ""  # why the forecast was replaced by zero-velocity ('' when it was not)


class _Person:
    def __init__(self, config: OnlineConfig, t_out: int, rate_hz: float) -> None:
        self.ridge = RidgeCorrection(config.adaptation, t_out, rate_hz)
        self.pending = PendingForecasts(t_out, rate_hz)
        self.scores = RunningScores(config.scoring, rate_hz)


class OnlineCorrection:
    """Adaptation, self-scoring and gate for every tracked person (constant memory and time each)."""

    def __init__(self, config: OnlineConfig | None = None, t_out: int = 30, rate_hz: float = 30.0) -> None:
        self.config = config or OnlineConfig()
        self.t_out, self.rate_hz = t_out, rate_hz
        self.people: dict[int, _Person] = {}

    def forecast(self, person_id: int, t: float, window: np.ndarray, model_future: np.ndarray,
                 seen: np.ndarray | None = None) -> OnlineForecast:
        """`window` (T_in, 17, 2) and the model's `model_future` (T_out, 17, 2), normalised, made at `t`; `seen`
        (T_in, 17): which of the window's keypoints the camera saw (all without it). Scores and adaptation learn
        from seen keypoints only."""
        person = self.people.get(person_id)
        if person is None:
            person = self.people[person_id] = _Person(self.config, self.t_out, self.rate_hz)
        adapt = self.config.adaptation
        for p, future, future_seen in person.pending.resolve(t, window, seen):  # only futures already observed
            target = p.relative(future)
            mask = None if future_seen.all() else np.ascontiguousarray(future_seen.T)
            person.scores.add(target, p, mask)
            if adapt.enabled:
                person.ridge.observe(p.phi, target - p.phi[:, -self.t_out:], None if mask is None else mask.all(1))
        phi = features(window, model_future, adapt.history)
        last = window[-1].reshape(-1)
        adapted = phi[:, -self.t_out:] + (person.ridge.correction(phi) if adapt.enabled else 0.0)
        sparse = seen is not None and int((~seen[-1]).sum()) >= self.config.scoring.sparse_unseen
        published = person.scores.publish(phi[:, -self.t_out:], adapted, sparse)
        shape = model_future.shape
        implausible = check(window, (published.T + last).reshape(shape), self.config.plausibility)
        if implausible:
            published = np.zeros_like(published)  # zero-velocity: the last observed pose, held
        person.pending.add(Pending(t, last, phi, adapted, published))
        return OnlineForecast(np.asarray(model_future), (adapted.T + last).reshape(shape),
                              (published.T + last).reshape(shape), person.scores.weight, implausible)

    def scores(self, person_id: int) -> RunningScores | None:
        person = self.people.get(person_id)
        return person.scores if person else None

    def forget(self, person_id: int) -> None:
        self.people.pop(person_id, None)
