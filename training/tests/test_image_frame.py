"""Square pixels: every training pose has the proportions a live camera gives it (keypoints in pixels,
scaled alike on both axes), whether it was rendered per axis at 640x480 or projected here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_bad_input import refused, usage_error

from nvhai_training.bvh import bvh_to_coco3d
from nvhai_training.camera import CameraRange, face_forward, look_at, project, random_view
from nvhai_training.cli import main
from nvhai_training.keypoint_dataset import X_SCALE, load_clips, load_metadata, save_clips

CMU = Path(__file__).resolve().parents[3] / "shared" / "data" / "cmu_mocap"


def _shoulders_over_torso(clip: np.ndarray) -> float:
    """Median over frames of shoulder width (in x) / torso length: 4/3 apart between square and per-axis frames."""
    width = np.abs(clip[:, 5, 0] - clip[:, 6, 0])
    torso = np.linalg.norm((clip[:, 5] + clip[:, 6]) / 2 - (clip[:, 11] + clip[:, 12]) / 2, axis=-1)
    return float(np.median(width / torso))


def test_projection_keeps_a_frontal_body_in_proportion():
    # A 0.4 m x 1.0 m rectangle facing the camera from 4 m: its image is 0.4 as wide as high, at any aspect.
    corners = np.array([[-0.2, 0.0, 0.0], [0.2, 0.0, 0.0], [-0.2, 1.0, 0.0], [0.2, 1.0, 0.0]])
    eye = np.array([0.0, 0.5, 4.0])
    for aspect in (4 / 3, 16 / 9, 1.0):
        uv = project(corners, look_at(eye, np.array([0.0, 0.5, 0.0])), eye, 1.1, aspect)
        width, height = np.ptp(uv[:, 0]), np.ptp(uv[:, 1])
        assert width / height == pytest.approx(0.4, rel=0.01), aspect
        assert uv[:, 0].mean() == pytest.approx(aspect / 2) and uv[:, 1].mean() == pytest.approx(0.5, abs=0.01)


def test_label_image_aspect_widens_x_once(tmp_path, capsys):
    rng = np.random.default_rng(0)
    clips = {"bandai2_wave-both-hands-active-001": rng.random((40, 17, 2)).astype(np.float32)}
    meta = {"bandai2_wave-both-hands-active-001": {"dataset": "bandai2", "content": "wave-both-hands",
                                                   "style": "active"}}
    save_clips(tmp_path / "raw.npz", clips, metadata=meta)
    assert main(["label", "--keypoints", str(tmp_path / "raw.npz"), "--image-aspect", "4/3",
                 "--out", str(tmp_path / "sq.npz")]) == 0
    out, out_meta = load_clips(tmp_path / "sq.npz"), load_metadata(tmp_path / "sq.npz")
    name = next(iter(clips))
    np.testing.assert_allclose(out[name][..., 0], clips[name][..., 0] * 4 / 3, rtol=1e-6)
    np.testing.assert_array_equal(out[name][..., 1], clips[name][..., 1])
    assert out_meta[name][X_SCALE] == pytest.approx(4 / 3) and out_meta[name]["content"] == "wave-both-hands"
    # Converting the converted file again would make every pose too wide: refused, naming the clip.
    refused(capsys, ["label", "--keypoints", str(tmp_path / "sq.npz"), "--image-aspect", "4/3",
                     "--out", str(tmp_path / "twice.npz")], name, "square pixels")
    for bad in ("0", "4/0", "wide", "40"):
        usage_error(capsys, ["label", "--keypoints", str(tmp_path / "raw.npz"), "--image-aspect", bad,
                         "--out", str(tmp_path / "x.npz")], "--image-aspect")
    # Without the option a file is taken as square already and left alone.
    assert main(["label", "--keypoints", str(tmp_path / "raw.npz"), "--out", str(tmp_path / "same.npz")]) == 0
    np.testing.assert_array_equal(load_clips(tmp_path / "same.npz")[name], clips[name])


@pytest.mark.skipif(not (CMU / "bvh").is_dir(), reason="../shared/data/cmu_mocap not beside the repo")
def test_cmu_file_is_square_like_our_projection_of_its_takes():
    """The CMU file's camera is not documented: the frontal takes' shoulder width / torso matches the same
    BVH takes projected here in square pixels (it would be 3/4 of it had the file been normalised per axis)."""
    clips = load_clips(CMU / "cmu_coco17_30fps_train.npz")
    frontal = CameraRange(yaw_deg=(0.0, 0.0))
    ratios = []
    for take in ("001_01", "002_02", "005_02", "005_14"):
        view = random_view(face_forward(bvh_to_coco3d((CMU / "bvh" / f"{take}.bvh").read_text())),
                           np.random.default_rng(0), frontal)
        n = min(len(view), len(clips[take]))
        ratios.append(_shoulders_over_torso(clips[take][:n]) / _shoulders_over_torso(view[:n]))
    assert np.median(ratios) == pytest.approx(1.0, abs=0.04), ratios
