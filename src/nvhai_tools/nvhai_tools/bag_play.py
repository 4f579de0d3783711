"""Publishing a bag at its recorded pace, like `ros2 bag play`: waits for subscribers, optional /clock, loop."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from builtin_interfaces.msg import Time
from rclpy.duration import Duration
from rclpy.node import Node
from rclpy.qos import QoSProfile
from rosgraph_msgs.msg import Clock

from nvhai_tools.bag_qos import replay_qos
from nvhai_tools.bag_storage import BagError, check_chunks, messages, open_reader
from nvhai_tools.bag_types import ros_type


@dataclass
class PlayOptions:
    rate: float = 1.0
    topics: list[str] | None = None  # None: every topic of the bag
    wait_s: float = 10.0  # wait this long for each topic to have a subscriber (reliable delivery needs a match)
    delay_s: float = 0.0  # then pause this long before the first message
    clock_hz: float = 0.0  # > 0: publish /clock (bag time) at this rate and before every message
    loop: bool = False
    drain_s: float = 5.0  # at the end, wait this long for reliable subscribers to acknowledge the last messages


def _to_time(ns: int) -> Time:
    return Time(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000)


def play(node: Node, path: str | Path, options: PlayOptions | None = None,
         spin: Callable[[float], None] | None = None, progress: Callable[[int], None] | None = None) -> int:
    """Publish a bag's messages at their recorded pace (scaled by `rate`); returns how many.

    `spin(seconds)` is called instead of sleeping, so the caller's executor keeps running;
    `progress(sent)` follows each message (the count survives a Ctrl-C, which ends a loop). Topics
    that get no subscriber within `wait_s` are played all the same.
    """
    o = options or PlayOptions()
    if not (o.rate > 0 and math.isfinite(o.rate)):
        raise BagError(f"--rate {o.rate}: must be a finite number > 0")
    wait = spin or time.sleep
    sent = 0
    with open_reader(path) as reader:
        known = {c.topic for c in reader.connections}
        missing = sorted(set(o.topics or ()) - known)
        if missing:
            raise BagError(f"{path} has no topic {', '.join(missing)} (it has {', '.join(sorted(known))})")
        conns = [c for c in reader.connections if not o.topics or c.topic in o.topics]
        check_chunks(reader)  # before publishing anything: a damaged chunk would be played as garbage or cut the play
        types = {}
        for c in conns:
            try:
                types[c.id] = ros_type(c.msgtype)
            except (ImportError, AttributeError, ValueError):
                raise BagError(f"{path}: topic {c.topic} has type {c.msgtype}, which is not installed here; install "
                               "its package, or play the other topics with --topics") from None
        pubs = {}
        for c in conns:
            offered = getattr(c.ext, "offered_qos_profiles", None) or []
            pubs[c.id] = node.create_publisher(types[c.id], c.topic, replay_qos(c.msgtype, offered))
        clock = node.create_publisher(Clock, "/clock", QoSProfile(depth=10)) if o.clock_hz > 0 else None
        deadline = time.monotonic() + o.wait_s  # (/clock is not waited for: it may have no listener at all)
        while time.monotonic() < deadline and not all(p.get_subscription_count() for p in pubs.values()):
            wait(0.05)
        if o.delay_s > 0:
            wait(o.delay_s)
        while True:
            first_bag, first_wall = None, time.monotonic()
            for conn, stamp_ns, raw in messages(reader, conns):
                if first_bag is None:
                    first_bag = stamp_ns
                due = first_wall + (stamp_ns - first_bag) * 1e-9 / o.rate
                while (left := due - time.monotonic()) > 0:
                    if clock is not None:
                        now_bag = first_bag + int((time.monotonic() - first_wall) * o.rate * 1e9)
                        clock.publish(Clock(clock=_to_time(min(now_bag, stamp_ns))))
                        wait(min(left, 1.0 / o.clock_hz))
                    else:
                        wait(left)
                if clock is not None:
                    clock.publish(Clock(clock=_to_time(stamp_ns)))
                pubs[conn.id].publish(bytes(raw))
                sent += 1
                if progress is not None:
                    progress(sent)
            if not o.loop or first_bag is None:
                _drain(pubs.values(), o.drain_s)
                return sent


def _drain(publishers, timeout_s: float) -> None:
    """Wait for reliable subscribers to acknowledge everything: a process that exits right after its
    last publish can otherwise take the tail of the bag with it."""
    deadline = time.monotonic() + timeout_s
    for pub in publishers:
        pub.wait_for_all_acked(Duration(nanoseconds=max(0, int((deadline - time.monotonic()) * 1e9))))
