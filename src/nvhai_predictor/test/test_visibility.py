"""What the predictor shows the model for keypoints the camera did not see (visibility.py)."""

from __future__ import annotations

import numpy as np

from nvhai_predictor.visibility import TEMPLATE, complete, complete_future

rng = np.random.default_rng(3)


def standing(frames: int = 60, height_px: float = 300.0) -> np.ndarray:
    """A template person swaying sideways and waving the right arm, in pixels."""
    t = np.arange(frames)[:, None] / 30
    body = np.repeat(TEMPLATE[None] * height_px / 3.4, frames, axis=0) + [320.0, 100.0]
    body[:, :, 0] += 15 * np.sin(2 * np.pi * 0.5 * t)
    body[:, 10, 1] -= 80 * (1 + np.sin(2 * np.pi * 1.5 * t[:, 0]))
    return body


def test_a_window_seen_whole_is_left_as_it_is():
    body = standing()
    assert np.array_equal(complete(body, np.ones(body.shape[:2], bool)), body)


def test_legs_below_a_waist_cut_stand_under_the_seen_body_whatever_the_detector_guessed():
    body = standing()
    seen = np.ones(body.shape[:2], bool)
    seen[:, 13:] = False
    guessed = body.copy()
    guessed[:, 13:] = rng.uniform(-2000, 2000, guessed[:, 13:].shape)  # MediaPipe's guesses, anywhere
    out = complete(guessed, seen)
    assert np.array_equal(out[:, :13], body[:, :13]), "seen keypoints are kept"
    # The template body's own legs come back (within 1.5 px of a 300 px body: the raised arm weighs a little).
    np.testing.assert_allclose(out[:, 13:], body[:, 13:], atol=1.5)
    # The legs move with the body (sideways sway), rigidly: knee-to-hip offsets do not change.
    offsets = out[:, 13:15] - out[:, 11:13]
    assert np.ptp(offsets, axis=0).max() < 0.5 and np.ptp(out[:, 13, 0]) > 25


def test_a_keypoint_seen_earlier_in_the_window_is_held_where_it_was_on_the_body():
    body = standing()
    seen = np.ones(body.shape[:2], bool)
    seen[40:, 10] = False  # the waving hand leaves the top of the frame
    out = complete(body, seen)
    on_body = body[39, 10] - body[39, 5:7].mean(0)
    np.testing.assert_allclose(out[40:, 10] - out[40:, 5:7].mean(1), np.repeat(on_body[None], 20, 0), atol=0.5)


def test_batches_complete_each_window_as_alone_and_the_future_from_the_window():
    bodies = np.stack([standing() + [i * 40.0, 0.0] for i in range(4)])
    seen = rng.random(bodies.shape[:3]) > 0.3
    seen[:, :, 5:7] = True
    batch = complete(bodies, seen)
    for i in range(4):
        np.testing.assert_allclose(batch[i], complete(bodies[i], seen[i]), atol=1e-9)
    x, y = complete_future(bodies[:, :40], bodies[:, 40:], seen[:, :40], seen[:, 40:])
    np.testing.assert_allclose(x, complete(bodies[:, :40], seen[:, :40]), atol=1e-9)
    joint = complete(bodies, seen)[:, 40:]
    np.testing.assert_allclose(y, joint, atol=1e-9)  # the future is completed from the window and itself
    changed = bodies.copy()
    changed[:, 40:] += 500.0  # what follows must not change how the window is completed
    np.testing.assert_allclose(complete_future(changed[:, :40], changed[:, 40:], seen[:, :40], seen[:, 40:])[0], x)
