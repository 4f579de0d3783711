"""A per-person correction of any model's forecast, learned while the robot watches that person.

A model trained on other people is wrong for this one in a way that repeats (their own gestures,
proportions, camera): a small ridge map, shared by all 34 coordinates, reads per coordinate the
last `history` input frames and the model's own forecast (both relative to the last frame, in the
normalised space the model works in) and adds a 30-frame correction to the forecast. It learns only
from forecasts whose future has been observed (self_scoring.py hands them over) and is ridged toward
zero correction, so a person just met gets the model's forecast as is and the map takes over as
evidence accumulates. Memory and time are constant per person: the sufficient statistics XᵀX, XᵀY
of one small least-squares problem, solved every `refit_every` observed windows, on one BLAS thread:
OpenBLAS spreads even this 59 x 59 solve over every core, and on a robot whose cores are busy with
perception its threads wait on each other (measured here: 12-21 ms per solve instead of 0.1 ms).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController

_BLAS = ThreadpoolController()  # once: building one inspects every loaded library (ms)


@dataclass
class AdaptationConfig:
    enabled: bool = True
    strength: float = 300.0  # the prior (no correction) weighs as much as this many observed windows
    history: int = 30  # input frames the map reads (the last one is the reference, so history - 1 features)
    refit_every: int = 10  # observed windows between solves of the small ridge system
    memory_s: float = 20.0  # > 0: statistics fade with this time constant (s of observed windows); 0: keep all


def features(window: np.ndarray, model_future: np.ndarray, history: int) -> np.ndarray:
    """(T_in, 17, 2) normalised window, (T_out, 17, 2) model forecast -> (34, history - 1 + T_out):
    per coordinate its last `history` - 1 frames before the last and the model's forecast, minus the last."""
    last = window[-1].reshape(1, -1)
    past = window[-history:-1].reshape(history - 1, -1) - last
    ahead = model_future.reshape(len(model_future), -1) - last
    return np.concatenate([past, ahead]).T


class RidgeCorrection:
    """One person's map: correction = features @ weights (34, T_out), ridged toward zero."""

    def __init__(self, config: AdaptationConfig, t_out: int, rate_hz: float = 30.0) -> None:
        self.config = config
        d = config.history - 1 + t_out
        self.xtx = np.zeros((d, d))
        self.xty = np.zeros((d, t_out))
        self.windows = 0.0  # observed windows in the statistics (faded ones count less)
        self.observed = 0  # observed windows taught, in all
        self.weights: np.ndarray | None = None  # None: no correction yet
        self._unfitted = 0
        self._decay = math.exp(-1.0 / (config.memory_s * rate_hz)) if config.memory_s > 0 else 1.0

    def correction(self, phi: np.ndarray) -> np.ndarray:
        """(34, d) features -> (34, T_out) correction of the model's forecast (zeros before any fit)."""
        if self.weights is None:
            return np.zeros((phi.shape[0], self.xty.shape[1]))
        return phi @ self.weights

    def observe(self, phi: np.ndarray, model_error: np.ndarray) -> None:
        """One forecast whose future is now known: `model_error` (34, T_out) = observed - model forecast."""
        if self._decay < 1.0:
            self.xtx *= self._decay
            self.xty *= self._decay
            self.windows *= self._decay
        self.xtx += phi.T @ phi
        self.xty += phi.T @ model_error
        self.windows += 1.0
        self.observed += 1
        self._unfitted += 1
        if self._unfitted >= self.config.refit_every:
            self.fit()

    def fit(self) -> None:
        """Solve (XᵀX + λI) W = XᵀY with λ = strength x the mean feature energy of one window, so the
        prior counts as `strength` windows whatever the person's scale of motion."""
        self._unfitted = 0
        if self.windows <= 0:
            return
        d = len(self.xtx)
        lam = self.config.strength * float(np.trace(self.xtx)) / (d * self.windows)
        if lam <= 0:  # nobody moved: nothing to learn
            return
        with _BLAS.limit(limits=1, user_api="blas"):
            self.weights = np.linalg.solve(self.xtx + lam * np.eye(d), self.xty)
