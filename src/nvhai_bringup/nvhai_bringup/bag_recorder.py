"""Recording live topics into a rosbag2 with rclpy and rosbags (no rosbag2), crash-safe.

Written messages reach the disk at least every `flush_s` seconds, so a recorder killed with -9
leaves a storage file whose messages `nvhai-bag repair` turns back into a complete bag.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rclpy.node import Node

from nvhai_bringup.bag_qos import offered_qos, topic_qos
from nvhai_bringup.bag_storage import DEFAULT_VERSION, flush, open_writer
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

    Images are subscribed best-effort (sensor QoS) so any camera matches; other topics reliable
    (bag_qos.py); the bag records those profiles as the topics' offered QoS.
    """

    def __init__(self, node: Node, path: str | Path, topics: dict[str, str] | None = None,
                 storage: str = "mcap", version: int = DEFAULT_VERSION, flush_s: float = 0.25) -> None:
        self.node = node
        self.topics = topics or dict(DEFAULT_TOPICS)
        self.counts = dict.fromkeys(self.topics, 0)
        self.writer = open_writer(path, storage, version)
        self._dirty = False
        store = typestore()
        self._subs = []
        for topic, msgtype in self.topics.items():
            conn = self.writer.add_connection(topic, msgtype, typestore=store, offered_qos_profiles=offered_qos(msgtype))
            self._subs.append(node.create_subscription(ros_type(msgtype), topic, self._writer_for(topic, conn),
                                                       topic_qos(msgtype), raw=True))
        self._timer = node.create_timer(flush_s, self.flush)

    def _writer_for(self, topic: str, conn) -> Callable[[bytes], None]:
        def write(raw: bytes) -> None:
            self.writer.write(conn, self.node.get_clock().now().nanoseconds, raw)
            self.counts[topic] += 1
            self._dirty = True
        return write

    def flush(self) -> None:
        if self._dirty:
            flush(self.writer)
            self._dirty = False

    def close(self) -> None:
        self.node.destroy_timer(self._timer)
        for sub in self._subs:
            self.node.destroy_subscription(sub)
        self.writer.close()
