"""Echo process for the message round-trip test: every nvhai_msgs type received on
/roundtrip/<Type> is published back, unchanged, on /roundtrip/<Type>/echo."""

from __future__ import annotations

from rclpy.node import Node

from nvhai_common.ros_main import run_node
from nvhai_msgs import msg as nvhai

TYPES = (nvhai.BodyKeypoints, nvhai.BodyKeypointsArray, nvhai.MotionForecast, nvhai.EmotionProbabilities,
         nvhai.NonverbalResponse)


class Echo(Node):
    def __init__(self) -> None:
        super().__init__("nvhai_msg_echo")
        self._keep = []
        for t in TYPES:
            pub = self.create_publisher(t, f"/roundtrip/{t.__name__}/echo", 10)
            self._keep.append(self.create_subscription(t, f"/roundtrip/{t.__name__}", pub.publish, 10))
        print("echo ready", flush=True)


def main() -> None:
    run_node(Echo)


if __name__ == "__main__":
    main()
