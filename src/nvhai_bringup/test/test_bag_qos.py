"""The QoS a topic is offered with travels through the bag: nvhai writes its publishers' profiles into
`offered_qos_profiles` (Humble's integer form in version 8) and `nvhai-bag play` replays each topic with
the profile stored for it, as `ros2 bag play` does."""

from __future__ import annotations

from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, ReliabilityPolicy
from real_media import DEMO_VIDEO
from ros_harness import make_executor, ros_context, spin_until, start_python, stop, teardown
from rosbags.interfaces import QosDurability, QosReliability
from rosbags.rosbag2 import Reader
from sensor_msgs.msg import Image

from nvhai_bringup.bag_cli import main as bag_main
from nvhai_bringup.bag_qos import offered_qos, replay_qos, to_bag_qos, topic_qos


def test_stored_profiles_round_trip_and_disagreeing_publishers_fall_back():
    for msgtype in ("sensor_msgs/msg/Image", "nvhai_msgs/msg/BodyKeypointsArray"):
        stored = offered_qos(msgtype)
        back = replay_qos(msgtype, stored)
        assert (back.reliability, back.durability) == (topic_qos(msgtype).reliability, topic_qos(msgtype).durability)
    image, keypoints = offered_qos("sensor_msgs/msg/Image")[0], offered_qos("nvhai_msgs/msg/BodyKeypointsArray")[0]
    assert (image.reliability, keypoints.reliability) == (QosReliability.BEST_EFFORT, QosReliability.RELIABLE)
    # a latched topic keeps its durability; publishers that disagree, or none recorded: nvhai's default
    latched = to_bag_qos(topic_qos("std_msgs/msg/String"))
    latched = latched._replace(durability=QosDurability.TRANSIENT_LOCAL)
    assert replay_qos("std_msgs/msg/String", [latched]).durability == DurabilityPolicy.TRANSIENT_LOCAL
    assert replay_qos("sensor_msgs/msg/Image", [image, keypoints]).reliability == ReliabilityPolicy.BEST_EFFORT
    assert replay_qos("nvhai_msgs/msg/BodyKeypointsArray", []).reliability == ReliabilityPolicy.RELIABLE


def test_play_offers_the_images_best_effort_as_stored_in_the_bag(tmp_path):
    bag = tmp_path / "clip"
    assert bag_main(["from-video", str(DEMO_VIDEO), "--out", str(bag), "--max-side", "64"]) == 0
    with Reader(bag) as reader:
        [conn] = reader.connections
        assert conn.ext.offered_qos_profiles[0].reliability == QosReliability.BEST_EFFORT
    with ros_context() as context:
        node = Node("bag_qos_listener", context=context)
        got: list[Image] = []
        node.create_subscription(Image, "/image_raw", got.append, topic_qos("sensor_msgs/msg/Image"))
        ex = make_executor(context, node)
        proc = start_python(["-m", "nvhai_bringup.bag_cli", "play", str(bag), "--loop"])
        assert spin_until(ex, lambda: len(got) >= 5, 120.0), stop(proc)
        offered = [p.qos_profile.reliability for p in node.get_publishers_info_by_topic("/image_raw")]
        out = stop(proc, timeout_s=30)
        teardown(ex, node)
    assert offered == [ReliabilityPolicy.BEST_EFFORT], offered
    assert proc.returncode == 0 and "Traceback" not in out, out
