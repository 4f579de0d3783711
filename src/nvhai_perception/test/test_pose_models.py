"""The pose models by model_complexity: installed at set-up (never downloaded at run time), one clear
error naming the file and the set-up step when one is missing, and real MediaPipe with each model."""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest
from rclpy.parameter import Parameter
from real_media import DEMO_VIDEO, assert_box_person_and_walker_keep_their_ids, demo_video_frames, grace_hopper_rgb
from ros_harness import ros_context

from nvhai_common.coco17 import INDEX, SHOULDERS
from nvhai_perception import pose_models
from nvhai_perception.multi_pose_estimator import MultiPoseEstimator
from nvhai_perception.pipeline import KeypointPipeline, PipelineConfig
from nvhai_perception.pose_estimator import PoseEstimator
from nvhai_perception.pose_models import MODELS, PoseModelNotInstalled, require_landmark_model
from nvhai_perception.roi_pose_estimator import RoiPoseEstimator

SHARED_LITE = Path(__file__).resolve().parents[3] / ".." / "shared" / "models" / "pose_landmark_lite.tflite"


@pytest.fixture
def empty_mediapipe(tmp_path, monkeypatch):
    """MediaPipe's package folder as a fresh install without the lite and heavy models would have it;
    MediaPipe's own Pose solution must never be reached (it would download the missing model)."""
    import mediapipe as mp

    def never(*args, **kwargs):
        raise AssertionError("MediaPipe was asked for a model that is not installed")

    monkeypatch.setattr(pose_models, "mediapipe_root", lambda: tmp_path)
    monkeypatch.setattr(mp.solutions.pose, "Pose", never)
    monkeypatch.setattr(pose_models, "_verified", set())
    return tmp_path


def test_every_model_is_installed_where_mediapipe_looks_and_matches_its_pin():
    for complexity, m in MODELS.items():
        path = require_landmark_model(complexity)
        assert path.name == m.file and path.parent.name == "pose_landmark"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == m.sha256


@pytest.mark.parametrize("make", [
    lambda: PoseEstimator(model_complexity=0),
    lambda: RoiPoseEstimator(max_people=2, model_complexity=2),
    lambda: KeypointPipeline(PipelineConfig(max_people=2, multi_person="landmarker", model_complexity=0)),
], ids=["single", "roi", "landmarker"])
def test_a_missing_model_is_one_clear_error_before_mediapipe_is_asked(empty_mediapipe, make):
    with pytest.raises(PoseModelNotInstalled) as error:
        make()
    message = str(error.value)
    assert "pose_landmark_" in message and str(empty_mediapipe) in message and "scripts/setup.sh" in message


def test_a_model_that_is_not_the_pinned_file_is_refused(empty_mediapipe):
    path = empty_mediapipe / "modules" / "pose_landmark" / MODELS[0].file
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    with pytest.raises(PoseModelNotInstalled, match="not the pinned 'lite' model"):
        require_landmark_model(0)


def test_an_unknown_model_complexity_is_refused():
    with pytest.raises(ValueError, match=re.escape("model_complexity 3 is not one of 0 (lite), 1 (full), 2 (heavy)")):
        require_landmark_model(3)


def _tarball(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.skipif(not SHARED_LITE.exists(), reason="../shared/models/pose_landmark_lite.tflite not beside the clone")
def test_install_checks_the_tarball_and_each_file_against_their_pins(empty_mediapipe, tmp_path, monkeypatch):
    """The installer on a package laid out like npm's (the real lite bytes; the tarball's own pin
    stood in for): installed where MediaPipe looks; a wrong tarball or a tampered file installs nothing."""
    tgz = tmp_path / "pose.tgz"
    tgz.write_bytes(_tarball({"package/pose_landmark_lite.tflite": SHARED_LITE.read_bytes()}))
    with pytest.raises(ValueError, match=re.escape("is not @mediapipe/pose@0.5.1675469404")):
        pose_models.install(tgz, (0,))
    monkeypatch.setattr(pose_models, "NPM_TARBALL_SHA256", hashlib.sha256(tgz.read_bytes()).hexdigest())
    (installed,) = pose_models.install(tgz, (0,))
    assert installed == empty_mediapipe / "modules" / "pose_landmark" / "pose_landmark_lite.tflite"
    assert require_landmark_model(0) == installed
    installed.unlink()
    tgz.write_bytes(_tarball({"package/pose_landmark_lite.tflite": b"tampered"}))
    monkeypatch.setattr(pose_models, "NPM_TARBALL_SHA256", hashlib.sha256(tgz.read_bytes()).hexdigest())
    with pytest.raises(ValueError, match="does not match its pin"):
        pose_models.install(tgz, (0,))
    assert not installed.exists()


def test_the_node_fails_configure_with_the_error_when_its_model_is_missing(empty_mediapipe):
    from nvhai_perception.node import PerceptionNode

    with ros_context() as context:
        node = PerceptionNode(context=context, parameter_overrides=[Parameter("model_complexity", value=2)])
        try:
            assert not node.configured and not node.active and node.pipeline is None
            assert "pose_landmark_heavy.tflite" in node._config_error and "scripts/setup.sh" in node._config_error
        finally:
            node.destroy_node()


@pytest.mark.parametrize("complexity", [0, 1, 2])
@pytest.mark.parametrize("estimator", [PoseEstimator, MultiPoseEstimator])
def test_each_model_puts_the_portrait_keypoints_on_the_body(estimator, complexity):
    """The Pose solution and the Tasks PoseLandmarker (its .task bundle built with this model)."""
    with estimator(static_image_mode=True, model_complexity=complexity) as e:
        (person,) = e.estimate(grace_hopper_rgb())
    nose, shoulders = person.xy[INDEX["nose"]], person.xy[SHOULDERS]
    assert 150 < nose[0] < 360 and 120 < nose[1] < 330 and (shoulders[:, 1] > nose[1] + 100).all()
    assert person.xy[INDEX["left_shoulder"], 0] > nose[0] > person.xy[INDEX["right_shoulder"], 0]


@pytest.mark.skipif(not DEMO_VIDEO.exists(), reason="bundled demo video missing")
@pytest.mark.parametrize("complexity", [0, 1])
def test_both_people_keep_their_ids_with_each_model_and_the_default_mode(complexity):
    """max_people 2 with the default multi_person (roi) on the clip's frames 60-140, both people in view:
    both found and each keeps one id (frames 80-140 scored)."""
    config = PipelineConfig(max_people=2, smoothing=True, model_complexity=complexity)
    assert config.multi_person == "roi"
    pipeline = KeypointPipeline(config)
    seen = [pipeline.process(rgb, i / 30.0) for i, rgb in enumerate(demo_video_frames(60, 141))][20:]
    pipeline.close()
    assert_box_person_and_walker_keep_their_ids(seen, len(seen))
    assert np.mean([len(people) for people in seen]) >= 1.9
