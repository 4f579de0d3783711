"""The avatar controller in a real rclpy graph."""

from __future__ import annotations

import numpy as np
import pytest
from builtin_interfaces.msg import Duration
from rclpy.node import Node
from ros_harness import keypoints_msg, make_executor, ros_context, spin_until, teardown
from sensor_msgs.msg import Image
from std_msgs.msg import Header
from visualization_msgs.msg import Marker, MarkerArray

from nvhai_avatar.node import AvatarNode
from nvhai_avatar.response_policy import GESTURE_FOR_EMOTION
from nvhai_common.ros_conversions import image_to_rgb, sec_to_stamp
from nvhai_msgs.msg import BodyKeypointsArray, EmotionProbabilities, MotionForecast, NonverbalResponse
from nvhai_training.procedural import generate

LABELS = ["enthusiastic", "laughing", "happy to see you"]
FRAMES = 34


@pytest.mark.parametrize("label", [0, 1, 2])
def test_avatar_answers_the_recognised_emotion(label):
    samples, _ = generate(1, seed=label)
    future = samples[0, 60:] * 480.0
    with ros_context() as context:
        avatar = AvatarNode(context=context)
        io = Node("avatar_test_io", context=context)
        f_pub = io.create_publisher(MotionForecast, "/future_poses", 10)
        e_pub = io.create_publisher(EmotionProbabilities, "/emotion", 10)
        k_pub = io.create_publisher(BodyKeypointsArray, "/body_keypoints", 10)
        got: dict[str, list] = {"response": [], "image": [], "markers": []}
        io.create_subscription(NonverbalResponse, "/avatar/response", got["response"].append, 10)
        io.create_subscription(Image, "/avatar/image", got["image"].append, 10)
        io.create_subscription(MarkerArray, "/avatar/markers", got["markers"].append, 10)
        ex = make_executor(context, avatar, io)
        assert spin_until(ex, lambda: f_pub.get_subscription_count() and e_pub.get_subscription_count()
                          and k_pub.get_subscription_count())
        probs = np.full(3, 0.05, np.float32)
        probs[label] = 0.9
        for i in range(FRAMES):  # longer than gesture_sustain_s (1 s): the gesture has started
            header = Header(stamp=sec_to_stamp(100 + i / 30), frame_id="camera")
            k_pub.publish(keypoints_msg(header, {5: samples[0, 50 + i % 40] * 480.0}))
            assert spin_until(ex, lambda: avatar.controller.attention.attended == 5), "the person is attended"
            e_pub.publish(EmotionProbabilities(header=header, person_id=5, labels=LABELS, probabilities=probs,
                                               label=LABELS[label], confidence=0.9, model_name="t"))
            spin_until(ex, lambda: False, 0.02)
            f_pub.publish(MotionForecast(header=header, person_id=5, frame_period=Duration(nanosec=33_333_333),
                                         num_frames=30, num_keypoints=17, image_width=640, image_height=480,
                                         x=future[..., 0].ravel(), y=future[..., 1].ravel(), model_name="t"))
            n = i + 1
            assert spin_until(ex, lambda n=n: len(got["markers"]) >= n), {k: len(v) for k, v in got.items()}
            assert spin_until(ex, lambda n=n: len(got["image"]) >= n)
        r = got["response"][-1]
        assert r.person_id == 5 and r.emotion == LABELS[label] and r.gesture == GESTURE_FOR_EMOTION[LABELS[label]]
        assert 0 < r.intensity <= 1 and r.header.stamp == sec_to_stamp(100 + (FRAMES - 1) / 30)
        assert np.isfinite(r.pose_x).all() and np.abs(r.pose_x).max() < 3
        np.testing.assert_allclose([r.look_at_x, r.look_at_y], future[-1].mean(axis=0), atol=1e-3)
        img = image_to_rgb(got["image"][-1])
        assert img.shape == (360, 320, 3) and img.std() > 10
        lines = [m for m in got["markers"][-1].markers if m.type == Marker.LINE_LIST]
        assert len(lines) == 1 and len(lines[0].points) == 2 * 19
        teardown(ex, avatar, io)
