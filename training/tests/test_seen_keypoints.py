"""Scores count the keypoints the camera saw: what it did not see has no truth, whatever the detector guessed."""

from __future__ import annotations

import json

import numpy as np

from nvhai_predictor.model_runner import default_model_path
from nvhai_training.cli import main
from nvhai_training.keypoint_dataset import make_windows, save_clips
from nvhai_training.metrics import forecast_metrics


def _waist_up_clip(rng: np.random.Generator, guesses: float) -> np.ndarray:
    """A swaying person (T, 17, 3) in image heights; knees and ankles unseen, placed `guesses` away at random."""
    t = np.arange(150)[:, None, None] / 30
    base = rng.random((1, 17, 2)) * [0.3, 0.8] + [0.5, 0.1]
    xy = base + 0.03 * np.sin(2 * np.pi * 0.7 * t + rng.random((1, 17, 2)) * 6)
    xy[:, 13:] += rng.normal(0, guesses, xy[:, 13:].shape)
    conf = np.full((150, 17, 1), 0.9)
    conf[:, 13:] = 0.05
    return np.concatenate([xy, conf], axis=-1)


def test_forecast_metrics_leave_unseen_keypoints_out():
    rng = np.random.default_rng(0)
    target, pred = rng.random((4, 30, 17, 2)), rng.random((4, 30, 17, 2))
    seen = np.ones((4, 30, 17), bool)
    seen[:, :, 13:] = False
    wild = pred.copy()
    wild[:, :, 13:] += 1000.0
    assert forecast_metrics(wild, target, seen) == forecast_metrics(pred, target, seen)
    assert forecast_metrics(pred, target, seen)["mae"] == np.abs(pred - target)[:, :, :13].mean()
    assert forecast_metrics(pred, target) == forecast_metrics(pred, target, np.ones_like(seen))


def test_evaluate_scores_the_same_however_wild_the_unseen_guesses(tmp_path, capsys):
    """Two copies of the same people, one with the unseen legs guessed far off: the same windows, the same figures
    (the window completes unseen keypoints from the seen ones, and scores leave them out)."""
    results = []
    for guesses in (0.01, 3.0):
        rng = np.random.default_rng(1)
        clips = {f"person{i}": _waist_up_clip(rng, guesses) for i in range(3)}
        save_clips(tmp_path / f"g{guesses}.npz", clips)
        capsys.readouterr()
        assert main(["evaluate", "--model", default_model_path(), "--keypoints", str(tmp_path / f"g{guesses}.npz"),
                     "--json"]) == 0
        results.append(json.loads(capsys.readouterr().out))
        windows = make_windows(clips)
        assert not windows.target_seen[..., 13:].any() and windows.target_seen[..., :13].all()
    for key in ("model_metrics", "zero_velocity", "constant_velocity"):
        assert results[0][key] == results[1][key]
