"""Held-out protocol and labels: splits never leak a group into training, the mapping table is
applied as documented, and `evaluate` reports per-group and emotion figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nvhai_training.cli import main
from nvhai_training.keypoint_dataset import load_clips, load_labels, load_metadata, save_clips
from nvhai_training.label_map import bandai_label, cmu_label
from nvhai_training.protocol import group_of

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
CMU = SHARED / "cmu_mocap" / "cmu_coco17_30fps_train.npz"
BANDAI_META = SHARED / "bandai_namco" / "bandai_coco17_30fps_meta.json"


def _walker(frames: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(frames)[:, None, None] / 30
    base = rng.uniform(0.3, 0.7, (1, 17, 2))
    return (base + 0.03 * np.sin(2 * np.pi * rng.uniform(0.5, 1.5) * t + rng.uniform(0, 6, (1, 17, 2))))


@pytest.fixture
def mixed(tmp_path) -> Path:
    """CMU-like and Bandai-like clips with metadata, like the real files."""
    clips, meta = {}, {}
    for s in ("001", "002", "005"):
        for k in range(2):
            clips[f"{s}_{k:02d}"] = _walker(120, int(s) * 10 + k)
    for i, (content, style) in enumerate([("walk", "tired"), ("wave-right-hand", "active"),
                                          ("raise-up-both-hands", "youthful"), ("wave-left-hand", "exhausted")]):
        name = f"bandai2_{content}-{style}-{i:03d}"
        clips[name] = _walker(100, 100 + i)
        meta[name] = {"dataset": 2, "content": content, "style": style}
    (tmp_path / "raw_meta.json").write_text(json.dumps({"license": "test", "clips": meta}))
    save_clips(tmp_path / "raw.npz", clips)
    return tmp_path / "raw.npz"


def test_groups_are_subjects_datasets_and_metadata_fields():
    meta = {"bandai2_walk-active-001": {"dataset": 2, "content": "walk", "style": "active"}}
    assert group_of("002_05", "prefix") == "002"
    assert group_of("002_05_v3", "prefix") == "002"  # BVH views keep their subject
    assert group_of("bandai2_walk-active-001", "prefix", meta) == "bandai2"
    assert group_of("bandai2_walk-active-001", "content", meta) == "walk"
    assert group_of("002_05", "content", meta) == "002"  # no such field: falls back to the prefix
    assert group_of("002_05", "clip") == "002_05"


@pytest.mark.skipif(not CMU.exists(), reason=f"{CMU} not found (../shared beside the checkout)")
@pytest.mark.parametrize("subject", ["001", "002", "003", "005"])
def test_leave_one_subject_out_never_leaks_the_subject(tmp_path, subject):
    assert main(["split", "--keypoints", str(CMU), "--by", "prefix", "--test-groups", subject,
                 "--out-train", str(tmp_path / "tr.npz"), "--out-test", str(tmp_path / "te.npz")]) == 0
    train, test = load_clips(tmp_path / "tr.npz"), load_clips(tmp_path / "te.npz")
    assert test and all(name.startswith(subject + "_") for name in test)
    assert not any(name.startswith(subject + "_") for name in train)
    assert len(train) + len(test) == len(load_clips(CMU))


def test_content_split_and_labels_follow_the_clips(mixed, tmp_path):
    assert main(["label", "--keypoints", str(mixed), "--out", str(tmp_path / "lab.npz")]) == 0
    assert main(["split", "--keypoints", str(tmp_path / "lab.npz"), "--by", "content", "--test-groups", "walk",
                 "wave-left-hand", "--out-train", str(tmp_path / "tr.npz"), "--out-test", str(tmp_path / "te.npz")]) == 0
    test_meta, train_meta = load_metadata(tmp_path / "te.npz"), load_metadata(tmp_path / "tr.npz")
    assert {m["content"] for m in test_meta.values()} == {"walk", "wave-left-hand"}
    assert not {m["content"] for m in train_meta.values()} & {"walk", "wave-left-hand"}
    # CMU clips have no content: grouped by subject, none of which was named, so all train.
    assert set(load_clips(tmp_path / "tr.npz")) >= {"001_00", "002_01", "005_00"}
    assert load_labels(tmp_path / "te.npz") == {"bandai2_walk-tired-000": "neutral",
                                                "bandai2_wave-left-hand-exhausted-003": "neutral"}
    assert main(["split", "--keypoints", str(tmp_path / "lab.npz"), "--by", "content", "--test-groups", "dance",
                 "--out-train", str(tmp_path / "a.npz"), "--out-test", str(tmp_path / "b.npz")]) == 1


def test_mapping_table_as_documented(mixed, tmp_path):
    assert bandai_label("wave-right-hand", "active") == "happy to see you"
    assert bandai_label("byebye", "happy") == "happy to see you"
    assert bandai_label("raise-up-both-hands", "youthful") == "enthusiastic"
    assert bandai_label("raise-up-both-hands", "normal") is None  # could be a stretch: left unlabeled
    assert bandai_label("raise-up-both-hands", "exhausted") == "neutral"
    assert bandai_label("bye", "angry") is None
    for style in ("active", "normal", "tired", "angry"):
        assert bandai_label("walk-turn-left", style) == "neutral" and bandai_label("run", style) == "neutral"
    assert bandai_label("kick", "masculinity") is None
    assert cmu_label("002_01") == "neutral" and cmu_label("003_02") == "neutral"
    assert cmu_label("005_11") is None and cmu_label("099_01") is None
    assert main(["label", "--keypoints", str(mixed), "--out", str(tmp_path / "lab.npz")]) == 0
    labels = load_labels(tmp_path / "lab.npz")
    assert labels["bandai2_wave-right-hand-active-001"] == "happy to see you"
    assert labels["bandai2_raise-up-both-hands-youthful-002"] == "enthusiastic"
    assert labels["001_00"] == "neutral" and "005_00" not in labels


@pytest.mark.skipif(not BANDAI_META.exists(), reason=f"{BANDAI_META} not found")
def test_every_bandai_clip_has_a_table_entry():
    clips = json.loads(BANDAI_META.read_text())["clips"]
    labels = {name: bandai_label(m["content"], m["style"]) for name, m in clips.items()}
    assert {lab for lab in labels.values() if lab} == {"neutral", "happy to see you", "enthusiastic"}
    walks = [lab for name, lab in labels.items() if clips[name]["content"].startswith("walk")]
    assert walks and set(walks) == {"neutral"}


def test_evaluate_reports_groups_and_emotion_figures(mixed, tmp_path, capsys):
    assert main(["label", "--keypoints", str(mixed), "--out", str(tmp_path / "lab.npz")]) == 0
    assert main(["train", "--train", str(tmp_path / "lab.npz"), "--epochs", "1", "--stride", "4",
                 "--out", str(tmp_path / "run")]) == 0
    assert main(["export", "--checkpoint", str(tmp_path / "run" / "model.pt"), "--out", str(tmp_path / "m.onnx")]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--model", str(tmp_path / "m.onnx"), "--keypoints", str(tmp_path / "lab.npz"),
                 "--stride", "5", "--group-by", "prefix", "--plot", str(tmp_path / "groups.png"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["labels"] == ["enthusiastic", "laughing", "happy to see you", "neutral"]
    assert set(result["groups"]) == {"001", "002", "005", "bandai2"}
    windows = 0
    for block in result["groups"].values():
        assert {"windows", "model_metrics", "zero_velocity", "constant_velocity", "improvement_vs_zero_velocity",
                "emotion_distribution", "positive_rate"} <= set(block)
        assert set(block["model_metrics"]) >= {"mae", "mae_5", "mae_10", "mae_20", "mae_30"}
        windows += block["windows"]
    assert windows == result["windows"]
    assert abs(sum(result["emotion_distribution"].values()) - 1) < 1e-6 and 0 <= result["positive_rate"] <= 1
    confusion = np.array(result["emotion"]["confusion"])
    assert confusion.shape == (4, 4) and 0 < confusion.sum() <= result["windows"]  # labelled windows only
    assert (tmp_path / "groups.png").stat().st_size > 5000 and (tmp_path / "groups_confusion.png").stat().st_size > 5000


def test_non_finite_data_and_zero_windows_are_refused(tmp_path, capsys):
    clip = _walker(120, 1)
    clip[50, 3] = np.nan
    save_clips(tmp_path / "nan.npz", {"a": clip, "b": _walker(120, 2)})
    save_clips(tmp_path / "short.npz", {"a": _walker(80, 1)})
    capsys.readouterr()
    assert main(["train", "--train", str(tmp_path / "nan.npz"), "--epochs", "1", "--out", str(tmp_path / "r")]) == 1
    assert "NaN/inf" in capsys.readouterr().err
    assert not (tmp_path / "r" / "model.pt").exists()
    assert main(["train", "--train", str(tmp_path / "short.npz"), "--epochs", "1", "--out", str(tmp_path / "r")]) == 1
    assert "0 windows" in capsys.readouterr().err
