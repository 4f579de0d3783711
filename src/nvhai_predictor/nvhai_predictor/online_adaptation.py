"""A per-person correction of any model's forecast, learned while the robot watches that person.

A model trained on other people is wrong for this one in a way that repeats (their own gestures,
proportions, camera): a small ridge map reads per coordinate the last `history` input frames and the
model's own forecast (both relative to the last frame, in the normalised space the model works in)
and adds a 30-frame correction to the forecast. One map is shared by all 34 coordinates, and the x
and the y coordinates each get a map of their own ridged toward it (`axis_strength`): sideways and
up-down motion differ (gravity, the camera), and the shared map is learnt from twice the evidence.
It learns only from forecasts whose future has been observed (self_scoring.py hands them over) and
is ridged toward zero correction, so a person just met gets the model's forecast as is and the maps
take over as evidence accumulates. Memory and time are constant per person: the sufficient statistics
XᵀX, XᵀY of each axis (the shared map's are their sum), faded lazily by one running scale, and three
small least-squares problems solved every `refit_every` observed windows, on one BLAS thread:
OpenBLAS spreads even this 59 x 59 solve over every core, and on a robot whose cores are busy with
perception its threads wait on each other (measured here: 12-21 ms per solve instead of 0.1 ms).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController

from nvhai_predictor.frame_grid import FrameGrid

_BLAS = ThreadpoolController()  # once: building one inspects every loaded library (ms)


@dataclass
class AdaptationConfig:
    enabled: bool = True
    strength: float = 300.0  # the prior (no correction) weighs as much as this many observed windows
    history: int = 30  # input frames the map reads (the last one is the reference, so history - 1 features)
    refit_every: int = 10  # observed windows between solves of the small ridge system
    memory_s: float = 20.0  # > 0: statistics fade with this time constant (s of observed windows); 0: keep all
    axis_strength: float = 30.0  # > 0: x and y get maps of their own, the shared map weighing as much as this
    # many observed windows of that axis; 0: the shared map alone


def features(window: np.ndarray, model_future: np.ndarray, history: int) -> np.ndarray:
    """(T_in, 17, 2) normalised window, (T_out, 17, 2) model forecast -> (34, history - 1 + T_out):
    per coordinate its last `history` - 1 frames before the last and the model's forecast, minus the last."""
    last = window[-1].reshape(1, -1)
    past = window[-history:-1].reshape(history - 1, -1) - last
    ahead = model_future.reshape(len(model_future), -1) - last
    return np.ascontiguousarray(np.concatenate([past, ahead]).T)  # row-major: every later product runs faster


class RidgeCorrection:
    """One person's maps: correction = features @ weights (34, T_out), ridged toward zero; with per-axis maps
    the x coordinates (even rows) use axis_weights[0] and the y coordinates axis_weights[1].

    `dims`: features per coordinate (default history - 1 + T_out, what `features` gives); a study that feeds
    the map other features (training/recipes/online_study.py) says how many, and may override `fit`, reading
    `statistics()`."""

    def __init__(self, config: AdaptationConfig, grid: FrameGrid, dims: int | None = None) -> None:
        self.config = config
        t_out = grid.t_out
        d = dims or config.history - 1 + t_out
        self._xtx = np.zeros((2, d, d))  # per axis, in units of self._scale (fading without touching them)
        self._xty = np.zeros((2, d, t_out))
        self._scale = 1.0
        self.windows = 0.0  # observed windows in the statistics (faded ones count less)
        self.observed = 0  # observed windows taught, in all
        self.weights: np.ndarray | None = None  # None: no correction yet
        self.axis_weights: np.ndarray | None = None  # (2, d, T_out) with per-axis maps, once fitted
        self._unfitted = 0
        self._decay = math.exp(-1.0 / (config.memory_s * grid.rate_hz)) if config.memory_s > 0 else 1.0

    @property
    def xtx(self) -> np.ndarray:
        """The shared map's XᵀX (both axes' rows)."""
        return self._scale * (self._xtx[0] + self._xtx[1])

    @property
    def xty(self) -> np.ndarray:
        return self._scale * (self._xty[0] + self._xty[1])

    def correction(self, phi: np.ndarray) -> np.ndarray:
        """(34, d) features -> (34, T_out) correction of the model's forecast (zeros before any fit)."""
        if self.weights is None:
            return np.zeros((phi.shape[0], self._xty.shape[2]))
        if self.axis_weights is None:
            return phi @ self.weights
        by_axis = phi.reshape(-1, 2, phi.shape[1]).transpose(1, 0, 2)  # (2, 17, d)
        return (by_axis @ self.axis_weights).transpose(1, 0, 2).reshape(phi.shape[0], -1)

    def observe(self, phi: np.ndarray, model_error: np.ndarray, rows: np.ndarray | None = None) -> None:
        """One forecast whose future is now known: `model_error` (34, T_out) = observed - model forecast; `rows`
        (34,): the coordinates seen through that whole future (all without it), the only ones taught."""
        if rows is not None:
            if not rows.any():
                return
            phi = phi * rows[:, None]
        self._scale *= self._decay
        self.windows = self.windows * self._decay + 1.0
        by_axis = phi.reshape(-1, 2, phi.shape[1]).transpose(1, 2, 0)  # (2, d, 17)
        error = model_error.reshape(-1, 2, model_error.shape[1]).transpose(1, 0, 2)  # (2, 17, T_out)
        self._xtx += (by_axis @ by_axis.transpose(0, 2, 1)) / self._scale
        self._xty += (by_axis @ error) / self._scale
        self.observed += 1
        self._unfitted += 1
        if self._unfitted >= self.config.refit_every:
            self._unfitted = 0
            self.fit()

    def statistics(self) -> tuple[np.ndarray, np.ndarray]:
        """The shared map's XᵀX and XᵀY, the running scale first applied to the statistics so that it never
        underflows (once per solve)."""
        self._xtx *= self._scale
        self._xty *= self._scale
        self._scale = 1.0
        return self.xtx, self.xty

    def fit(self) -> None:
        """Solve (XᵀX + λI) W = XᵀY with λ = strength x the mean feature energy of one window, so the
        prior counts as `strength` windows whatever the person's scale of motion; then each axis's
        (X_aᵀX_a + λ_a I) W_a = X_aᵀY_a + λ_a W, λ_a = axis_strength x that axis's mean energy."""
        xtx, xty = self.statistics()
        if self.windows <= 0:
            return
        d = len(xtx)
        lam = self.config.strength * float(np.trace(xtx)) / (d * self.windows)
        if lam <= 0:  # nobody moved: nothing to learn
            return
        eye = np.eye(d)
        with _BLAS.limit(limits=1, user_api="blas"):
            self.weights = np.linalg.solve(xtx + lam * eye, xty)
            if self.config.axis_strength > 0:  # each axis's map ridged toward the shared one, by its own energy
                lams = self.config.axis_strength * np.trace(self._xtx, axis1=1, axis2=2) / (d * self.windows)
                lams = np.maximum(lams, 1e-9 * lam)[:, None, None]  # an axis that never moved takes the shared map
                self.axis_weights = np.linalg.solve(self._xtx + lams * eye, self._xty + lams * self.weights)
