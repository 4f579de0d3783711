"""The nodes of the live loop and their parameter sections, as plain data.

`launch/live.launch.py` builds its launch_ros Nodes from this (ROS 2 launch is not installable
everywhere nvhai runs); tests load it to check every executable exists and every parameter in
`config/live.yaml` is one the node really declares, with the same type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NodeSpec:
    package: str
    executable: str
    name: str  # node name = section of config/live.yaml holding its parameters
    camera: str = ""  # for camera drivers: the `camera` launch argument value that selects it
    managed: bool = False  # a lifecycle node: launched with autostart false and driven to active


CAMERAS = ("v4l2_camera", "usb_cam", "video")

CAMERA_NODES: tuple[NodeSpec, ...] = (
    NodeSpec("v4l2_camera", "v4l2_camera_node", "camera", camera="v4l2_camera"),
    NodeSpec("usb_cam", "usb_cam_node_exe", "camera", camera="usb_cam"),
    NodeSpec("nvhai_bringup", "video_source_node", "nvhai_video_source", camera="video"),
)

LOOP_NODES: tuple[NodeSpec, ...] = (
    NodeSpec("nvhai_perception", "perception_node", "nvhai_perception", managed=True),
    NodeSpec("nvhai_predictor", "predictor_node", "nvhai_predictor", managed=True),
    NodeSpec("nvhai_avatar", "avatar_node", "nvhai_avatar"),
)

# Parameters given to the third-party camera drivers (per driver), from the launch arguments.
CAMERA_PARAMETERS = {
    "v4l2_camera": {"image_size": [640, 480], "output_encoding": "rgb8"},
    "usb_cam": {"image_width": 640, "image_height": 480, "framerate": 30.0, "pixel_format": "yuyv2rgb"},
}
