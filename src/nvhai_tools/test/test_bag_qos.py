"""The QoS a topic is offered with travels through the bag: `nvhai-bag record` hears publishers of any
reliability and durability and writes the profiles they offer into `offered_qos_profiles` (Humble's
integer form in version 8), and `nvhai-bag play` replays each topic with the profile stored for it, as
`ros2 bag play` does."""

from __future__ import annotations

import json

from bag_checks import emotion_msg, keypoints_msg
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from real_media import DEMO_VIDEO
from ros_harness import make_executor, ros_context, spin_until, start_python, stop, teardown
from rosbags.interfaces import QosDurability, QosReliability
from rosbags.rosbag2 import Reader
from sensor_msgs.msg import Image

from nvhai_msgs.msg import BodyKeypointsArray, EmotionProbabilities
from nvhai_tools.bag_cli import main as bag_main
from nvhai_tools.bag_qos import offered_qos, replay_qos, subscription_qos, to_bag_qos, topic_qos


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


def test_subscription_hears_every_publisher():
    reliable = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE)
    best_effort = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)
    latched = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    kp = "nvhai_msgs/msg/BodyKeypointsArray"
    assert subscription_qos(kp, []).reliability == ReliabilityPolicy.RELIABLE
    assert subscription_qos(kp, [reliable, best_effort]).reliability == ReliabilityPolicy.BEST_EFFORT
    assert subscription_qos(kp, [latched]).durability == DurabilityPolicy.TRANSIENT_LOCAL
    assert subscription_qos(kp, [latched, reliable]).durability == DurabilityPolicy.VOLATILE
    # images stay best effort even from a reliable camera: a recorder must never slow the camera down
    assert subscription_qos("sensor_msgs/msg/Image", [reliable]).reliability == ReliabilityPolicy.BEST_EFFORT


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
        proc = start_python(["-m", "nvhai_tools.bag_cli", "play", str(bag), "--loop"])
        assert spin_until(ex, lambda: len(got) >= 5, 120.0), stop(proc)
        offered = [p.qos_profile.reliability for p in node.get_publishers_info_by_topic("/image_raw")]
        out = stop(proc, timeout_s=30)
        teardown(ex, node)
    assert offered == [ReliabilityPolicy.BEST_EFFORT], offered
    assert proc.returncode == 0 and "Traceback" not in out, out


def test_record_hears_best_effort_and_latched_publishers_and_stores_what_they_offer(tmp_path):
    """A reliable, volatile subscription hears neither a best-effort publisher nor a message latched
    before it existed; the recorder switches to what the publishers offer, as rosbag2 does."""
    bag = tmp_path / "bag"
    with ros_context() as context:
        node = Node("bag_qos_publishers", context=context)
        best_effort = node.create_publisher(BodyKeypointsArray, "/body_keypoints",
                                            QoSProfile(depth=10, reliability=ReliabilityPolicy.BEST_EFFORT))
        latched = node.create_publisher(EmotionProbabilities, "/emotion", QoSProfile(
            depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL))
        latched.publish(emotion_msg(0))  # before any recorder exists
        ex = make_executor(context, node)
        proc = start_python(["-m", "nvhai_tools.bag_cli", "record", "--out", str(bag),
                             "--topics", "/body_keypoints", "/emotion"])
        heard = spin_until(ex, lambda: best_effort.get_subscription_count() > 0, 60.0)
        for i in range(30):
            best_effort.publish(keypoints_msg(i))
            spin_until(ex, lambda: False, 0.02)
        spin_until(ex, lambda: False, 1.0)
        out = stop(proc, timeout_s=30)
        teardown(ex, node)
    assert heard, f"the recorder never subscribed so that a best-effort publisher matches:\n{out}"
    assert proc.returncode == 0, out
    counts = json.loads(out.strip().splitlines()[-1])
    assert counts["/emotion"] == 1, counts  # the latched message
    assert counts["/body_keypoints"] >= 20, counts  # best effort on one machine loses little
    with Reader(bag) as reader:
        offered = {c.topic: c.ext.offered_qos_profiles for c in reader.connections}
        assert {c.topic: c.msgcount for c in reader.connections} == counts
    assert [q.reliability for q in offered["/body_keypoints"]] == [QosReliability.BEST_EFFORT], offered
    assert [q.durability for q in offered["/emotion"]] == [QosDurability.TRANSIENT_LOCAL], offered
