"""The last check before a forecast is published: no body does that (plausibility.py), zero-velocity instead."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx_models import zero_velocity_model

from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, Observation
from nvhai_predictor.model_runner import ModelRunner
from nvhai_predictor.normalization import normalize
from nvhai_predictor.online import OnlineConfig
from nvhai_predictor.plausibility import PlausibilityConfig, check
from nvhai_predictor.self_scoring import ScoringConfig

CMU = Path(__file__).resolve().parents[4] / "shared" / "data" / "cmu_mocap" / "cmu_coco17_30fps_train.npz"


def cmu_clips() -> list[np.ndarray]:
    if not CMU.exists():
        pytest.skip("../shared/data/cmu_mocap is not beside the repository")
    with np.load(CMU) as data:
        return [normalize(data[k].astype(np.float64))[0] for k in sorted(data.files)]


def test_what_people_did_is_plausible_and_each_impossible_body_is_named():
    clips = cmu_clips()
    for name, frames in enumerate(clips):
        for start in range(0, len(frames) - 90, 15):
            window, future = frames[start:start + 60], frames[start + 60:start + 90]
            assert check(window, future) == "", f"a real person's next second: clip {name}, frame {start + 60}"
            assert check(window, np.repeat(window[-1:], 30, axis=0)) == ""
    window, future = clips[0][:60], clips[0][60:90].copy()
    assert "extent" in check(window, future * 3)
    assert "extent" in check(window, future * 0.1)
    jump = future.copy()
    jump[10:, 9] += [0.0, 0.9]  # a wrist that teleports
    assert "moves" in check(window, jump)
    drift = future + np.linspace(0, 1, 30)[:, None, None] * [1.7, 0.0]  # the body slides off, a little each frame
    assert "ends" in check(window, drift)
    stretched = future.copy()  # a forearm that grows, a little each frame, to 1.1 (a body's longest: 0.75)
    forearm = stretched[:, 9] - stretched[:, 7]
    grow = np.linspace(1, 1.1 / np.linalg.norm(forearm[-1]), 30)[:, None]
    stretched[:, 9] = stretched[:, 7] + grow * forearm
    assert "bone" in check(window, stretched)
    assert check(window, future * 3, PlausibilityConfig(enabled=False)) == ""


def test_an_impossible_forecast_is_published_as_zero_velocity_and_counted(tmp_path):
    runner = ModelRunner(zero_velocity_model(tmp_path / "wild.onnx", future_scale=4.0))
    pose = cmu_clips()[0][:90] * 100 + [320, 240]
    forecaster = Forecaster(runner)
    results = [forecaster.step(i / 30, [Observation(0, pose[i], np.ones(17))], 640, 480) for i in range(90)]
    made = [f for r in results for f in r.forecasts]
    assert len(made) == 31 and sum(r.implausible for r in results) == 31
    assert "extent" in results[-1].implausible_reason
    for r, i in ((r, i) for i, r in enumerate(results) if r.forecasts):
        np.testing.assert_allclose(r.forecasts[0].future_px, np.repeat(pose[i][None], 30, 0), atol=1e-3)
    # without the check (and without the new-person hedge, which would only shrink it) the wild forecast goes out
    off = Forecaster(runner, ForecasterConfig(online=OnlineConfig(scoring=ScoringConfig(new_person_prior=1.0),
                                                              plausibility=PlausibilityConfig(enabled=False))))
    last = [off.step(i / 30, [Observation(0, pose[i], np.ones(17))], 640, 480) for i in range(60)][-1]
    assert last.implausible == 0 and np.abs(last.forecasts[0].future_px - pose[59]).max() > 100
