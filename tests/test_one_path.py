"""One path from pixels to windows: `nvhai-train extract` gives the keypoints the perception node publishes, and a
person cut at the waist gives the predictor node the window that training and evaluation cut from the same
keypoints (the same completion of what the camera did not see, the same normalisation)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from rclpy.node import Node
from rclpy.parameter import Parameter
from real_media import DEMO_VIDEO
from ros_harness import make_executor, ros_context, spin_until, teardown
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from nvhai_common.ros_conversions import forecast_xy, msg_to_person, rgb_to_image, sec_to_stamp, stamp_to_sec
from nvhai_msgs.msg import BodyKeypoints, BodyKeypointsArray, MotionForecast
from nvhai_perception.frame_source import FrameSource
from nvhai_perception.node import PerceptionNode
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.node import PredictorNode
from nvhai_predictor.normalization import denormalize, normalize
from nvhai_predictor.visibility import complete
from nvhai_training.extract import ExtractConfig, video_people
from nvhai_training.keypoint_dataset import make_windows

CMU = Path(__file__).resolve().parents[2] / "shared" / "data" / "cmu_mocap" / "cmu_coco17_30fps_train.npz"
W, H = 640, 360


def _waist_up(frames: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """A CMU person (subject 001 at the playground) filmed from the waist up in a W x H image: (T, 17, 2) pixels
    where MediaPipe would put them (the legs guessed far below the frame) and (T, 17) confidences (legs unseen)."""
    if not CMU.exists():
        pytest.skip("../shared/data/cmu_mocap is not beside the repository")
    with np.load(CMU) as data:
        clip = data["001_01"][:frames].astype(np.float64)
    hips = clip[:, 11:13].mean(axis=(0, 1))
    body = (clip - hips) * 2.2 * H + [W / 2, 0.8 * H]  # hips at 80 % of the height: knees and ankles below it
    body[:, 15:, 1] += 0.8 * H  # MediaPipe's guesses for feet it cannot see, far below the frame
    conf = np.full(clip.shape[:2], 0.95)
    conf[:, 13:] = 0.05
    return body, conf


def _keypoints_msg(t: float, xy: np.ndarray, conf: np.ndarray) -> BodyKeypointsArray:
    header = Header(stamp=sec_to_stamp(t), frame_id="camera")
    person = BodyKeypoints(header=header, person_id=7, image_width=W, image_height=H, x=xy[:, 0].astype(np.float32),
                           y=xy[:, 1].astype(np.float32), confidence=conf.astype(np.float32), score=0.9)
    return BodyKeypointsArray(header=header, image_width=W, image_height=H, people=[person])


@contextmanager
def _graph(node_class: type, params: dict, publish: tuple[type, str], collect: tuple[type, str]) -> Iterator[tuple]:
    """A real node with `params`, a publisher to its input and the list its output is collected into."""
    with ros_context() as context:
        node = node_class(context=context, parameter_overrides=[Parameter(k, value=v) for k, v in params.items()])
        io = Node("one_path_io", context=context)
        pub = io.create_publisher(*publish, 100)
        got: list = []
        io.create_subscription(*collect, got.append, 100)
        executor = make_executor(context, node, io)
        try:
            assert spin_until(executor, lambda: pub.get_subscription_count() > 0)
            yield executor, pub, got
        finally:
            teardown(executor, node, io)


def test_a_waist_up_person_gives_the_node_the_window_training_and_evaluation_see():
    xy, conf = _waist_up()
    assert (xy[:, 15:, 1] > 1.5 * H).any(), "the guessed ankles lie far below the frame, as in camera footage"
    last = 89  # the window of frames 30..89, with 30 frames after it in the clip
    # Training and evaluation: the clip in image heights with its confidences, cut into windows.
    clip = np.concatenate([xy / H, conf[..., None]], axis=-1).astype(np.float32)
    windows = make_windows({"waist_up": clip}, t_in=60, t_out=30)
    offline_input = windows.inputs[last - 59]
    # What the node must then publish: the model's forecast of that window, placed at the completed last frame.
    px = complete(xy[last - 59:last + 1], (conf[last - 59:last + 1] >= 0.3) & (xy[last - 59:last + 1, :, 1] <= H))
    normed, centroid, scale = normalize(px)
    np.testing.assert_allclose(normed, offline_input, atol=1e-4)
    expected = denormalize(ModelRunner(default_model_path()).run(offline_input[None])[0].future,
                           centroid[-1], scale[-1])
    params = {"online_adaptation": False, "forecast_gate": False, "plausibility_gate": False, "emotion_smoothing": "raw"}
    t_last = 10.0 + last / 30
    with _graph(PredictorNode, params, (BodyKeypointsArray, "/body_keypoints"), (MotionForecast, "/future_poses")) \
            as (executor, pub, got):
        for i in range(last + 1):
            pub.publish(_keypoints_msg(10.0 + i / 30, xy[i], conf[i]))
            executor.spin_once(timeout_sec=0.001)
        assert spin_until(executor, lambda: any(abs(stamp_to_sec(f.header.stamp) - t_last) < 1e-6 for f in got)), \
            f"no forecast for the waist-up person's last frame ({len(got)} forecasts in all)"
    published = next(f for f in got if abs(stamp_to_sec(f.header.stamp) - t_last) < 1e-6)
    np.testing.assert_allclose(forecast_xy(published), expected, atol=0.05)


def test_extract_gives_the_keypoints_the_perception_node_publishes():
    """The bundled clip's first 90 frames, each through the real perception node (every frame, in order) and
    through extract's pass: the same people, ids, keypoints and confidences at the same stamps."""
    frames = [f for f in FrameSource(DEMO_VIDEO) if f.index < 90]
    seen = video_people(DEMO_VIDEO, ExtractConfig(), max_frames=90)
    params = {"image_topic": "/one_path/image", "drop_frames_when_busy": False, "image_qos_depth": 10}
    with _graph(PerceptionNode, params, (Image, "/one_path/image"), (BodyKeypointsArray, "/body_keypoints")) \
            as (executor, pub, got):
        for f in frames:
            answered = len(got)
            pub.publish(rgb_to_image(f.rgb, Header(stamp=sec_to_stamp(100.0 + f.t), frame_id="camera"), "rgb8"))
            assert spin_until(executor, lambda n=answered: len(got) > n, 30.0), f"no keypoints for frame {f.index}"
    published = {}
    for msg in got:
        for p in map(msg_to_person, msg.people):
            published[(round(stamp_to_sec(msg.header.stamp) - 100.0, 4), p.person_id)] = p
    extracted = {(round(t, 4), pid): (rows[i], t) for pid, (times, rows) in seen.tracks.items()
                 for i, t in enumerate(times)}
    assert extracted and set(extracted) == set(published), "the same people at the same stamps"
    for key, (row, _) in extracted.items():
        p = published[key]
        np.testing.assert_allclose(row[:, :2] * H, p.xy, atol=1e-2)
        inside = (p.xy[:, 0] >= 0) & (p.xy[:, 0] <= W) & (p.xy[:, 1] >= 0) & (p.xy[:, 1] <= H)
        np.testing.assert_allclose(row[:, 2], np.where(inside, p.confidence, 0.0), atol=1e-5)
