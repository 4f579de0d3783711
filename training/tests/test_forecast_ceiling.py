"""training/recipes/forecast_ceiling.py: the ceilings it reports are what its model classes can fit."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "forecast_ceiling.py"
spec = importlib.util.spec_from_file_location("forecast_ceiling", RECIPE)
ceiling = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ceiling)


def _spinning(frames: int, turns_per_s: float, seed: int) -> np.ndarray:
    """A rigid skeleton turning at a constant rate: after per-frame normalisation every coordinate is a
    sinusoid, which a linear map of the past continues exactly."""
    rng = np.random.default_rng(seed)
    pose = rng.normal(0, 0.1, (17, 2))
    angle = 2 * np.pi * turns_per_s * np.arange(frames) / 30
    rot = np.stack([np.stack([np.cos(angle), -np.sin(angle)], -1), np.stack([np.sin(angle), np.cos(angle)], -1)], -2)
    return 0.5 + np.einsum("tij,kj->tki", rot, pose)


def _random_walk(frames: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 0.5 + np.cumsum(rng.normal(0, 0.004, (frames, 17, 2)), axis=0)


def test_linear_motion_is_forecast_exactly_and_a_random_walk_not_at_all():
    clips = {f"001_{i}": _spinning(200, 0.3 + 0.2 * i, i) for i in range(3)}
    clips |= {f"002_{i}": _random_walk(200, 10 + i) for i in range(3)}
    out = ceiling.ceilings(clips)
    assert set(out) == {"001", "002"} and out["001"]["clips"] == 3
    assert out["001"]["shared_linear_in_sample"] > 0.95  # sinusoids: a 60-tap filter continues them
    assert out["002"]["shared_linear_in_sample"] < 0.1  # the best guess for a random walk is where it is
    for r in out.values():
        assert r["shared_linear_in_sample"] >= r["shared_linear_all_subjects_in_sample"] - 1e-6  # its own fit is best


def test_cli_prints_the_table_and_json(tmp_path):
    path = tmp_path / "k.npz"
    np.savez(path, **{"001_a": _spinning(150, 0.5, 0), "001_b": _spinning(150, 0.4, 1), "003_a": _random_walk(150, 2)})
    table = subprocess.run([sys.executable, str(RECIPE), str(path)], capture_output=True, text=True, check=True).stdout
    assert "| 001 |" in table and "| **mean** |" in table
    data = json.loads(subprocess.run([sys.executable, str(RECIPE), str(path), "--json"], capture_output=True,
                                     text=True, check=True).stdout)
    assert set(data["003"]) >= {"windows", "zero_velocity_mae", "full_pose_ridge_leave_one_clip_out"}
