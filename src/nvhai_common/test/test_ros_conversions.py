"""Message <-> numpy conversions keep every value and dtype the cores rely on."""

from __future__ import annotations

import array

import numpy as np
from std_msgs.msg import Header

from nvhai_common.ros_conversions import float32_sequence, forecast_xy
from nvhai_msgs.msg import MotionForecast


def test_float32_sequence_fills_a_forecast_that_reads_back_frame_major():
    future = np.random.default_rng(0).uniform(0, 640, (30, 17, 2))  # float64, as the forecaster makes it
    x, y = float32_sequence(future[:, :, 0]), float32_sequence(future[:, :, 1])  # non-contiguous slices
    assert isinstance(x, array.array) and x.typecode == "f" and len(x) == 30 * 17
    msg = MotionForecast(header=Header(), num_frames=30, num_keypoints=17, x=x, y=y)
    np.testing.assert_allclose(forecast_xy(msg), future.astype(np.float32), rtol=0, atol=1e-4)


def test_float32_sequence_of_probabilities_and_of_nothing():
    assert list(float32_sequence(np.array([0.25, 0.75]))) == [0.25, 0.75]
    assert len(float32_sequence(np.empty(0))) == 0
