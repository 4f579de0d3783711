"""CI smoke of the offline pipeline through its CLI: data -> train -> export -> evaluate (seconds).

Also: extraction from a real video, masked CE on unlabeled data, and the plots.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from nvhai_training.cli import main
from nvhai_training.extract import extract

REPO = Path(__file__).resolve().parents[2]
CMU = REPO.parent / "shared" / "data" / "cmu_mocap" / "cmu_coco17_30fps_train.npz"
DEMO_VIDEO = REPO / "src" / "nvhai_bringup" / "nvhai_bringup" / "media" / "sports2d_demo_640x360.mp4"


def test_tiny_train_export_evaluate(tmp_path, capsys):
    assert main(["synth", "--count", "240", "--out", str(tmp_path / "synth.npz")]) == 0
    assert main(["synth", "--count", "60", "--seed", "5", "--out", str(tmp_path / "synth_test.npz")]) == 0
    train = [str(tmp_path / "synth.npz")]
    if CMU.exists():
        assert main(["split", "--keypoints", str(CMU), "--test-fraction", "0.2",
                     "--out-train", str(tmp_path / "real_train.npz"), "--out-test", str(tmp_path / "real_test.npz")]) == 0
        train.append(str(tmp_path / "real_train.npz"))
    share = ["--time-warp-share", "*real_train.npz=0.2"] if CMU.exists() else []
    assert main(["train", "--arch", "residual_dct", "--train", *train, "--stride", "8", "--test",
                 str(tmp_path / "synth_test.npz"), "--epochs", "2", "--eval-every", "1", "--time-warp", "0.5",
                 "--time-warp-skip", "*synth.npz", *share, "--out", str(tmp_path / "run")]) == 0
    config = json.loads(torch.load(tmp_path / "run" / "model.pt", weights_only=False)["config"])
    assert config["time_warp"] == 0.5 and config["time_warp_skip"] == ["*synth.npz"]
    assert config["time_warp_share"] == ([["*real_train.npz", 0.2]] if CMU.exists() else [])
    log = (tmp_path / "run" / "log.csv").read_text().splitlines()
    assert log[0].startswith("epoch,train_loss,mae") and len(log) == 3
    assert main(["export", "--checkpoint", str(tmp_path / "run" / "model.pt"), "--name", "smoke",
                 "--out", str(tmp_path / "m.onnx")]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--model", str(tmp_path / "m.onnx"), "--keypoints", str(tmp_path / "synth_test.npz"),
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == "smoke" and result["windows"] == 60
    for key in ("model_metrics", "zero_velocity", "constant_velocity"):
        assert set(result[key]) >= {"mae", "mae_5", "mae_10", "mae_20", "mae_30"}
    assert 0 <= result["model_metrics"]["accuracy"] <= 1
    assert main(["plot", "--log", f"smoke={tmp_path / 'run' / 'log.csv'}", "--out", str(tmp_path / "c.png")]) == 0
    assert (tmp_path / "c.png").stat().st_size > 5000


def test_unlabeled_data_still_trains_the_forecaster(tmp_path):
    rng = np.random.default_rng(0)
    t = np.arange(200)[:, None, None] / 30
    clips = {f"c{i}": 0.5 + 0.1 * np.sin(2 * np.pi * (0.5 + 0.2 * i) * t + rng.random((1, 17, 2)) * 6)
             * rng.random((1, 17, 2)) for i in range(6)}
    from nvhai_training.keypoint_dataset import save_clips

    save_clips(tmp_path / "u.npz", clips)
    assert main(["train", "--train", str(tmp_path / "u.npz"), "--test", str(tmp_path / "u.npz"), "--epochs", "3",
                 "--eval-every", "3", "--stride", "2", "--out", str(tmp_path / "r")]) == 0
    last = (tmp_path / "r" / "log.csv").read_text().splitlines()[-1].split(",")
    mae, zero_velocity, accuracy = float(last[2]), float(last[7]), last[8]
    assert mae < zero_velocity and accuracy == "", "no labels: no accuracy, but the forecast learns"


def test_extract_a_real_video_resumably(tmp_path):
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "jump.mp4").symlink_to(DEMO_VIDEO)
    (videos / "broken.mp4").write_bytes(b"not a video")
    (tmp_path / "labels.csv").write_text("clip,emotion\njump.mp4,enthusiastic\n")
    report = extract(videos, tmp_path / "out.npz", tmp_path / "labels.csv", progress=False)
    assert report == {"done": ["jump"], "no_person": [], "unreadable": ["broken"]}
    data = np.load(tmp_path / "out.npz")
    clip = data["jump"]
    # In image heights (square pixels): the 640x360 clip's x runs to 16/9, y to 1 (a person may leave the frame).
    assert clip.shape == (230, 17, 3) and clip[..., :2].min() >= -0.2 and clip[..., 1].max() <= 1.2
    assert 1.2 < clip[..., 0].max() <= 16 / 9 + 0.2, "x divided by the height, not the width"
    assert (clip[:, :, 2].max(axis=1) > 0.5).mean() > 0.8
    assert (tmp_path / "out.labels.csv").read_text().splitlines()[1] == "jump,enthusiastic"
    cached = sorted(p.name for p in (tmp_path / "out.npz.cache").iterdir())
    assert "jump.npy" in cached
    again = extract(videos, tmp_path / "out.npz", tmp_path / "labels.csv", progress=False)
    assert again["done"] == ["jump"]
