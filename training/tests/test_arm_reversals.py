"""training/recipes/arm_reversals.py: it tells a forecast that brings an arm back from one that lets it go on."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nvhai_training.cli import main

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "arm_reversals.py"
spec = importlib.util.spec_from_file_location("arm_reversals", RECIPE)
study = importlib.util.module_from_spec(spec)
spec.loader.exec_module(study)


def _windows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Still bodies whose right wrist sweeps out at its own speed and keeps going (no wrist comes back)."""
    rng = np.random.default_rng(seed)
    pose = rng.normal(0, 0.2, (n, 1, 17, 2))
    speed = rng.uniform(0.001, 0.01, (n, 1))
    t = np.arange(90)[None, :]
    seq = np.repeat(pose, 90, axis=1)
    seq[:, :, study.WRISTS[1], 0] += speed * t
    return seq[:, :60], seq[:, 60:]


def test_a_forecast_that_brings_the_arm_back_is_told_from_the_data():
    inputs, targets = _windows(200, 0)
    going_on = study.reversals(inputs, targets, targets)
    assert going_on["reversed_in_data"] == 0.0 and going_on["reversed_in_forecast"] == 0.0
    back = targets.copy()  # the same forecast, but the wrist swung back past where it is now
    back[:, :, study.WRISTS[1]] = 2 * inputs[:, -1:, study.WRISTS[1]] - targets[:, :, study.WRISTS[1]]
    r = study.reversals(inputs, targets, back)
    assert r["reversed_in_data"] == 0.0 and r["reversed_in_forecast"] == 1.0
    assert r["moving_windows"] == 100  # the faster half
    assert r["forecast_displacement"] == pytest.approx(r["data_displacement"])
    speed = np.abs(np.diff(inputs[:, :, study.WRISTS[1], 0], axis=1)).mean()  # the right wrist's; the left is still
    assert r["wrist_speed"] == pytest.approx(speed / 2)


def test_the_cli_scores_a_model_per_group(tmp_path):
    inputs, targets = _windows(4, 1)
    clips = {f"bandai1_guide-style{i}-001": np.concatenate([inputs[i], targets[i]]).astype(np.float32)
             for i in range(4)}
    np.savez(tmp_path / "k.npz", **clips)
    assert main(["train", "--arch", "residual_linear", "--epochs", "1", "--train", str(tmp_path / "k.npz"),
                 "--out", str(tmp_path / "m")]) == 0
    assert main(["export", "--checkpoint", str(tmp_path / "m" / "model.pt"), "--out", str(tmp_path / "m.onnx")]) == 0
    out = subprocess.run([sys.executable, str(RECIPE), str(tmp_path / "m.onnx"), str(tmp_path / "k.npz"),
                          "--group-by", "clip", "--json"], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    assert set(r) == set(clips) and all(v["windows"] == 1 for v in r.values())
