"""The gate: how much of each person's forecast is published, decided by the evidence of their scored forecasts.

Per coordinate c the published forecast is zero-velocity + a_c x (model - zero-velocity) + b_c x (adapted -
model): (a_c, b_c) is the least-squares blend of the recent evidence (self_scoring.py hands each scored
forecast over), clipped to [0, 1]. So a coordinate forecast worse than standing still is soon forecast as
standing, and a correction that does not help this person is dropped, while the coordinates the model gets
right keep their motion (one weight for the whole body lost them: model card, training/recipes/online_study.py).
Until min_scored windows are scored there is no evidence yet: the forecast moves new_person_prior of the
model's move (a person the model is wrong about from the start, sitting down where it expects a bend, is
not followed at full speed), and sparse_prior of that for a person the camera sees little of.
"""

from __future__ import annotations

import numpy as np

from nvhai_predictor.self_scoring import Scored, ScoringConfig


class ForecastGate:
    """One person's gate: the evidence of their scored forecasts, and the blend it decides."""

    def __init__(self, config: ScoringConfig, coordinates: int = 34) -> None:
        self.config = config
        self.scored = 0  # scored forecasts learned from
        # Per coordinate, running means of the blend's normal equations, regressors m (the model's move) and
        # c (the correction): columns <m, m>, <m, c>, <c, c>, <m, target>, <c, target>
        self._evidence = np.zeros((coordinates, 5))
        self.weights = np.ones((coordinates, 2))  # (34, 2): per coordinate, how much of m and of c to publish
        self._share = 1.0  # the mean share of the model's move published last (weight)

    def learn(self, s: Scored) -> None:
        """One scored forecast's evidence; the blend is refitted once min_scored forecasts were scored."""
        model, correction, target = s.model, s.correction, s.target
        self.scored += 1
        evidence = np.stack([(model * model).sum(1), (model * correction).sum(1), (correction * correction).sum(1),
                             (model * target).sum(1), (correction * target).sum(1)], axis=1)
        self._evidence += s.step * (evidence - self._evidence)
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
        """The gate in one number: the share of the model's move it published last, mean over coordinates
        (the new-person and sparse priors included)."""
        return self._share

    def sparse(self, seen_now: np.ndarray | None) -> bool:
        """Whether the camera sees little of the person: sparse_unseen or more keypoints unseen in the newest
        frame (`seen_now`, (17,); None: all seen)."""
        return seen_now is not None and int((~seen_now).sum()) >= self.config.sparse_unseen

    def decide(self, model: np.ndarray, adapted: np.ndarray, sparse: bool = False) -> np.ndarray:
        """(34, T_out) model and adapted forecasts (relative to the last frame) -> the forecast to publish;
        `sparse`: the camera sees little of this person (new_person_prior and sparse_prior apply until the gate
        has evidence)."""
        w = self.weights
        a = w[:, :1]
        if self.config.gate and self.scored < self.config.min_scored:
            a = a * self.config.new_person_prior * (self.config.sparse_prior if sparse else 1.0)
        self._share = float(a.mean())
        return a * model + w[:, 1:] * (adapted - model)
