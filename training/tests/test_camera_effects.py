"""Camera effects on training windows: framings cut the body where a camera would, a slow camera reads like the live
window's resampling of one, and the losses count what was seen."""

from __future__ import annotations

import json

import numpy as np
import torch

from nvhai_predictor.normalization import normalize
from nvhai_predictor.visibility import TEMPLATE
from nvhai_training.camera_effects import CameraEffects, _slow_camera, apply
from nvhai_training.cli import main
from nvhai_training.keypoint_dataset import save_clips


def _people(n: int, frames: int) -> dict[str, np.ndarray]:
    """Standing people (the template body, in image heights) swaying and waving an arm, each their own way."""
    rng = np.random.default_rng(7)
    t = np.arange(frames)[:, None] / 30
    clips = {}
    for i in range(n):
        body = np.repeat(TEMPLATE[None] * 0.25, frames, axis=0) + [0.5 + 0.1 * i, 0.2]
        body[:, :, 0] += 0.02 * np.sin(2 * np.pi * rng.uniform(0.3, 0.8) * t + rng.uniform(0, 6))
        wave = np.sin(2 * np.pi * rng.uniform(0.8, 1.6) * t[:, 0] + rng.uniform(0, 6))
        body[:, 10] += np.stack([0.05 * wave, -0.15 * (1 + wave)], axis=-1)
        body[:, 8] += np.stack([0.02 * wave, -0.06 * (1 + wave)], axis=-1)
        clips[f"p{i}"] = body.astype(np.float32)
    return clips


def _windows(n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    clips = _people(8, 150)
    x = np.stack([normalize(c[s:s + 60])[0] for c in clips.values() for s in range(0, 61, 2)])[:n]
    y = np.stack([normalize(c[s + 60:s + 90])[0] for c in clips.values() for s in range(0, 61, 2)])[:n]
    return x, y


def test_framings_hide_the_legs_and_the_targets_say_so():
    x, y = _windows()
    rng = np.random.default_rng(0)
    xi, yi, seen = apply(x, y, rng, CameraEffects(share=1.0, edge_cut=0.0, occlusion=0.0, slow_camera=0.0))
    cut = ~seen.all(axis=(1, 2))
    assert 0.55 < cut.mean() < 0.95, "about 3 in 4 windows are framed closer than full"
    assert (~seen[cut][..., 15:]).mean() > 0.8, "ankles are mostly out of frame when the body is cut"
    assert seen[..., :5].mean() > 0.98, "the head stays in frame"
    # Inputs and targets stay normalised poses: centred, largest distance 1.
    for frames in (xi, yi):
        np.testing.assert_allclose(frames.mean(axis=2), 0, atol=1e-6)
        np.testing.assert_allclose(np.linalg.norm(frames, axis=-1).max(-1), 1, atol=1e-6)
    assert np.array_equal(apply(x, y, rng, CameraEffects(share=0.0))[0], x)


def test_the_inputs_seen_flags_come_with_the_same_draws():
    x, y = _windows(200)
    effects = CameraEffects(share=0.5)
    xi, yi, seen = apply(x, y, np.random.default_rng(3), effects)
    xj, yj, seen_j, input_seen = apply(x, y, np.random.default_rng(3), effects, input_seen=True)
    assert np.array_equal(xi, xj) and np.array_equal(yi, yj) and np.array_equal(seen, seen_j)
    assert input_seen.shape == x.shape[:3] and input_seen.dtype == bool
    untouched = (xi == x).all(axis=(1, 2, 3))
    assert input_seen[untouched].all(), "a window without camera effects is all seen"
    assert not input_seen.all(), "framed windows lose keypoints in their inputs too"
    # A keypoint the camera lost in the last observed frame is one the target's first frame may miss as well;
    # where the body is cut (knees, ankles), inputs and targets agree far more often than not.
    legs = slice(13, 17)
    assert (input_seen[:, -1, legs] == seen[:, 0, legs]).mean() > 0.9
    _, _, _, none_seen = apply(x, y, np.random.default_rng(3), CameraEffects(share=0.0), input_seen=True)
    assert none_seen.all()


def test_a_slow_camera_reads_as_straight_lines_between_its_frames():
    x, y = _windows(8)
    frames = np.concatenate([x, y], axis=1)
    seen = np.ones(frames.shape[:3], bool)
    seen[:, 26, 9] = False  # the wrist unseen on one of the camera's frames (59, 56, ... 26, 23, ...)
    out, out_seen = _slow_camera(frames, seen, 60, 10.0)
    np.testing.assert_allclose(out[:, 59], frames[:, 59], atol=1e-6)  # a sample on the newest observed frame, as live
    np.testing.assert_allclose(out[:, 56], frames[:, 56], atol=1e-6)
    np.testing.assert_allclose(out[:, 57], frames[:, 56] + (frames[:, 59] - frames[:, 56]) / 3, atol=1e-6)
    assert not out_seen[:, 24:29, 9].any() and out_seen[:, [23, 29], 9].all(), "unseen next to the frame that lost it"


def test_training_with_camera_effects_records_them_and_learns(tmp_path):
    clips = _people(6, 200)
    save_clips(tmp_path / "s.npz", clips)
    assert main(["train", "--train", str(tmp_path / "s.npz"), "--test", str(tmp_path / "s.npz"), "--epochs", "3",
                 "--eval-every", "3", "--stride", "4", "--camera-effects", "0.5", "--out", str(tmp_path / "r")]) == 0
    config = json.loads(torch.load(tmp_path / "r" / "model.pt", weights_only=False)["config"])
    assert config["camera_effects"] == 0.5
    last = (tmp_path / "r" / "log.csv").read_text().splitlines()[-1].split(",")
    assert float(last[2]) < float(last[7]), "the forecast still learns (below zero-velocity on the test people)"
