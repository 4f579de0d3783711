"""The QoS each recorded topic is offered with, written into the bag and used to replay it.

`ros2 bag play` republishes a topic with the QoS stored in the bag's `offered_qos_profiles`; an
empty entry makes it fall back to reliable, which a best-effort camera subscriber still accepts
but which is not what a camera offers. nvhai subscribes to images as sensor data (best effort, keep
the last 5) and to everything else reliably, adapts to publishers that profile cannot hear (best
effort, or latched), and writes the profiles the topic's publishers really offer into the bag;
`nvhai-bag play` reads them back the same way `ros2 bag play` does.
"""

from __future__ import annotations

from collections.abc import Sequence

from rclpy.qos import (
    DurabilityPolicy,
    HistoryPolicy,
    LivelinessPolicy,
    QoSProfile,
    ReliabilityPolicy,
    qos_profile_sensor_data,
)
from rosbags.interfaces import Qos, QosDurability, QosHistory, QosLiveliness, QosReliability, QosTime

IMAGE_TYPES = ("sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage")
UNSPECIFIED = QosTime(sec=0, nsec=0)  # rmw's "not set": no deadline, lifespan or lease


def topic_qos(msgtype: str) -> QoSProfile:
    """How nvhai subscribes to (when recording) and publishes (when replaying) a topic of this type."""
    if msgtype in IMAGE_TYPES:
        return qos_profile_sensor_data
    return QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)


def subscription_qos(msgtype: str, offered: Sequence[QoSProfile]) -> QoSProfile:
    """The profile that hears every publisher offering `offered`, as rosbag2 chooses it: reliable
    only if every publisher is reliable, transient-local (latched messages too) only if every one is."""
    base = topic_qos(msgtype)
    if not offered:
        return base
    reliable = all(p.reliability == ReliabilityPolicy.RELIABLE for p in offered)
    latched = all(p.durability == DurabilityPolicy.TRANSIENT_LOCAL for p in offered)
    return QoSProfile(history=base.history, depth=base.depth,
                      reliability=base.reliability if reliable else ReliabilityPolicy.BEST_EFFORT,
                      durability=DurabilityPolicy.TRANSIENT_LOCAL if latched else DurabilityPolicy.VOLATILE)


def to_bag_qos(profile: QoSProfile) -> Qos:
    """An rclpy profile as rosbags writes it into metadata.yaml (rmw's enum numbers on both sides)."""
    return Qos(history=QosHistory(int(profile.history)), depth=profile.depth,
               reliability=QosReliability(int(profile.reliability)),
               durability=QosDurability(int(profile.durability)), deadline=UNSPECIFIED, lifespan=UNSPECIFIED,
               liveliness=QosLiveliness(int(profile.liveliness)), liveliness_lease_duration=UNSPECIFIED,
               avoid_ros_namespace_conventions=False)


def offered_qos(msgtype: str) -> list[Qos]:
    """The offered_qos_profiles entry of a topic nvhai writes."""
    return [to_bag_qos(topic_qos(msgtype))]


def replay_qos(msgtype: str, offered: Sequence[Qos]) -> QoSProfile:
    """The profile to replay a recorded topic with: the publishers' own, when the bag has them and
    they agree on reliability and durability (as `ros2 bag play` decides), else nvhai's default."""
    if not offered or len({(q.reliability, q.durability) for q in offered}) != 1:
        return topic_qos(msgtype)
    q = offered[0]
    known = (q.reliability in (QosReliability.RELIABLE, QosReliability.BEST_EFFORT)
             and q.durability in (QosDurability.VOLATILE, QosDurability.TRANSIENT_LOCAL))
    if not known:
        return topic_qos(msgtype)
    keep_all = q.history == QosHistory.KEEP_ALL
    return QoSProfile(history=HistoryPolicy.KEEP_ALL if keep_all else HistoryPolicy.KEEP_LAST,
                      depth=max(q.depth, topic_qos(msgtype).depth), reliability=ReliabilityPolicy(q.reliability.value),
                      durability=DurabilityPolicy(q.durability.value), liveliness=LivelinessPolicy.AUTOMATIC)
