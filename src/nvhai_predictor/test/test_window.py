import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nvhai_predictor.window import SUSTAINED_BACK, PoseWindow, StampError, WindowConfig, sliding_windows

rng = np.random.default_rng(0)
BASE = rng.random((17, 2)) * 100 + 200
VEL = rng.normal(0, 30, (17, 2))  # px/s per keypoint
CONF = np.ones(17)


def pose(t: float) -> np.ndarray:
    return BASE + VEL * t


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.02, 0.045), min_size=10, max_size=130))
def test_jittery_stamps_resample_linear_motion_exactly(intervals):
    """A camera at ~22-50 FPS with jitter: the window still holds the motion on a 30 FPS grid."""
    w = PoseWindow(WindowConfig(frames=60, rate_hz=30.0, max_gap_s=0.5))
    t = 10.0
    for i in range(200):  # 200 samples of >= 20 ms: at least 4 s, the window must be full
        t += intervals[i % len(intervals)]
        w.add(t, pose(t), CONF)
    assert w.ready
    grid = t - np.arange(59, -1, -1) / 30.0
    np.testing.assert_allclose(w.frames(), np.stack([pose(g) for g in grid]), atol=1e-3)


def test_ready_only_after_two_seconds_and_fill_grows():
    w = PoseWindow()
    fills = []
    for i in range(60):
        assert not w.ready
        w.add(i / 30, pose(i / 30), CONF)
        fills.append(w.fill)
    assert w.ready and fills == sorted(fills) and fills[-1] == 1.0
    with pytest.raises(RuntimeError, match="not ready"):
        PoseWindow().frames()


def test_gap_restarts_and_backwards_stamps_are_refused():
    w = PoseWindow(WindowConfig(max_gap_s=0.5))
    for i in range(60):
        w.add(i / 30, pose(i / 30), CONF)
    with pytest.raises(StampError):
        w.add(59 / 30, pose(0), CONF)  # duplicate
    with pytest.raises(StampError):
        w.add(58 / 30, pose(0), CONF)  # slightly out of order
    assert w.ready, "a refused sample leaves the window as it was"
    w.add(59 / 30 + 1.0, pose(3), CONF)  # one second of silence
    assert not w.ready and w.resets == 1 and w.fill == 0.0
    for k in range(SUSTAINED_BACK - 1):  # far back: refused, a camera on another clock...
        with pytest.raises(StampError, match="before the previous one"):
            w.add(-100.0 + k / 30, pose(0), CONF)
    assert w.resets == 1
    w.add(-100.0 + SUSTAINED_BACK / 30, pose(0), CONF)  # ...until time stays back (bag loop): restart
    assert w.resets == 2 and w.last_time == -100.0 + SUSTAINED_BACK / 30


def test_one_sample_far_back_between_good_ones_is_refused_without_a_restart():
    w = PoseWindow(WindowConfig(max_gap_s=0.5))
    for i in range(120):
        if i % 15 == 14:
            with pytest.raises(StampError):
                w.add(i / 30 - 1.0, pose(0), CONF)  # another camera, 1 s behind
        w.add(i / 30, pose(i / 30), CONF)
    assert w.resets == 0 and w.ready


def test_memory_stays_bounded():
    w = PoseWindow()
    for i in range(5000):
        w.add(i / 30, pose(i / 30), CONF)
    assert len(w._samples) <= 62


def test_an_unseen_keypoint_is_held_on_the_body_and_weak_samples_skipped():
    """A wrist that vanishes (the detector puts it anywhere, at low confidence) is shown where it was last seen on
    the body, moving with the body, never at the guess; the seen flags say so."""
    w = PoseWindow(WindowConfig(min_confidence=0.3, min_visible=6))
    shift = np.array([2.0, 0.0])  # the whole body walks right, 2 px a frame
    for i in range(60):
        xy = BASE + shift * i
        conf = CONF.copy()
        if i >= 30:
            xy[9] = [5000.0, -5000.0]
            conf[9] = 0.05
        w.add(i / 30, xy, conf)
    frames, seen = w.read()
    assert seen[:30, 9].all() and not seen[30:, 9].any() and seen[:, :9].all()
    np.testing.assert_allclose(frames[-1, 9], BASE[9] + shift * 59, atol=0.1)
    np.testing.assert_allclose(frames[:, :9], (BASE + shift * np.arange(60)[:, None, None])[:, :9], atol=1e-3)
    assert not w.add(3.0, BASE, np.zeros(17)), "a sample with nothing confident is not used"


def test_sliding_windows_pair_inputs_with_what_followed():
    clip = np.arange(100)[:, None, None] * np.ones((100, 17, 2))
    x, y = sliding_windows(clip, 60, 30, stride=3)
    assert x.shape == (4, 60, 17, 2) and y.shape == (4, 30, 17, 2)
    assert x[1, 0, 0, 0] == 3 and y[1, 0, 0, 0] == 63 and y[-1, -1, 0, 0] == 98
    assert sliding_windows(clip[:80], 60, 30)[0].shape[0] == 0


def test_a_camera_faster_than_the_model_rate_grows_the_buffer_and_keeps_the_motion():
    """At 240 FPS the window holds ~480 samples, more than the buffer starts with (4 x 60)."""
    w = PoseWindow()
    t = 0.0
    for _ in range(1500):
        t += 1 / 240
        w.add(t, pose(t), CONF)
    grid = t - np.arange(59, -1, -1) / 30.0
    np.testing.assert_allclose(w.frames(), np.stack([pose(g) for g in grid]), atol=1e-3)
    assert len(w._samples) <= 2 * 240 + 2
