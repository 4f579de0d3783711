"""The perception node in a real rclpy graph, fed real video frames and every kind of bad image."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
import yaml
from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.node import Node
from rclpy.parameter import Parameter
from real_media import demo_video_frames
from ros_harness import make_executor, ros_context, spin_until, teardown
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header

from nvhai_common.ros_conversions import rgb_to_image
from nvhai_common.ros_params import defaults
from nvhai_msgs.msg import BodyKeypointsArray
from nvhai_perception.node import DIAGNOSTIC_NAME, PARAMETERS, PerceptionNode
from nvhai_perception.pipeline import PipelineConfig

CONFIG = Path(__file__).resolve().parents[1] / "config" / "perception.yaml"
FRAMES = demo_video_frames(75, 86)  # the person on the box, found by the detector from any of these


def stamp(i: int) -> Time:
    return Time(sec=100 + i // 30, nanosec=(i % 30) * 33_333_333)


class Harness:
    """Perception node + a test node that publishes images and collects keypoints and diagnostics."""

    def __init__(self, context, **params) -> None:
        overrides = [Parameter(k, value=v) for k, v in {"image_topic": "/test/image", **params}.items()]
        self.node = PerceptionNode(context=context, parameter_overrides=overrides)
        self.io = Node("perception_test_io", context=context)
        self.image_pub = self.io.create_publisher(Image, "/test/image", 10)
        self.compressed_pub = self.io.create_publisher(CompressedImage, "/test/image/compressed", 10)
        self.received: list[BodyKeypointsArray] = []
        self.diagnostics: list[DiagnosticStatus] = []
        self.io.create_subscription(BodyKeypointsArray, "/body_keypoints", self.received.append, 50)
        self.io.create_subscription(DiagnosticArray, "/diagnostics",
                                    lambda m: self.diagnostics.extend(s for s in m.status if s.name == DIAGNOSTIC_NAME),
                                    10)
        self.executor = make_executor(context, self.node, self.io)
        assert spin_until(self.executor, lambda: self.io.count_publishers("/body_keypoints") > 0 and (
            self.image_pub.get_subscription_count() + self.compressed_pub.get_subscription_count()) > 0)

    def good(self, i: int) -> Image:
        return rgb_to_image(FRAMES[i % len(FRAMES)], Header(stamp=stamp(i), frame_id="camera"), "bgr8")

    def answered(self, i: int, timeout_s: float = 10.0) -> BodyKeypointsArray | None:
        want = stamp(i)
        spin_until(self.executor, lambda: any(m.header.stamp == want for m in self.received), timeout_s)
        return next((m for m in self.received if m.header.stamp == want), None)

    def close(self) -> None:
        teardown(self.executor, self.node, self.io)


@pytest.fixture
def harness():
    with ros_context() as context:
        h = Harness(context, drop_frames_when_busy=False, image_qos_depth=10)  # every frame, in order
        yield h
        h.close()


def test_yaml_defaults_match_declared_parameters():
    assert yaml.safe_load(CONFIG.read_text())["nvhai_perception"]["ros__parameters"] == defaults(PARAMETERS)
    assert all(p.description for p in PARAMETERS)


def test_the_core_defaults_are_the_nodes():
    """PipelineConfig (bag evaluation, benchmarks) runs the node's model and multi-person mode; only smoothing
    differs (off in the core, on in the node)."""
    declared = defaults(PARAMETERS)
    core = {f.name: getattr(PipelineConfig(), f.name) for f in fields(PipelineConfig) if f.name in declared}
    assert {"model_complexity", "multi_person", "max_people"} <= set(core)
    assert {k: v for k, v in core.items() if k != "smoothing"} == {k: declared[k] for k in core if k != "smoothing"}


def test_real_frames_give_keypoints_with_the_image_stamp(harness):
    for i in range(5):
        harness.image_pub.publish(harness.good(i))
        msg = harness.answered(i)
        assert msg is not None, f"no keypoints for frame {i}"
        assert msg.header.frame_id == "camera" and (msg.image_width, msg.image_height) == (640, 360)
        # A new person is published once seen in track_min_hits (3) frames in a row, under one id.
        assert len(msg.people) == (1 if i >= 2 else 0)
        if not msg.people:
            continue
        person = msg.people[0]
        assert person.person_id == 0
        assert person.header.stamp == stamp(i)
        # Two people are in view (the one on the box, a walker on the right); either is a body:
        nose_y, shoulder_y, hip_y = person.y[0], max(person.y[5], person.y[6]), min(person.y[11], person.y[12])
        assert nose_y < shoulder_y < hip_y
        seen = np.asarray(person.confidence) > 0.5
        assert seen.sum() >= 12 and (np.asarray(person.x)[seen] > 0).all() and (np.asarray(person.x)[seen] < 640).all()
        assert np.median(person.confidence) > 0.5


@pytest.mark.parametrize("bad", ["encoding", "step", "size", "empty", "absurd"])
def test_bad_images_are_skipped_and_the_next_good_frame_answered(harness, bad):
    harness.image_pub.publish(harness.good(0))
    assert harness.answered(0) is not None
    img = harness.good(1)
    if bad == "encoding":
        img.encoding = "yuv422"
    elif bad == "step":
        img.step = img.step - 7
    elif bad == "size":
        img.data = bytes(img.data[: len(img.data) // 2])
    elif bad == "empty":
        img.width = img.height = img.step = 0
        img.data = b""
    else:
        img.width, img.height, img.step = 100_000, 100_000, 300_000
    harness.image_pub.publish(img)
    harness.image_pub.publish(harness.good(2))
    assert harness.answered(2) is not None, "node must answer the good frame after a bad one"
    assert all(m.header.stamp != stamp(1) for m in harness.received), "the bad frame must be skipped"
    assert spin_until(harness.executor, lambda: any(
        s.level == DiagnosticStatus.WARN and "rejected" in s.message for s in harness.diagnostics), 5.0)


def test_compressed_images_and_corrupt_ones():
    import cv2

    with ros_context() as context:
        h = Harness(context, drop_frames_when_busy=False, image_qos_depth=10, compressed=True, track_min_hits=1)
        try:
            def jpeg(i: int, data: bytes | None = None) -> CompressedImage:
                if data is None:
                    data = cv2.imencode(".jpg", cv2.cvtColor(FRAMES[i], cv2.COLOR_RGB2BGR))[1].tobytes()
                return CompressedImage(header=Header(stamp=stamp(i), frame_id="camera"), format="jpeg", data=data)

            h.compressed_pub.publish(jpeg(0))
            assert h.answered(0) is not None and len(h.received[-1].people) == 1
            h.compressed_pub.publish(jpeg(1, b"\xff\xd8 corrupt"))
            h.compressed_pub.publish(jpeg(2))
            assert h.answered(2) is not None
            assert all(m.header.stamp != stamp(1) for m in h.received)
        finally:
            h.close()


def test_busy_node_drops_old_frames_and_keeps_the_newest():
    with ros_context() as context:
        h = Harness(context, drop_frames_when_busy=True)
        try:
            burst = 30
            for i in range(burst):  # the camera runs faster than pose estimation; the executor keeps up
                h.image_pub.publish(h.good(i))
                h.executor.spin_once(timeout_sec=0.002)
            assert h.answered(burst - 1) is not None, "the newest frame is always processed"
            stamps = [m.header.stamp for m in h.received]
            assert len(stamps) < burst, "a burst faster than pose estimation must not be queued"
            secs = [s.sec + s.nanosec * 1e-9 for s in stamps]
            assert secs == sorted(secs)
            assert spin_until(h.executor, lambda: any("dropped" in s.message for s in h.diagnostics), 5.0)
        finally:
            h.close()


def test_silence_is_reported():
    with ros_context() as context:
        h = Harness(context, no_image_warn_s=0.3, diagnostics_period_s=0.2)
        try:
            assert spin_until(h.executor, lambda: any(
                s.level == DiagnosticStatus.ERROR and "no image" in s.message for s in h.diagnostics), 5.0)
            values = {kv.key for kv in h.diagnostics[-1].values}
            assert {"fps", "processing_ms_mean", "people", "frames_dropped"} <= values
        finally:
            h.close()
