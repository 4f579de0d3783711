"""Small helpers for tests that run real rclpy nodes and processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from std_msgs.msg import Header

from nvhai_msgs.msg import BodyKeypoints, BodyKeypointsArray


@contextmanager
def ros_context() -> Iterator[Context]:
    """An rclpy context of its own, shut down afterwards."""
    context = Context()
    rclpy.init(context=context)
    try:
        yield context
    finally:
        rclpy.try_shutdown(context=context)


def spin_until(executor: SingleThreadedExecutor, done: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    """Spin `executor` until `done()` or the timeout; returns done()."""
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.02)
    return done()


def make_executor(context: Context, *nodes: Node) -> SingleThreadedExecutor:
    executor = SingleThreadedExecutor(context=context)
    for node in nodes:
        executor.add_node(node)
    return executor


def start_python(code_or_module: list[str], **kwargs) -> subprocess.Popen:
    """Start `python <args>` in a separate process with this environment (same ROS domain)."""
    return subprocess.Popen([sys.executable, *code_or_module], env=dict(os.environ), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **kwargs)


def stop(proc: subprocess.Popen, timeout_s: float = 5.0) -> str:
    """Interrupt a started process and return its output."""
    if proc.poll() is None:
        proc.send_signal(2)  # SIGINT: rclpy nodes shut down cleanly
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
    out, _ = proc.communicate()
    return out or ""


def teardown(executor: SingleThreadedExecutor, *nodes: Node) -> None:
    """Stop the executor and destroy its nodes (before the context shuts down)."""
    executor.shutdown()
    for node in nodes:
        node.destroy_node()


def keypoints_msg(header: Header, people: dict[int, np.ndarray], width: int = 640,
                  height: int = 480) -> BodyKeypointsArray:
    """A BodyKeypointsArray of people {id: (17, 2) pixels}, all keypoints fully confident."""
    msg = BodyKeypointsArray(header=header, image_width=width, image_height=height)
    for pid, xy in people.items():
        msg.people.append(BodyKeypoints(header=header, person_id=pid, image_width=width, image_height=height,
                                        x=xy[:, 0].astype(np.float32), y=xy[:, 1].astype(np.float32),
                                        confidence=np.ones(17, np.float32), score=1.0))
    return msg
