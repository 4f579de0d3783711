"""The video source (the camera stand-in of `camera:=video` and the demo) in a real rclpy graph."""

from __future__ import annotations

import numpy as np
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import qos_profile_sensor_data
from real_media import DEMO_VIDEO
from ros_harness import make_executor, ros_context, spin_until, teardown
from sensor_msgs.msg import Image

from nvhai_bringup.video_source_node import VideoSourceNode


def test_video_source_plays_the_clip_at_its_rate_with_rising_stamps():
    with ros_context() as context:
        src = VideoSourceNode(context=context, parameter_overrides=[Parameter("path", value=str(DEMO_VIDEO)),
                                                                    Parameter("rate_scale", value=4.0)])
        io = Node("video_test_io", context=context)
        frames: list[Image] = []
        io.create_subscription(Image, "/image_raw", frames.append, qos_profile_sensor_data)
        ex = make_executor(context, src, io)
        assert spin_until(ex, lambda: src.finished, 20.0)
        spin_until(ex, lambda: False, 0.2)
        assert src.published == 230
        assert len(frames) > 200  # best-effort delivery may lose a few
        stamps = [f.header.stamp.sec + f.header.stamp.nanosec * 1e-9 for f in frames]
        assert stamps == sorted(stamps)
        assert 1 / 240 < np.median(np.diff(stamps)) < 1 / 60, "about 4x the speed of a 30 FPS clip"
        assert frames[0].encoding == "bgr8" and (frames[0].width, frames[0].height) == (640, 360)
        assert frames[0].header.frame_id == "camera"
        teardown(ex, src, io)
