"""Everything the predictor holds about one tracked person, in one object (as a tracker keeps one track).

The Forecaster creates a person's state when they are first observed and forgets them by dropping it:
their window, the forecasts being ensembled, their smoothed emotion, their online adaptation, scores and
gate, and how long they have waited for a forecast in a crowd all go together, so none can leak.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nvhai_predictor import emotion_smoothing, forecast_ensemble
from nvhai_predictor.emotion_smoothing import EmotionSmoother
from nvhai_predictor.forecast_ensemble import ForecastEnsemble
from nvhai_predictor.frame_grid import FrameGrid
from nvhai_predictor.online import OnlineCorrection
from nvhai_predictor.window import PoseWindow

if TYPE_CHECKING:
    from nvhai_predictor.forecaster import ForecasterConfig


def check(config: ForecasterConfig) -> None:
    """ValueError for settings no person's state can be built with (before anyone is observed)."""
    forecast_ensemble.check_size(config.ensemble_forecasts)
    emotion_smoothing.check(config.emotion_smoothing, config.emotion_time_constant_s)


class PersonState:
    """One tracked person: window, forecast ensemble, emotion smoother, online correction (adaptation, scores,
    gate) and load-shedding wait."""

    def __init__(self, config: ForecasterConfig, grid: FrameGrid) -> None:
        self.window = PoseWindow(config.window)
        self.ensemble = ForecastEnsemble(config.ensemble_forecasts, grid)
        self.emotion = EmotionSmoother(config.emotion_smoothing, config.emotion_time_constant_s)
        self.online = OnlineCorrection(config.online, grid)
        self.waited = 0  # frames ready but not forecast since last forecast (load_shedding.py)
