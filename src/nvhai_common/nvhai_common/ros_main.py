"""The `main()` every nvhai node shares: init, spin, shut down cleanly on Ctrl-C or shutdown."""

from __future__ import annotations

from collections.abc import Callable

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node


def run_node(factory: Callable[[], Node], args: list[str] | None = None,
             done: Callable[[Node], bool] | None = None) -> None:
    """Spin the node `factory` builds until shutdown, or until `done(node)` is true."""
    rclpy.init(args=args)
    node = factory()
    try:
        if done is None:
            rclpy.spin(node)
        else:
            while rclpy.ok() and not done(node):
                rclpy.spin_once(node, timeout_sec=0.1)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
