"""Any ROS message as plain Python values, YAML-like text or CSV cells. No rclpy import.

`rosidl_runtime_py` (what `ros2 topic echo` uses) is not on PyPI, so `nvhai-echo` and the live web
view walk the generated classes' `get_fields_and_field_types()` themselves.
"""

from __future__ import annotations

import array
import importlib
from typing import Any

import numpy as np
import yaml


def message_class(type_name: str) -> type:
    """`pkg/msg/Name` (or `pkg/Name`) -> the generated message class; ValueError naming what is wrong."""
    parts = type_name.strip("/").split("/")
    if len(parts) == 2:
        parts = [parts[0], "msg", parts[1]]
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"message type '{type_name}' is not of the form pkg/msg/Name")
    pkg, kind, name = parts
    try:
        module = importlib.import_module(f"{pkg}.{kind}")
        return getattr(module, name)
    except (ImportError, AttributeError):
        raise ValueError(f"message type '{type_name}' is not installed in this Python environment") from None


def is_message(value: Any) -> bool:
    return hasattr(value, "get_fields_and_field_types")


def to_plain(msg: Any) -> Any:
    """Nested dicts/lists/numbers/strings of a message, in field order (JSON-serialisable)."""
    if is_message(msg):
        return {name: _octet(getattr(msg, name)) if kind == "octet" else to_plain(getattr(msg, name))
                for name, kind in msg.get_fields_and_field_types().items()}
    if isinstance(msg, bytes):
        return list(msg)
    if isinstance(msg, np.ndarray):
        return msg.tolist()
    if isinstance(msg, array.array | list | tuple):
        return [to_plain(v) for v in msg]
    if isinstance(msg, np.generic):
        return msg.item()
    return msg


def _octet(value: bytes | int) -> int:
    """A single `byte` field (diagnostic levels): rclpy holds it as bytes of length 1."""
    return int.from_bytes(value, "little") if isinstance(value, bytes) else int(value)


def _scalar_text(value: Any) -> str:
    """YAML of one value, quoted only where needed (`'30.0'` stays a string), as `ros2 topic echo` does."""
    return yaml.safe_dump(value, width=1 << 30).removesuffix("\n...\n").strip()


def to_yaml(plain: Any, truncate: int = 128, indent: int = 0) -> list[str]:
    """Lines as `ros2 topic echo` prints them; sequences longer than `truncate` end with `'...'` (0 = never)."""
    pad = "  " * indent
    lines: list[str] = []
    for key, value in plain.items():
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines += to_yaml(value, truncate, indent + 1)
        elif isinstance(value, list):
            shown = value[:truncate] if truncate else value
            if not value:
                lines.append(f"{pad}{key}: []")
            elif isinstance(value[0], dict):
                lines.append(f"{pad}{key}:")
                for item in shown:
                    sub = to_yaml(item, truncate, indent + 1)
                    lines.append(f"{pad}- {sub[0].lstrip()}" if sub else f"{pad}- {{}}")
                    lines += sub[1:]
            else:
                lines.append(f"{pad}{key}:")
                lines += [f"{pad}- {_scalar_text(v)}" for v in shown]
            if len(shown) < len(value):
                lines.append(f"{pad}- '...'")
        else:
            lines.append(f"{pad}{key}: {_scalar_text(value)}")
    return lines


def flatten(plain: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted name, scalar) pairs in field order: one CSV column each (`people.0.x.3`)."""
    if isinstance(plain, dict):
        return [item for k, v in plain.items() for item in flatten(v, f"{prefix}{k}.")]
    if isinstance(plain, list):
        return [item for i, v in enumerate(plain) for item in flatten(v, f"{prefix}{i}.")]
    return [(prefix.rstrip("."), plain)]
