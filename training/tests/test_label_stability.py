"""`evaluate --label-switches`: /emotion's top-label switches per minute, streamed through the live
predictor, smoothed fewer than raw, none for a person who does not move; and the gestures per minute the
avatar would start (a held display starts one gesture, never one per window)."""

from __future__ import annotations

import json

import numpy as np

from nvhai_predictor.contract import EMOTION_LABELS
from nvhai_predictor.model_runner import default_model_path
from nvhai_training.cli import main
from nvhai_training.keypoint_dataset import save_clips
from nvhai_training.procedural import generate


def _alternating(segments: int = 8) -> np.ndarray:
    """3 s of procedural `enthusiastic`, 3 s of `neutral`, and so on."""
    samples, labels = generate(64, frames=90, seed=3)
    keen = samples[labels == EMOTION_LABELS.index("enthusiastic")]
    calm = samples[labels == EMOTION_LABELS.index("neutral")]
    return np.concatenate([(keen if i % 2 == 0 else calm)[i // 2] for i in range(segments)])


def test_switches_per_minute_raw_and_smoothed(tmp_path, capsys):
    still = np.repeat(_alternating(1)[:1], 240, axis=0)
    path = tmp_path / "clips.npz"
    save_clips(path, {"alternating": _alternating(), "still": still})
    capsys.readouterr()
    assert main(["evaluate", "--model", str(default_model_path()), "--keypoints", str(path), "--stride", "10",
                 "--label-switches", "--json"]) == 0
    switches = json.loads(capsys.readouterr().out)["label_switches"]
    assert set(switches) == {"ema", "raw"}
    for block in switches.values():
        assert set(block) == {"per_min", "gestures_per_min", "minutes", "clips", "clips_at_most_6_per_min"}
        assert block["clips"] == 2 and block["gestures_per_min"] >= 0
        assert abs(block["minutes"] - (8 * 90 - 59 + 240 - 59) / 30 / 60) < 0.01  # one label per frame once 2 s are in
    raw, ema = switches["raw"]["per_min"], switches["ema"]["per_min"]
    assert raw >= 3 / switches["raw"]["minutes"], "the displays alternate every 3 s: the raw label follows"
    assert ema <= raw
    assert main(["evaluate", "--model", str(default_model_path()), "--keypoints", str(path), "--clips", "still",
                 "--label-switches", "--json"]) == 0
    still_switches = json.loads(capsys.readouterr().out)["label_switches"]
    assert still_switches["raw"]["per_min"] == still_switches["ema"]["per_min"] == 0
    for block in still_switches.values():  # one unchanging label: at most one gesture started, however long
        assert block["gestures_per_min"] * block["minutes"] <= 1 + 1e-9
