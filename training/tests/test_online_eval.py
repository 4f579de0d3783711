"""`evaluate --online`: each person streamed through the live predictor core, scored as it watches."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nvhai_predictor.model_runner import default_model_path
from nvhai_training.cli import main
from nvhai_training.keypoint_dataset import save_clips

FORECAST_KEYS = {"model_metrics", "zero_velocity", "constant_velocity", "improvement_vs_zero_velocity", "windows"}


def swinging(frames: int, seed: int) -> np.ndarray:
    """(frames, 17, 2) in [0, 1]: keypoints swinging periodically around a standing pose."""
    rng = np.random.default_rng(seed)
    base = 0.5 + rng.uniform(-0.1, 0.1, (17, 2))
    phase, amp = rng.uniform(0, 2 * np.pi, (17, 2)), rng.uniform(0.01, 0.04, (17, 2))
    t = np.arange(frames)[:, None, None] / 30
    return (base + amp * np.sin(2 * np.pi * 0.6 * t + phase)).astype(np.float32)


def test_online_json_has_the_offline_keys_by_watch_time_and_per_person(tmp_path, capsys):
    path = tmp_path / "people.npz"
    # person 901: two clips, 40 s in all (watched past 30 s); person 902: one short clip
    save_clips(path, {"901_01": swinging(600, 0), "901_02": swinging(600, 1), "902_01": swinging(200, 2)})
    capsys.readouterr()
    assert main(["evaluate", "--model", default_model_path(), "--keypoints", str(path), "--online", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    online = result["online"]
    assert set(online) >= FORECAST_KEYS and {"by_watch_time", "groups", "model_only", "adapted"} <= set(online)
    assert online["windows"] == result["windows"] == 2 * (600 - 89) + (200 - 89), "the offline windows, each once"
    assert online["model_only"]["mae"] == pytest.approx(result["model_metrics"]["mae"], rel=1e-4), \
        "the model alone streamed live scores what it scores offline"
    assert online["zero_velocity"]["mae"] == pytest.approx(result["zero_velocity"]["mae"], rel=1e-4)
    for block in (online, *online["groups"].values()):
        assert set(block["model_metrics"]) == {"mae", "mae_5", "mae_10", "mae_20", "mae_30"}
    bins = online["by_watch_time"]
    assert list(bins) == ["0-30 s", "30-60 s", "> 60 s"]
    assert bins["0-30 s"]["people"] == 2 and bins["30-60 s"]["people"] == 1 and bins["> 60 s"]["windows"] == 0
    assert set(bins["30-60 s"]) >= FORECAST_KEYS and bins["30-60 s"]["mean_person_ratio_vs_zero_velocity"]
    assert sum(b["windows"] for b in bins.values()) == online["windows"]
    assert set(online["groups"]) == {"901", "902"} and online["groups"]["901"]["seconds"] == pytest.approx(40.0)
    assert online["groups"]["901"]["windows"] == 2 * (600 - 89)
    late = bins["30-60 s"]["ratio_vs_zero_velocity"]
    assert late["adapted"] < late["model_only"], "a periodic swing: the person's own map learns it"

    assert main(["evaluate", "--model", default_model_path(), "--keypoints", str(path), "--online", "--stride", "7",
                 "--json"]) == 0
    strided = json.loads(capsys.readouterr().out)["online"]
    assert strided["stride"] == 7 and strided["windows"] == pytest.approx(online["windows"] / 7, abs=3)


def test_online_study_replays_evaluate_online_and_runs_its_study_variants(tmp_path, capsys, monkeypatch):
    """training/recipes/online_study.py: with the default settings its figures are `evaluate --online`'s;
    its projected (`basis`) and per-feature-ridged (`diag`) maps run on the same core."""
    import importlib.util
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "recipes" / "online_study.py"
    spec = importlib.util.spec_from_file_location("online_study", script)
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    path = tmp_path / "people.npz"
    save_clips(path, {"901_01": swinging(900, 0), "902_01": swinging(400, 2)})
    capsys.readouterr()
    assert main(["evaluate", "--model", default_model_path(), "--keypoints", str(path), "--online", "--json"]) == 0
    online = json.loads(capsys.readouterr().out)["online"]
    monkeypatch.setattr(sys, "argv", ["online_study.py", str(path), "--json", "--variant", "default:",
                                      "--variant", "projected:basis=4", "--variant", "diag:diag=true"])
    study.main()
    results = json.loads(capsys.readouterr().out)
    total = results["default"]["total"]
    assert total["windows"] == online["windows"]
    for kind in ("model_metrics", "adapted", "model_only", "zero_velocity"):
        assert total[kind]["mae"] == pytest.approx(online[kind]["mae"], rel=1e-6), kind
    for name in ("projected", "diag"):
        block = results[name]["total"]
        assert block["windows"] == total["windows"] and np.isfinite(block["adapted"]["mae"])
        assert block["adapted"]["mae"] != total["adapted"]["mae"], f"{name}: another map than the default's"


def test_online_evaluation_runs_the_live_nodes_defaults():
    """`evaluate --online` scores the predictor as shipped: the node's parameter defaults, every person forecast
    each frame (the people are side by side only to batch them)."""
    from nvhai_common.ros_params import defaults
    from nvhai_predictor.model_runner import ModelRunner
    from nvhai_predictor.parameters import PARAMETERS
    from nvhai_predictor.settings import CORE_PARAMETERS, forecaster_config
    from nvhai_training.online_eval import shipped_config

    node = defaults(PARAMETERS)
    runner = ModelRunner(default_model_path())
    assert (runner.contract.input_frames, runner.contract.fps) == (node["input_frames"], node["rate_hz"])
    expected = forecaster_config(**{name: node[name] for name in CORE_PARAMETERS})
    expected.max_people_per_step = 0
    assert shipped_config(runner) == expected

