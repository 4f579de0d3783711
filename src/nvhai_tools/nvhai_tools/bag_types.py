"""A rosbags typestore that knows nvhai_msgs, read from the installed .msg files."""

from __future__ import annotations

import importlib
import os
import sys
from functools import cache
from pathlib import Path

from rosbags.typesys import Stores, get_types_from_msg, get_typestore
from rosbags.typesys.store import Typestore


def nvhai_msg_dir() -> Path:
    """share/nvhai_msgs/msg of the prefix nvhai_msgs is installed in (a venv or a ROS install)."""
    candidates = [Path(p) / "share" / "nvhai_msgs" / "msg" for p in os.environ.get("AMENT_PREFIX_PATH", "").split(":") if p]
    candidates.append(Path(sys.prefix) / "share" / "nvhai_msgs" / "msg")
    for c in candidates:
        if c.is_dir():
            return c
    raise FileNotFoundError(f"nvhai_msgs .msg files not found in {[str(c) for c in candidates]}")


@cache
def typestore() -> Typestore:
    store = get_typestore(Stores.ROS2_JAZZY)
    types = {}
    for path in sorted(nvhai_msg_dir().glob("*.msg")):
        types.update(get_types_from_msg(path.read_text(), f"nvhai_msgs/msg/{path.stem}"))
    store.register(types)
    return store


def ros_type(msgtype: str) -> type:
    """'sensor_msgs/msg/Image' -> the rclpy message class."""
    package, _, name = msgtype.split("/")
    return getattr(importlib.import_module(f"{package}.msg"), name)

