import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nvhai_predictor.normalization import denormalize, normalize


def radius(frames: np.ndarray) -> np.ndarray:
    return np.linalg.norm(frames - frames.mean(axis=-2, keepdims=True), axis=-1).max(axis=-1)


poses = arrays(np.float64, (4, 17, 2), elements=st.floats(-2000, 2000, allow_nan=False, allow_infinity=False))


@settings(max_examples=200, deadline=None)
@given(poses)
def test_round_trip(frames):
    normed, centroid, scale = normalize(frames)
    np.testing.assert_allclose(denormalize(normed, centroid, scale), frames, atol=1e-6 * (1 + np.abs(frames).max()))


@settings(max_examples=200, deadline=None)
@given(poses, st.floats(0.01, 100), st.floats(-500, 500), st.floats(-500, 500))
def test_normalised_pose_ignores_where_and_how_large(frames, k, dx, dy):
    normed, _, _ = normalize(frames)
    moved, _, _ = normalize(frames * k + [dx, dy])
    spread = radius(frames) > 1e-2  # collapsed poses keep scale 1 and are not scale-free
    np.testing.assert_allclose(moved[spread], normed[spread], atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(poses)
def test_centroid_zero_and_max_distance_one(frames):
    normed, _, _ = normalize(frames)
    np.testing.assert_allclose(normed.mean(axis=-2), 0, atol=1e-9)
    spread = radius(frames) > 1e-2
    assert np.allclose(radius(normed)[spread], 1.0)


def test_collapsed_pose_does_not_divide_by_zero():
    normed, centroid, scale = normalize(np.full((17, 2), 5.0))
    assert np.isfinite(normed).all() and scale == 1.0 and (centroid == 5.0).all()


def test_forecast_goes_back_to_pixels_with_the_last_frame():
    rng = np.random.default_rng(0)
    window = rng.random((60, 17, 2)) * [100, 200] + [300, 100]
    normed, centroid, scale = normalize(window)
    back = denormalize(normed[-1:], centroid[-1], scale[-1])
    np.testing.assert_allclose(back[0], window[-1], atol=1e-9)
