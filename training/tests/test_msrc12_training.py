"""MSRC-12-style clips through label -> train: windows labelled by gesture id reach the cross-entropy
(the emotion head learns them), and an unlabeled clip trains the forecast only (the head never moves)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from nvhai_predictor.contract import EMOTION_LABELS
from nvhai_training.cli import main
from nvhai_training.keypoint_dataset import load_labels, save_clips
from nvhai_training.models import build_model
from nvhai_training.procedural import generate
from nvhai_training.train import load_checkpoint


def _clips(tmp_path: Path, with_metadata: bool) -> Path:
    """Four people x two gestures: G1 clips move like procedural 'enthusiastic', G2 like 'neutral'."""
    samples, labels = generate(64, frames=90, seed=11)
    keen = samples[labels == EMOTION_LABELS.index("enthusiastic")]
    calm = samples[labels == EMOTION_LABELS.index("neutral")]
    clips, meta = {}, {}
    for s in range(4):
        for g, pool in ((1, keen), (2, calm)):
            name = f"msrc12_s{s + 1:02d}_g{g:02d}_P1_1"
            clips[name] = np.concatenate([pool[(s * 3 + k) % len(pool)] for k in range(3)])  # 270 frames
            meta[name] = {"dataset": "MSRC-12", "subject": f"s{s + 1:02d}", "gesture_id": g}
    save_clips(tmp_path / "raw.npz", clips)
    if with_metadata:
        (tmp_path / "raw.meta.json").write_text(json.dumps({"clips": meta}))
    return tmp_path / "raw.npz"


def _train(tmp_path: Path, data: Path, out: str) -> torch.nn.Module:
    assert main(["train", "--arch", "residual_mlp", "--train", str(data), "--epochs", "4", "--stride", "4",
                 "--batch-size", "32", "--optimizer", "adamw", "--velocity-loss", "1", "--input-noise", "0.005",
                 "--x-scale-augment", "0.2", "--seed", "1", "--threads", "1", "--out", str(tmp_path / out)]) == 0
    return load_checkpoint(tmp_path / out / "model.pt")[0]


def test_gesture_labels_reach_the_emotion_head(tmp_path, capsys):
    assert main(["label", "--keypoints", str(_clips(tmp_path, True)), "--out", str(tmp_path / "lab.npz")]) == 0
    assert set(load_labels(tmp_path / "lab.npz").values()) == {"enthusiastic", "neutral"}
    _train(tmp_path, tmp_path / "lab.npz", "run")
    assert main(["export", "--checkpoint", str(tmp_path / "run" / "model.pt"), "--out", str(tmp_path / "m.onnx")]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--model", str(tmp_path / "m.onnx"), "--keypoints", str(tmp_path / "lab.npz"),
                 "--stride", "10", "--group-by", "person", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["groups"]) == {f"msrc12_s0{s}" for s in range(1, 5)}
    assert result["model_metrics"]["accuracy"] > 0.8, "the labelled windows were learnt from"


def test_an_unlabeled_clip_trains_the_forecast_only(tmp_path):
    assert main(["label", "--keypoints", str(_clips(tmp_path, False)), "--out", str(tmp_path / "lab.npz")]) == 0
    assert load_labels(tmp_path / "lab.npz") == {}  # no metadata: no gesture id, no label
    model = _train(tmp_path, tmp_path / "lab.npz", "run")
    torch.manual_seed(1)  # train() seeds torch with --seed before it builds the model: the same initial weights
    init = build_model("residual_mlp")
    for (name, value), start in zip(model.classification_head.named_parameters(),
                                    init.classification_head.parameters(), strict=True):
        torch.testing.assert_close(value, start, msg=f"the emotion head's {name} moved without a label")
    moved = sum(float((a - b).abs().sum()) for a, b in zip(model.pose_mlp.parameters(), init.pose_mlp.parameters(),
                                                             strict=True))
    assert moved > 0, "the forecast did train"
