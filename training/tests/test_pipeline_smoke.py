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
    """Through the perception node's core: each tracked person is a clip `<video>_p<id>` at 30 FPS in image
    heights with confidences, labelled and described per video; unreadable files are reported; a second run
    reads the cache."""
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "jump.mp4").symlink_to(DEMO_VIDEO)
    (videos / "broken.mp4").write_bytes(b"not a video")
    (tmp_path / "labels.csv").write_text("file,label,framing\njump.mp4,greeting,full\n")
    report = extract(videos, tmp_path / "out.npz", tmp_path / "labels.csv", progress=False)
    assert report == {"done": ["jump"], "no_person": [], "unreadable": ["broken"]}
    data = dict(np.load(tmp_path / "out.npz"))
    assert data and all(name.startswith("jump_p") for name in data)
    name, clip = max(data.items(), key=lambda kv: len(kv[1]))
    # The 230-frame 30 FPS clip: the person tracked longest is in most of it, confirmed after 3 frames.
    assert clip.ndim == 3 and clip.shape[1:] == (17, 3) and 150 <= len(clip) <= 228
    # In image heights (square pixels): the 640x360 clip's x runs to 16/9, y to 1 (a person may leave the frame).
    assert clip[..., :2].min() >= -0.2 and clip[..., 1].max() <= 1.2
    _assert_image_heights(clip, json.loads((tmp_path / "out.meta.json").read_text())["clips"][name]["start_s"])
    outside = (clip[..., 0] < 0) | (clip[..., 0] > 16 / 9) | (clip[..., 1] < 0) | (clip[..., 1] > 1)
    assert (clip[..., 2][outside] == 0).all(), "a keypoint outside the image is unseen"
    assert (clip[:, :, 2].max(axis=1) > 0.5).mean() > 0.8
    labels = dict(line.split(",") for line in (tmp_path / "out.labels.csv").read_text().splitlines()[1:])
    assert labels == dict.fromkeys(data, "happy to see you"), "greeting: label_map.VIDEO_LABELS"
    meta = json.loads((tmp_path / "out.meta.json").read_text())["clips"][name]
    assert meta["video"] == "jump" and meta["framing"] == "full" and meta["person"] == name
    assert meta["source_fps"] == 30.0 and (meta["image_width"], meta["image_height"]) == (640, 360)
    again = extract(videos, tmp_path / "out.npz", tmp_path / "labels.csv", progress=False)
    assert again["done"] == ["jump"] and dict(np.load(tmp_path / "out.npz")).keys() == data.keys()


def _assert_image_heights(clip: np.ndarray, start_s: float) -> None:
    """x and y divided by the image height: on a crop of the frame around the clip's keypoints read as pixels /
    360, a fresh single-image pose finds those shoulders there (read as pixels / 640, the crop would miss them)."""
    from nvhai_perception.frame_source import FrameSource
    from nvhai_perception.pose_estimator import PoseEstimator

    k = 60
    frame = next(f for f in FrameSource(DEMO_VIDEO) if abs(f.t - (start_s + k / 30)) < 0.5 / 30)
    px = clip[k, :, :2] * 360
    (x0, y0), (x1, y1) = px.min(0), px.max(0)
    side = 1.5 * max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = int(max(cx - side / 2, 0)), int(max(cy - side / 2, 0))
    crop = np.ascontiguousarray(frame.rgb[top:int(cy + side / 2), left:int(cx + side / 2)])
    with PoseEstimator(static_image_mode=True, model_complexity=1) as estimator:
        people = estimator.estimate(crop)
    assert people, "nobody on the crop around the clip's keypoints read as pixels / 360"
    shoulders = people[0].xy[5:7] + [left, top]
    np.testing.assert_allclose(shoulders / 360, clip[k, 5:7, :2], atol=0.05)


def test_extract_resamples_a_10_fps_video_to_30_fps(tmp_path):
    """A camera at 10 FPS gives the datasets' 30 FPS through the live window's interpolation, and a clip's
    time span is the video's."""
    import cv2

    videos = tmp_path / "videos"
    videos.mkdir()
    source = cv2.VideoCapture(str(DEMO_VIDEO))
    writer = cv2.VideoWriter(str(videos / "slow.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (640, 360))
    for i in range(200):
        ok, frame = source.read()
        if not ok:
            break
        if i % 3 == 0:
            writer.write(frame)
    writer.release()
    extract(videos, tmp_path / "out.npz", progress=False)
    data = dict(np.load(tmp_path / "out.npz"))
    meta = json.loads((tmp_path / "out.meta.json").read_text())["clips"]
    name, clip = max(data.items(), key=lambda kv: len(kv[1]))
    assert meta[name]["source_fps"] == 10.0
    assert len(clip) > 100, "about 6 s of a 10 FPS video at 30 FPS"
    # Between two 10 FPS samples the positions run straight: the middle frame halfway between its neighbours.
    steady = clip[3:-3:3, :, :2], clip[4:-2:3, :, :2], clip[5:-1:3, :, :2]
    np.testing.assert_allclose(steady[1] - steady[0], steady[2] - steady[1], atol=1e-4)
