"""Building diagnostic_msgs statuses the way every nvhai node reports on /diagnostics."""

from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rclpy.node import Node

OK, WARN, ERROR = DiagnosticStatus.OK, DiagnosticStatus.WARN, DiagnosticStatus.ERROR


def publish_status(node: Node, publisher, name: str, level: bytes, message: str, values: dict[str, object]) -> None:
    status = DiagnosticStatus(level=level, name=name, message=message, hardware_id=node.get_fully_qualified_name(),
                              values=[KeyValue(key=k, value=str(v)) for k, v in values.items()])
    msg = DiagnosticArray(status=[status])
    msg.header.stamp = node.get_clock().now().to_msg()
    publisher.publish(msg)
