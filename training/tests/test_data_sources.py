"""Procedural, BVH and HumanML3D sources produce plausible COCO-17 motion; splits never leak."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nvhai_common.coco17 import INDEX
from nvhai_training.bvh import bvh_to_coco3d, forward_kinematics, parse_bvh
from nvhai_training.camera import face_forward, random_view
from nvhai_training.humanml3d import smpl22_to_coco3d
from nvhai_training.keypoint_dataset import UNLABELED, load_clips, load_labels, make_windows, save_clips
from nvhai_training.procedural import generate
from nvhai_training.protocol import split_by_group

CMU_BVH = Path(__file__).resolve().parents[3] / "shared" / "data" / "cmu_mocap" / "bvh" / "001_01.bvh"


def upright_fraction(clip: np.ndarray) -> float:
    """Frames where nose is above shoulders, shoulders above hips, hips above ankles (y down)."""
    y = clip[..., 1]
    ok = (y[:, INDEX["nose"]] < y[:, [5, 6]].min(1)) & (y[:, [5, 6]].max(1) < y[:, [11, 12]].min(1)) \
        & (y[:, [11, 12]].max(1) < y[:, [15, 16]].min(1))
    return float(ok.mean())


def test_procedural_samples_are_labelled_balanced_and_upright():
    x, labels = generate(300, seed=3)
    assert x.shape == (300, 90, 17, 2) and np.isfinite(x).all()
    assert np.bincount(labels).tolist() == [75, 75, 75, 75]  # the paper's three and neutral
    assert np.mean([upright_fraction(c) for c in x]) > 0.9
    assert 0.0 < np.median(x) < 1.0, "image-normalised coordinates"
    again, labels_again = generate(300, seed=3)
    np.testing.assert_array_equal(again, x)
    np.testing.assert_array_equal(labels_again, labels)


def test_procedural_emotions_move_differently():
    """Enthusiastic raises the wrists above the head; laughing and neutral do not; neutral moves least."""
    x, labels = generate(300, seed=4, noise=(0.0, 0.0))
    wrist_above = (x[:, 60:, [9, 10], 1].min(2) < x[:, 60:, 0, 1]).mean(1)
    assert wrist_above[labels == 0].mean() > 0.6
    assert wrist_above[labels == 1].mean() < 0.2
    assert wrist_above[labels == 3].mean() < 0.1
    wrist_speed = np.abs(np.diff(x[:, 45:, [9, 10]], axis=1)).mean(axis=(1, 2, 3))
    assert all(wrist_speed[labels == 3].mean() < wrist_speed[labels == k].mean() for k in (0, 1, 2))


BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
  JOINT Spine
  {
    OFFSET 0 10 0
    CHANNELS 3 Zrotation Yrotation Xrotation
    End Site
    {
      OFFSET 0 5 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.5
1 2 3 0 0 0 0 0 0
0 0 0 90 0 0 0 0 0
"""


def test_bvh_forward_kinematics():
    motion = parse_bvh(BVH)
    assert [j.name for j in motion.joints] == ["Hips", "Spine", "Spine_end"] and motion.frame_time == 0.5
    world = forward_kinematics(motion)
    np.testing.assert_allclose(world[0], [[1, 2, 3], [1, 12, 3], [1, 17, 3]], atol=1e-9)
    np.testing.assert_allclose(world[1], [[0, 0, 0], [-10, 0, 0], [-15, 0, 0]], atol=1e-9)  # 90 deg about z


@pytest.mark.skipif(not CMU_BVH.exists(), reason="../shared/data not beside the repo")
def test_cmu_bvh_to_coco_views():
    motion = bvh_to_coco3d(CMU_BVH.read_text())
    assert motion.shape == (688, 17, 3)  # 60 FPS file at 30 FPS
    view = random_view(face_forward(motion), np.random.default_rng(0))
    assert upright_fraction(view) > 0.9
    assert view[0, INDEX["left_shoulder"], 0] > view[0, INDEX["right_shoulder"], 0], "facing the camera"


def test_humanml3d_joints_to_coco():
    # A T-pose-ish SMPL skeleton, facing +z, standing still for 2 s at 20 FPS.
    joints = np.zeros((40, 22, 3))
    layout = {0: (0, 1.0, 0), 1: (0.1, 0.95, 0), 2: (-0.1, 0.95, 0), 4: (0.1, 0.5, 0), 5: (-0.1, 0.5, 0),
              7: (0.1, 0.08, 0), 8: (-0.1, 0.08, 0), 12: (0, 1.5, 0), 15: (0, 1.7, 0), 16: (0.18, 1.45, 0),
              17: (-0.18, 1.45, 0), 18: (0.45, 1.45, 0), 19: (-0.45, 1.45, 0), 20: (0.7, 1.45, 0),
              21: (-0.7, 1.45, 0)}
    for j, p in layout.items():
        joints[:, j] = p
    coco = smpl22_to_coco3d(joints)
    assert coco.shape == (59, 17, 3)  # 40 frames at 20 FPS -> 1.95 s at 30 FPS
    nose = coco[0, INDEX["nose"]]
    assert nose[2] > 0.05 and abs(nose[0]) < 1e-6, "the nose sticks out forward (+z) on the midline"
    assert coco[0, INDEX["left_ear"], 0] > 0 > coco[0, INDEX["right_ear"], 0]
    np.testing.assert_allclose(coco[0, INDEX["left_wrist"]], layout[20])
    with pytest.raises(ValueError, match="22, 3"):
        smpl22_to_coco3d(np.zeros((10, 24, 3)))


def test_split_by_clip_never_shares_a_clip():
    names = [f"c{i}" for i in range(20)]
    train, test = split_by_group(names, "clip", test_fraction=0.25, seed=1)
    assert len(test) == 5 and not set(train) & set(test) and sorted(train + test) == sorted(names)
    assert split_by_group(names, "clip", test_fraction=0.25, seed=1) == (train, test)


def test_format_round_trip_and_masked_labels(tmp_path):
    rng = np.random.default_rng(0)
    clips = {"a": rng.random((100, 17, 2)), "b": rng.random((95, 17, 3)), "short": rng.random((50, 17, 2))}
    save_clips(tmp_path / "k.npz", clips, {"a": "laughing"})
    loaded = load_clips(tmp_path / "k.npz")
    assert set(loaded) == set(clips) and loaded["b"].shape == (95, 17, 3)
    assert load_labels(tmp_path / "k.npz") == {"a": "laughing"}
    w = make_windows(loaded, load_labels(tmp_path / "k.npz"), stride=1)
    assert len(w) == (100 - 89) + (95 - 89)  # 'short' gives none
    assert set(w.labels[w.clip_index == 0]) == {1} and set(w.labels[w.clip_index == 1]) == {UNLABELED}
    np.testing.assert_allclose(w.inputs.mean(axis=2), 0, atol=1e-6)
    with pytest.raises(ValueError, match="expected"):
        save_clips(tmp_path / "bad.npz", {"x": np.zeros((10, 16, 2))})
        load_clips(tmp_path / "bad.npz")
