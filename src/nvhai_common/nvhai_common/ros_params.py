"""Declaring a node's parameters from one table, so descriptions, defaults and the YAML agree.

Shared by every nvhai node; tests compare each table with its config/*.yaml. A node that reads a
parameter only when it starts marks it `read_only`: rclpy then refuses `ros2 param set` on it
("Trying to set a read-only parameter") instead of the node accepting a value it never uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    description: str
    read_only: bool = False


def declare(node: Node, table: tuple[Param, ...]) -> SimpleNamespace:
    """Declare every parameter of `table` on `node` and return their current values."""
    values = {}
    for p in table:
        node.declare_parameter(p.name, p.default, ParameterDescriptor(description=p.description, read_only=p.read_only))
        values[p.name] = node.get_parameter(p.name).value
    return SimpleNamespace(**values)


def defaults(table: tuple[Param, ...]) -> dict[str, Any]:
    return {p.name: p.default for p in table}
