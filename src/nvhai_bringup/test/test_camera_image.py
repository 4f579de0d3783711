"""The video source's OpenCV bgr8 encoding sends the same bytes as nvhai_common's numpy one."""

from __future__ import annotations

import pytest
from real_media import grace_hopper_rgb
from std_msgs.msg import Header

from nvhai_bringup.video_source_node import camera_image
from nvhai_common.ros_conversions import image_to_rgb, rgb_to_image


@pytest.mark.parametrize("encoding", ["bgr8", "rgb8", "mono8"])
def test_camera_image_matches_rgb_to_image(encoding):
    rgb = grace_hopper_rgb()
    header = Header(frame_id="camera")
    ours, reference = camera_image(rgb, header, encoding), rgb_to_image(rgb, header, encoding)
    assert (ours.encoding, ours.width, ours.height, ours.step) == (
        reference.encoding, reference.width, reference.height, reference.step)
    assert bytes(ours.data) == bytes(reference.data)
    if encoding != "mono8":
        assert (image_to_rgb(ours) == rgb).all()
