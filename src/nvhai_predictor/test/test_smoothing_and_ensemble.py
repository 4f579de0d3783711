"""Emotion smoothing over time and temporal ensembling of overlapping forecasts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nvhai_predictor.emotion_smoothing import EmotionSmoother
from nvhai_predictor.forecast_ensemble import ForecastEnsemble
from nvhai_predictor.frame_grid import FrameGrid

RATE = 30.0
GRID = FrameGrid(RATE, 30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.001, 0.5), st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4)),
                min_size=1, max_size=30))
def test_smoothed_probabilities_stay_a_distribution(steps):
    smoother, t = EmotionSmoother("ema", 0.7), 0.0
    for dt, raw in steps:
        t += dt
        p = np.asarray(raw) + 1e-3
        out = smoother.update(t, p / p.sum())
        assert abs(float(out.sum()) - 1) < 1e-5 and (out >= 0).all()


def test_time_constant_is_in_seconds_whatever_the_frame_rate():
    before, after = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    results = []
    for fps in (15, 30, 60):
        smoother = EmotionSmoother("ema", 1.0)
        smoother.update(0.0, before)
        for k in range(1, fps + 1):  # one second of the new label
            out = smoother.update(k / fps, after)
        results.append(out[1])
    np.testing.assert_allclose(results, 1 - math.exp(-1), atol=1e-5)


def test_raw_mode_passes_the_model_output_and_each_person_has_their_own():
    smoother = EmotionSmoother("raw")
    smoother.update(0.0, np.array([0.2, 0.8]))
    np.testing.assert_allclose(smoother.update(0.1, np.array([0.9, 0.1])), [0.9, 0.1], atol=1e-6)
    first, second = EmotionSmoother("ema", 1.0), EmotionSmoother("ema", 1.0)  # two people
    first.update(0.0, np.array([1.0, 0.0]))
    np.testing.assert_allclose(second.update(0.1, np.array([0.0, 1.0])), [0.0, 1.0], atol=1e-6)
    keep = math.exp(-0.2)
    np.testing.assert_allclose(first.update(0.2, np.array([0.0, 1.0])), [keep, 1 - keep], atol=1e-6)
    with pytest.raises(ValueError, match="not one of"):
        EmotionSmoother("median")


def trajectory(t0: float, velocity: np.ndarray, horizon: int = 30) -> np.ndarray:
    """The forecast made at t0 of a pose moving at constant velocity: frames at t0 + k / RATE, k = 1..horizon."""
    base = np.random.default_rng(0).normal(0, 0.3, (17, 2))
    times = t0 + np.arange(1, horizon + 1) / RATE
    return base + times[:, None, None] * velocity


def test_ensemble_of_identical_forecasts_is_the_forecast():
    velocity = np.array([0.2, -0.1])
    ensemble = ForecastEnsemble(5, GRID)
    for k in range(12):
        t = 10.0 + k / RATE
        np.testing.assert_allclose(ensemble.add(t, trajectory(t, velocity)), trajectory(t, velocity), atol=1e-9)
    still = ForecastEnsemble(8, GRID)
    pose = np.ones((30, 17, 2))
    for k in range(10):
        np.testing.assert_allclose(still.add(k / RATE, pose), pose)


def test_ensemble_averages_out_forecast_noise_and_size_one_is_off():
    rng = np.random.default_rng(3)
    velocity = np.array([0.3, 0.0])
    ensemble, off = ForecastEnsemble(6, GRID), ForecastEnsemble(1, GRID)
    err_ens, err_off = [], []
    for k in range(40):
        t = k / RATE
        noisy = trajectory(t, velocity) + rng.normal(0, 0.05, (30, 17, 2))
        out = ensemble.add(t, noisy)
        np.testing.assert_array_equal(off.add(t, noisy), noisy)
        if k >= 6:
            err_ens.append(np.abs(out[:10] - trajectory(t, velocity)[:10]).mean())
            err_off.append(np.abs(noisy[:10] - trajectory(t, velocity)[:10]).mean())
    assert np.mean(err_ens) < 0.6 * np.mean(err_off)


def test_ensemble_restarts_when_time_goes_back():
    ensemble = ForecastEnsemble(4, GRID)
    for k in range(4):
        ensemble.add(5.0 + k / RATE, np.zeros((30, 17, 2)))
    fresh = np.ones((30, 17, 2))
    np.testing.assert_array_equal(ensemble.add(1.0, fresh), fresh)
