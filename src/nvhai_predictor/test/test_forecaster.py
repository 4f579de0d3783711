"""The predictor core without ROS: validation, per-person windows, forecasts in pixels."""

from __future__ import annotations

import numpy as np
import pytest

from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, InvalidKeypoints, Observation
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.normalization import normalize
from nvhai_predictor.window import SUSTAINED_BACK

CMU = "/work/shared/data/cmu_mocap/cmu_coco17_30fps_train.npz"
rng = np.random.default_rng(0)
POSE = rng.random((17, 2)) * [80, 200] + [200, 100]
ONES = np.ones(17)


@pytest.fixture(scope="module")
def runner():
    return ModelRunner(default_model_path())


def test_forecast_after_a_full_window_in_pixels_near_the_person(runner):
    f = Forecaster(runner)
    results = [f.step(i / 30, [Observation(3, POSE + [i, 0], ONES)], 640, 480) for i in range(60)]
    assert all(not r.forecasts for r in results[:59])
    (fc,) = results[-1].forecasts
    assert fc.person_id == 3 and fc.stamp == 59 / 30 and fc.future_px.shape == (30, 17, 2)
    _, centroid, scale = normalize(POSE + [59, 0])
    assert np.abs(fc.future_px.mean(axis=1) - centroid).max() < 0.5 * scale, "forecast stays around the person"
    assert abs(fc.emotion_probs.sum() - 1) < 1e-5 and fc.label in fc.labels


@pytest.mark.parametrize(("xy", "conf", "message"), [
    (np.full((17, 2), np.nan), ONES, "NaN/inf"),
    (np.full((17, 2), np.inf), ONES, "NaN/inf"),
    (POSE[:12], ONES[:12], "expected 17 keypoints"),
    (POSE + [5000, 0], ONES, "far outside"),
])
def test_invalid_observations_are_refused(runner, xy, conf, message):
    f = Forecaster(runner)
    with pytest.raises(InvalidKeypoints, match=message):
        f.validate(Observation(0, xy, conf), 640, 480)
    result = f.step(0.0, [Observation(0, xy, conf)], 640, 480)
    assert result.errors and message.split()[0] in result.errors[0] and not result.forecasts


def test_keypoints_just_outside_the_image_are_treated_as_unseen(runner):
    xy = POSE.copy()
    xy[9] = [-20, 100]
    conf = Forecaster(runner).validate(Observation(0, xy, ONES), 640, 480)
    assert conf[9] == 0 and conf[:9].min() == 1


def test_people_keep_separate_windows_and_are_forgotten(runner):
    f = Forecaster(runner, ForecasterConfig(forget_after_s=1.0))
    far = POSE + [300, 0]
    for i in range(60):
        r = f.step(i / 30, [Observation(1, POSE, ONES), Observation(2, far, ONES)], 640, 480)
    by_id = {fc.person_id: fc for fc in r.forecasts}
    assert set(by_id) == {1, 2}
    assert by_id[2].future_px[..., 0].mean() - by_id[1].future_px[..., 0].mean() == pytest.approx(300, abs=30)
    for i in range(60, 100):  # person 2 leaves
        r = f.step(i / 30, [Observation(1, POSE, ONES)], 640, 480)
        if r.forgotten:
            assert r.forgotten == [2]
    assert set(f.people) == {1}


def test_one_frame_far_back_forgets_nobody_but_time_that_stays_back_does(runner):
    f = Forecaster(runner)
    for i in range(30):
        f.step(99.0 + i / 30, [Observation(1, POSE, ONES)], 640, 480)
    r = f.step(10.0, [Observation(1, POSE, ONES), Observation(2, POSE, ONES)], 640, 480)  # a clock 90 s behind
    assert not r.forgotten and set(f.people) == {1, 2} and "before the previous one" in r.errors[0]
    r = f.step(100.0, [Observation(1, POSE, ONES)], 640, 480)
    assert r.forgotten == [2] and f.people[1].window.resets == 0, "one stray frame: person 1's window goes on"
    forgotten = []
    for k in range(SUSTAINED_BACK):  # a bag loop: time stays back
        forgotten += f.step(10.0 + (k + 1) / 30, [Observation(3, POSE, ONES)], 640, 480).forgotten
    assert forgotten == [1] and set(f.people) == {3}


def test_stamps_that_go_backwards_are_reported(runner):
    f = Forecaster(runner)
    f.step(1.0, [Observation(0, POSE, ONES)], 640, 480)
    r = f.step(0.9, [Observation(0, POSE, ONES)], 640, 480)
    assert r.errors and "not after" in r.errors[0]
    r = f.step(5.0, [Observation(0, POSE, ONES)], 640, 480)
    assert r.errors and "window restarted" in r.errors[0]
