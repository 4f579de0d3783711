"""Real nvhai messages, a publisher loop and bag readers (rosbags; mcap + mcap-ros2-support) for the bag tests."""

from __future__ import annotations

import yaml
from rclpy.qos import QoSProfile, ReliabilityPolicy
from ros_harness import spin_until
from rosbags.rosbag2 import Reader
from std_msgs.msg import Header

from nvhai_common.ros_conversions import sec_to_stamp
from nvhai_msgs.msg import BodyKeypoints, BodyKeypointsArray, EmotionProbabilities
from nvhai_tools.bag_types import typestore

RELIABLE = QoSProfile(depth=200, reliability=ReliabilityPolicy.RELIABLE)


def keypoints_msg(i: int) -> BodyKeypointsArray:
    header = Header(stamp=sec_to_stamp(1000.0 + i / 30), frame_id="camera")
    person = BodyKeypoints(header=header, person_id=7, image_width=640, image_height=480,
                           x=[(i + k) / 100 for k in range(17)], y=[k / 17 for k in range(17)],
                           confidence=[0.9] * 17, score=0.9)
    return BodyKeypointsArray(header=header, image_width=640, image_height=480, people=[person])


def emotion_msg(i: int) -> EmotionProbabilities:
    return EmotionProbabilities(header=Header(stamp=sec_to_stamp(1000.0 + i / 30)), person_id=7,
                                labels=["enthusiastic", "laughing", "happy to see you"],
                                probabilities=[0.5, 0.3, 0.2], label="enthusiastic", confidence=0.5,
                                model_name="test")


def publish_until_received(ex, pubs: dict, sent: dict, received, n: int, timeout_s: float = 60.0) -> None:
    """Publish n keypoint messages (and one emotion every third) at ~30 Hz; wait until `received()` has them all."""
    for i in range(n):
        pubs["/body_keypoints"].publish(m := keypoints_msg(i))
        sent["/body_keypoints"].append(m)
        if "/emotion" in pubs and i % 3 == 0:
            pubs["/emotion"].publish(e := emotion_msg(i))
            sent["/emotion"].append(e)
        spin_until(ex, lambda: False, 1 / 30)
    assert spin_until(ex, lambda: received() == {t: len(v) for t, v in sent.items()}, timeout_s), (received(), n)


# What Humble's rosbag2_storage (yaml.hpp, convert<BagMetadata> / <TopicInformation> / <TopicMetadata> /
# <FileInformation>) reads from metadata.yaml, for version >= 6; offered_qos_profiles is read as a
# string (`as<std::string>()`): version 9's YAML list is what makes Humble fail with "bad conversion".
HUMBLE_BAG_KEYS = {"version", "storage_identifier", "relative_file_paths", "duration", "starting_time",
                   "message_count", "topics_with_message_count", "compression_format", "compression_mode",
                   "files", "custom_data"}
HUMBLE_TOPIC_KEYS = {"name", "type", "serialization_format", "offered_qos_profiles"}
HUMBLE_FILE_KEYS = {"path", "starting_time", "duration", "message_count"}
# Added by versions 7 and 8 (Iron, Jazzy readers want them; Humble ignores unknown keys).
V8_BAG_KEYS = {"ros_distro"}
V8_TOPIC_KEYS = {"type_description_hash"}


# The keys of one offered QoS profile, as Humble writes them (integers for the policies in version 8).
QOS_KEYS = {"history", "depth", "reliability", "durability", "deadline", "lifespan", "liveliness",
            "liveliness_lease_duration", "avoid_ros_namespace_conventions"}


def offered_reliability(info: dict) -> dict[str, list]:
    """{topic: [reliability of each offered profile]} from a version-8 metadata (1 reliable, 2 best effort)."""
    topics = [t["topic_metadata"] for t in info["topics_with_message_count"]]
    return {t["name"]: [p["reliability"] for p in yaml.safe_load(t["offered_qos_profiles"])] for t in topics}


def check_metadata(bag, version: int = 8) -> dict:
    info = yaml.safe_load((bag / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    assert info["version"] == version
    assert set(info) == HUMBLE_BAG_KEYS | V8_BAG_KEYS
    for t in info["topics_with_message_count"]:
        assert set(t) == {"topic_metadata", "message_count"}
        assert set(t["topic_metadata"]) == HUMBLE_TOPIC_KEYS | V8_TOPIC_KEYS
        qos = t["topic_metadata"]["offered_qos_profiles"]
        assert isinstance(qos, str) if version == 8 else isinstance(qos, list)
        profiles = yaml.safe_load(qos) if version == 8 else qos
        assert profiles and all(set(p) == QOS_KEYS for p in profiles), qos
    for f in info["files"]:
        assert set(f) == HUMBLE_FILE_KEYS
        assert (bag / f["path"]).is_file()
    assert info["relative_file_paths"] == [f["path"] for f in info["files"]]
    assert isinstance(info["duration"]["nanoseconds"], int) and isinstance(
        info["starting_time"]["nanoseconds_since_epoch"], int)
    return info


def read_with_rosbags(bag) -> dict[str, list]:
    store = typestore()
    out: dict[str, list] = {}
    with Reader(bag) as reader:
        for conn, stamp, raw in reader.messages():
            out.setdefault(conn.topic, []).append((stamp, store.deserialize_cdr(raw, conn.msgtype)))
    return out


def read_with_mcap(bag) -> dict[str, list]:
    from mcap.reader import make_reader
    from mcap_ros2.decoder import DecoderFactory

    (path,) = bag.glob("*.mcap")
    out: dict[str, list] = {}
    with path.open("rb") as f:
        for _schema, channel, message, decoded in make_reader(f, decoder_factories=[DecoderFactory()]) \
                .iter_decoded_messages(log_time_order=True):
            out.setdefault(channel.topic, []).append((message.log_time, decoded))
    return out
