"""One PersonState per tracked person: everything the predictor holds of a person, created and forgotten in one
place, the frame grid (rate, T_out) held once and shared by each person's parts."""

from __future__ import annotations

import numpy as np
import pytest

from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, Observation
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.person_state import PersonState

ONES = np.ones(17)


@pytest.fixture(scope="module")
def runner() -> ModelRunner:
    return ModelRunner(default_model_path())


def body(i: int, dx: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(7)
    base = np.array([320.0 + dx, 240.0]) + rng.uniform(-60, 60, (17, 2))
    return base + 10 * np.sin(i / 5 + np.arange(17))[:, None]


def test_a_person_is_one_state_and_forgetting_drops_all_of_it(runner):
    f = Forecaster(runner, ForecasterConfig(forget_after_s=1.0, ensemble_forecasts=3))
    for i in range(100):  # both forecast (window full at frame 59) and scored (futures observed from 89 on)
        f.step(i / 30, [Observation(1, body(i), ONES), Observation(2, body(i, 150), ONES)], 640, 480)
    one, two = f.people[1], f.people[2]
    assert isinstance(one, PersonState) and one is not two
    for person in (one, two):
        assert person.window.ready and person.ensemble.history and person.emotion.last is not None
        assert person.online.scores.scored > 0 and person.online.pending.queue
    assert one.online.ridge is not two.online.ridge and one.online.gate is not two.online.gate
    t = 99 / 30
    for i in range(1, 40):  # person 2 leaves
        r = f.step(t + i / 30, [Observation(1, body(100 + i), ONES)], 640, 480)
        if r.forgotten:
            assert r.forgotten == [2]
            break
    assert set(f.people) == {1}, "one dict of people: nothing of person 2 is left anywhere"
    r = f.step(t + i / 30 + 1 / 30, [Observation(2, body(0, 150), ONES)], 640, 480)
    fresh = f.people[2]
    assert fresh is not two and not fresh.ensemble.history and fresh.emotion.last is None
    assert fresh.online.scores.scored == 0 and fresh.online.ridge.weights is None and fresh.waited == 0


def test_rate_and_forecast_length_are_held_once(runner):
    f = Forecaster(runner)
    f.step(0.0, [Observation(0, body(0), ONES)], 640, 480)
    person = f.people[0]
    assert (f.grid.rate_hz, f.grid.t_out) == (f.config.window.rate_hz, runner.contract.output_frames)
    parts = (person.ensemble, person.online, person.online.pending)
    assert all(part.grid is f.grid for part in parts), "every part reads the forecaster's one grid"


def test_settings_no_person_can_have_are_refused_before_anyone_is_seen(runner):
    with pytest.raises(ValueError, match="ensemble_forecasts"):
        Forecaster(runner, ForecasterConfig(ensemble_forecasts=0))
    with pytest.raises(ValueError, match="emotion_smoothing"):
        Forecaster(runner, ForecasterConfig(emotion_smoothing="median"))
    with pytest.raises(ValueError, match="emotion_time_constant_s"):
        Forecaster(runner, ForecasterConfig(emotion_time_constant_s=0.0))
