"""Declaring a node's parameters from one table, so descriptions, defaults and the YAML agree.

Shared by every nvhai node; tests compare each table with its config/*.yaml.
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


def declare(node: Node, table: tuple[Param, ...]) -> SimpleNamespace:
    """Declare every parameter of `table` on `node` and return their current values."""
    values = {}
    for p in table:
        node.declare_parameter(p.name, p.default, ParameterDescriptor(description=p.description))
        values[p.name] = node.get_parameter(p.name).value
    return SimpleNamespace(**values)


def defaults(table: tuple[Param, ...]) -> dict[str, Any]:
    return {p.name: p.default for p in table}
