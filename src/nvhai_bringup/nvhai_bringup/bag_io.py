"""Recording live topics into a rosbag2 and playing one back, with rclpy and rosbags (no rosbag2)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy, qos_profile_sensor_data
from rosbags.rosbag2 import Reader, StoragePlugin, Writer

from nvhai_bringup.bag_types import ros_type, typestore

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

    Images are subscribed best-effort (sensor QoS) so any camera matches; other topics reliable.
    """

    def __init__(self, node: Node, path: str | Path, topics: dict[str, str] | None = None,
                 storage: str = "mcap") -> None:
        self.node = node
        self.topics = topics or dict(DEFAULT_TOPICS)
        self.counts = dict.fromkeys(self.topics, 0)
        plugin = StoragePlugin.MCAP if storage == "mcap" else StoragePlugin.SQLITE3
        self.writer = Writer(path, version=9, storage_plugin=plugin)
        self.writer.open()
        store = typestore()
        self._subs = []
        for topic, msgtype in self.topics.items():
            conn = self.writer.add_connection(topic, msgtype, typestore=store)
            qos = qos_profile_sensor_data if msgtype == "sensor_msgs/msg/Image" else QoSProfile(depth=100)
            self._subs.append(node.create_subscription(ros_type(msgtype), topic, self._writer_for(topic, conn), qos,
                                                       raw=True))

    def _writer_for(self, topic: str, conn) -> Callable[[bytes], None]:
        def write(raw: bytes) -> None:
            self.writer.write(conn, self.node.get_clock().now().nanoseconds, raw)
            self.counts[topic] += 1
        return write

    def close(self) -> None:
        for sub in self._subs:
            self.node.destroy_subscription(sub)
        self.writer.close()


def play(node: Node, path: str | Path, rate: float = 1.0, topics: list[str] | None = None,
         spin: Callable[[float], None] | None = None) -> int:
    """Publish a bag's messages at their recorded pace (scaled by `rate`); returns how many.

    `spin(seconds)` is called instead of sleeping, so the caller's executor keeps running.
    """
    sent = 0
    with Reader(path) as reader:
        conns = [c for c in reader.connections if not topics or c.topic in topics]
        pubs = {}
        for c in conns:
            qos = qos_profile_sensor_data if c.msgtype == "sensor_msgs/msg/Image" else QoSProfile(
                depth=100, reliability=ReliabilityPolicy.RELIABLE)
            pubs[c.id] = node.create_publisher(ros_type(c.msgtype), c.topic, qos)
        first_bag, first_wall = None, time.monotonic()
        for conn, stamp_ns, raw in reader.messages(connections=conns):
            if first_bag is None:
                first_bag = stamp_ns
            due = first_wall + (stamp_ns - first_bag) * 1e-9 / max(rate, 1e-6)
            wait = due - time.monotonic()
            if wait > 0:
                (spin or time.sleep)(wait)
            pubs[conn.id].publish(bytes(raw))
            sent += 1
    return sent

