"""`nvhai-echo TOPIC`: print a topic's messages like `ros2 topic echo`, from the venv (no ros2cli needed).

The type comes from the graph (wait until someone publishes TOPIC) or from --type; nvhai_msgs and
every installed std/sensor/diagnostic/geometry/visualization message work. The subscription's
reliability follows the publishers' (best effort if any is), so camera topics need no QoS flags.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time

from nvhai_common.cli_args import non_negative_float, non_negative_int
from nvhai_tools.message_fields import flatten, message_class, to_plain, to_yaml


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nvhai-echo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("topic", help="topic name, e.g. /emotion")
    parser.add_argument("--type", default="", help="message type, e.g. nvhai_msgs/msg/EmotionProbabilities "
                                                   "(default: look it up in the graph)")
    parser.add_argument("--once", action="store_true", help="print one message and exit")
    parser.add_argument("--csv", action="store_true", help="one CSV row per message (a header row first)")
    parser.add_argument("--truncate-length", type=non_negative_int, default=128,
                        help="longest array printed in full (default 128; 0 = no limit)")
    parser.add_argument("--wait", type=non_negative_float, default=60.0,
                        help="seconds to wait for TOPIC to appear in the graph when --type is not given (default 60)")
    return parser.parse_args(argv)


def topic_type(names_and_types: list[tuple[str, list[str]]], topic: str) -> str | None:
    """The one type published on `topic`, or None while nobody publishes it."""
    for name, types in names_and_types:
        if name == topic and types:
            if len(types) > 1:
                raise ValueError(f"topic {topic} carries several types ({', '.join(types)}): pass --type")
            return types[0]
    return None


class Printer:
    """Writes messages as YAML blocks separated by `---`, or as CSV rows."""

    def __init__(self, as_csv: bool, truncate: int, out=sys.stdout) -> None:
        self.as_csv, self.truncate, self.out = as_csv, truncate, out
        self._writer = csv.writer(out) if as_csv else None
        self._header: list[str] | None = None
        self.count = 0

    def __call__(self, msg) -> None:
        plain = to_plain(msg)
        if self._writer is not None:
            cells = flatten(plain)
            if self._header is None:
                self._header = [name for name, _ in cells]
                self._writer.writerow(self._header)
            self._writer.writerow([value for _, value in cells])
        else:
            self.out.write("\n".join(to_yaml(plain, self.truncate)) + "\n---\n")
        self.out.flush()
        self.count += 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    topic = args.topic if args.topic.startswith("/") else "/" + args.topic
    import rclpy
    from rclpy.executors import ExternalShutdownException
    from rclpy.node import Node
    from rclpy.qos import QoSProfile, ReliabilityPolicy

    rclpy.init()
    node = Node(f"nvhai_echo_{os.getpid()}")
    try:
        type_name = args.type
        deadline = time.monotonic() + args.wait
        while not type_name:
            type_name = topic_type(node.get_topic_names_and_types(), topic) or ""
            if not type_name and time.monotonic() > deadline:
                print(f"nvhai-echo: nobody published {topic} within {args.wait:.0f} s: is the graph running with "
                      f"this ROS_DOMAIN_ID ({os.environ.get('ROS_DOMAIN_ID', '0')})? Or pass --type to wait anyway",
                      file=sys.stderr)
                return 1
            if not type_name:
                rclpy.spin_once(node, timeout_sec=0.2)
        msg_type = message_class(type_name)
        publishers = node.get_publishers_info_by_topic(topic)
        reliable = bool(publishers) and all(p.qos_profile.reliability == ReliabilityPolicy.RELIABLE
                                            for p in publishers)
        qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT)
        printer = Printer(args.csv, args.truncate_length)
        node.create_subscription(msg_type, topic, printer, qos)
        while rclpy.ok() and not (args.once and printer.count):
            rclpy.spin_once(node, timeout_sec=0.2)
        return 0
    except ValueError as e:
        print(f"nvhai-echo: {e}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, ExternalShutdownException, BrokenPipeError):
        return 0
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == "__main__":
    sys.exit(main())
