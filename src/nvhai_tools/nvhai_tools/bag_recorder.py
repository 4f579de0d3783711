"""Recording live topics into a rosbag2 with rclpy and rosbags (no rosbag2), crash-safe.

Written messages reach the disk at least every `flush_s` seconds, so a recorder killed with -9
leaves a storage file whose messages `nvhai-bag repair` turns back into a complete bag.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rclpy.node import Node
from rclpy.qos import QoSProfile

from nvhai_tools.bag_qos import offered_qos, subscription_qos, to_bag_qos, topic_qos
from nvhai_tools.bag_storage import DEFAULT_VERSION, flush, open_writer
from nvhai_tools.bag_types import ros_type, typestore

# Topics recorded when none are named, with their types.
DEFAULT_TOPICS = {
    "/image_raw": "sensor_msgs/msg/Image",
    "/body_keypoints": "nvhai_msgs/msg/BodyKeypointsArray",
    "/future_poses": "nvhai_msgs/msg/MotionForecast",
    "/emotion": "nvhai_msgs/msg/EmotionProbabilities",
    "/avatar/response": "nvhai_msgs/msg/NonverbalResponse",
}


class BagRecorder:
    """Subscribes `topics` on `node` (serialised, no deserialisation cost) and writes them to a bag.

    Images are subscribed best-effort (sensor QoS) so any camera matches, other topics reliably
    (bag_qos.py). Every `discover_s` the recorder looks at each topic's publishers and, as rosbag2
    does, re-subscribes a topic whose publishers that profile cannot hear (best effort) or whose
    latched messages it would miss (all transient-local). A topic enters the bag at its first
    message with the QoS profiles its publishers offer then; topics never heard are written at close.
    """

    def __init__(self, node: Node, path: str | Path, topics: dict[str, str] | None = None,
                 storage: str = "mcap", version: int = DEFAULT_VERSION, flush_s: float = 0.25,
                 discover_s: float = 0.5) -> None:
        self.node = node
        self.topics = topics or dict(DEFAULT_TOPICS)
        self.counts = dict.fromkeys(self.topics, 0)
        self.writer = open_writer(path, storage, version)
        self._dirty = False
        self._store = typestore()
        self._connections: dict[str, object] = {}
        self._subs: dict[str, object] = {}
        self._qos: dict[str, QoSProfile] = {}
        for topic, msgtype in self.topics.items():
            self._subscribe(topic, topic_qos(msgtype))
        self._timer = node.create_timer(flush_s, self.flush)
        self._discovery = node.create_timer(discover_s, self.match_publishers)

    def _subscribe(self, topic: str, qos: QoSProfile) -> None:
        old = self._subs.pop(topic, None)
        if old is not None:
            self.node.destroy_subscription(old)
        self._qos[topic] = qos
        self._subs[topic] = self.node.create_subscription(ros_type(self.topics[topic]), topic, self._writer_for(topic),
                                                          qos, raw=True)

    def match_publishers(self) -> None:
        for topic, msgtype in self.topics.items():
            offered = [info.qos_profile for info in self.node.get_publishers_info_by_topic(topic)]
            want, have = subscription_qos(msgtype, offered), self._qos[topic]
            if offered and (want.reliability, want.durability) != (have.reliability, have.durability):
                self.node.get_logger().info(
                    f"{topic}: its publishers offer {want.reliability.name.lower()}, {want.durability.name.lower()}: "
                    "subscribing with that")
                self._subscribe(topic, want)

    def _connection(self, topic: str):
        conn = self._connections.get(topic)
        if conn is None:
            msgtype = self.topics[topic]
            offered = [to_bag_qos(info.qos_profile) for info in self.node.get_publishers_info_by_topic(topic)]
            conn = self.writer.add_connection(topic, msgtype, typestore=self._store,
                                              offered_qos_profiles=offered or offered_qos(msgtype))
            self._connections[topic] = conn
        return conn

    def _writer_for(self, topic: str) -> Callable[[bytes], None]:
        def write(raw: bytes) -> None:
            self.writer.write(self._connection(topic), self.node.get_clock().now().nanoseconds, raw)
            self.counts[topic] += 1
            self._dirty = True
        return write

    def flush(self) -> None:
        if self._dirty:
            flush(self.writer)
            self._dirty = False

    def close(self) -> None:
        self.node.destroy_timer(self._timer)
        self.node.destroy_timer(self._discovery)
        for sub in self._subs.values():
            self.node.destroy_subscription(sub)
        for topic in self.topics:  # topics never heard still appear in the bag, with 0 messages
            self._connection(topic)
        self.writer.close()
