"""training/recipes/label_conflicts.py: the two cues measure what they say, and the lookup fitted on the
training labels gets exactly the held-out windows wrong that look like the other label."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from nvhai_common.coco17 import INDEX
from nvhai_training.keypoint_dataset import save_clips

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "label_conflicts.py"
spec = importlib.util.spec_from_file_location("label_conflicts", RECIPE)
conflicts = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conflicts)


def _person(frames: int, wave: bool, seed: int) -> np.ndarray:
    """Standing person (image coordinates, y down, torso 0.2 long); with `wave` the right wrist is held
    above the shoulder and swings 0.04 per frame sideways, otherwise both hands hang still at the hips."""
    rng = np.random.default_rng(seed)
    pose = np.full((17, 2), 0.5)
    pose[INDEX["left_shoulder"]], pose[INDEX["right_shoulder"]] = (0.55, 0.40), (0.45, 0.40)
    pose[INDEX["left_hip"]], pose[INDEX["right_hip"]] = (0.53, 0.60), (0.47, 0.60)
    pose[INDEX["left_wrist"]], pose[INDEX["right_wrist"]] = (0.56, 0.60), (0.44, 0.60)
    clip = np.repeat(pose[None], frames, 0) + rng.normal(0, 1e-4, (frames, 17, 2))
    if wave:
        clip[:, INDEX["right_wrist"], 1] = 0.30
        clip[:, INDEX["right_wrist"], 0] = 0.40 + 0.04 * (np.arange(frames) % 2)
    return clip


def test_cues_of_a_wave_and_of_hands_down():
    up, down = _person(60, True, 0), _person(60, False, 1)
    (raised_up, speed_up), (raised_down, speed_down) = conflicts.cues(np.stack([up, down]))
    assert raised_up == 1.0 and raised_down == 0.0
    assert abs(speed_up - 0.04 / 0.2) < 0.01  # 0.04 per frame over a torso of 0.2
    assert speed_down < 0.01


def test_held_out_windows_that_look_like_the_other_label_are_the_ones_wrong(tmp_path):
    train = {f"w{i}": _person(120, True, i) for i in range(4)} | {f"s{i}": _person(120, False, 10 + i) for i in range(4)}
    train_labels = {k: "happy to see you" if k.startswith("w") else "neutral" for k in train}
    save_clips(tmp_path / "train.npz", train, train_labels)
    # Held out: a greeting done with the hands down (looks neutral) and a neutral clip with a wave in it.
    held = {"greet_low": _person(120, False, 20), "greet_up": _person(120, True, 21), "tired_wave": _person(120, True, 22)}
    held_labels = {"greet_low": "happy to see you", "greet_up": "happy to see you", "tired_wave": "neutral"}
    meta = {k: {"content": "wave", "style": k} for k in held}
    save_clips(tmp_path / "held.npz", held, held_labels, meta)

    out = conflicts.study([str(tmp_path / "train.npz")], [str(tmp_path / "held.npz")])
    assert out["train_in_sample"]["not_neutral_recall"] == 1.0
    assert out["train_in_sample"]["neutral_positive_rate"] == 0.0
    h = out["heldout"]["held"]
    assert h["not_neutral_recall"] == 0.5 and h["neutral_positive_rate"] == 1.0
    assert h["groups_mostly_wrong"] == ["held: wave/greet_low", "held: wave/tired_wave"]

    cli = subprocess.run([sys.executable, str(RECIPE), "--train", str(tmp_path / "train.npz"), "--heldout",
                          str(tmp_path / "held.npz"), "--json"], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["heldout"]["held"] == h
