"""Declaring a node's parameters from one table, so descriptions, defaults, ranges and the YAML agree.

Shared by every nvhai node; tests compare each table with its config/*.yaml. A node that reads a
parameter only when it starts marks it `read_only`: rclpy then refuses `ros2 param set` on it
("Trying to set a read-only parameter") instead of the node accepting a value it never uses.

Every value is checked where it enters, at start and at `ros2 param set`: a double must be finite
(a NaN strength once silenced the predictor after its first ridge fit) and inside the parameter's
`Range`, a string one of its `choices`. An integer given for a double (`-p adaptation_strength:=300`,
as ROS users type) is taken as that double; a value of a type that cannot be converted is refused.
At start a refusal is a `ParameterError`, which `ros_main.run_node` prints as one line (exit 2); at
run time the set is refused with the same reason.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter


class ParameterError(ValueError):
    """A parameter value a node refuses to start with; the message names the parameter and what it must be."""


@dataclass(frozen=True)
class Range:
    """The numbers a parameter allows: `low` to `high` (`low` itself excluded when `low_open`, e.g. a time
    constant > 0); `or_zero` also allows 0 below `low`, for parameters where 0 means "off"."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    or_zero: bool = False

    def allows(self, value: float) -> bool:
        if self.or_zero and value == 0:
            return True
        return (value > self.low if self.low_open else value >= self.low) and value <= self.high  # NaN: neither

    def describe(self, integer: bool) -> str:
        kind = "an integer" if integer else "a finite number"
        low, high = _number(self.low), _number(self.high)
        if math.isinf(self.low) and math.isinf(self.high):
            text = kind
        elif math.isinf(self.high):
            text = f"{kind} {'>' if self.low_open else '>='} {low}"
        elif math.isinf(self.low):
            text = f"{kind} <= {high}"
        elif self.low_open:
            text = f"{kind} > {low} and <= {high}"
        else:
            text = f"{kind} from {low} to {high}"
        return f"0 or {text}" if self.or_zero else text


POSITIVE = Range(0.0, low_open=True)
NON_NEGATIVE = Range(0.0)
UNIT = Range(0.0, 1.0)


def _number(x: float) -> str:
    return str(int(x)) if math.isfinite(x) and x == int(x) else f"{x:g}"


_KINDS = {Parameter.Type.BOOL: "true or false", Parameter.Type.INTEGER: "an integer",
          Parameter.Type.DOUBLE: "a number", Parameter.Type.STRING: "a string",
          Parameter.Type.BOOL_ARRAY: "a list of true/false", Parameter.Type.INTEGER_ARRAY: "a list of integers",
          Parameter.Type.DOUBLE_ARRAY: "a list of numbers", Parameter.Type.STRING_ARRAY: "a list of strings"}


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    description: str
    read_only: bool = False
    range: Range | None = None  # numbers only; a double is always required to be finite
    choices: tuple[str, ...] = ()  # strings only; empty: any string

    @property
    def type(self) -> Parameter.Type:
        return Parameter.Type.from_parameter_value(self.default)

    def constraints(self) -> str:
        """What the value must be, as `ros2 param describe` shows it and every refusal says it."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.type in (Parameter.Type.INTEGER, Parameter.Type.DOUBLE):
            return (self.range or Range()).describe(self.type == Parameter.Type.INTEGER)
        return _KINDS.get(self.type, self.type.name.lower())

    def convert(self, value: Any) -> Any:
        """`value` as this parameter's type (an integer for a double becomes that double), or ParameterError."""
        given = Parameter.Type.from_parameter_value(value)
        if self.type == Parameter.Type.DOUBLE and given == Parameter.Type.INTEGER:
            return float(value)
        if given != self.type:
            raise ParameterError(f"parameter {self.name} = {value!r} ({_KINDS.get(given, given.name.lower())}): "
                                 f"must be {_KINDS.get(self.type, self.type.name.lower())}")
        return value

    def check(self, value: Any) -> Any:
        """The value to use, or ParameterError naming the parameter and what it must be."""
        value = self.convert(value)
        if self.type in (Parameter.Type.INTEGER, Parameter.Type.DOUBLE):
            finite = self.type == Parameter.Type.INTEGER or math.isfinite(value)
            if not (finite and (self.range or Range()).allows(value)):
                raise ParameterError(f"parameter {self.name} = {value!r}: must be {self.constraints()}")
        if self.choices and value not in self.choices:
            raise ParameterError(f"parameter {self.name} = {value!r}: must be {self.constraints()}")
        return value

    def descriptor(self, dynamic: bool = False) -> ParameterDescriptor:
        return ParameterDescriptor(description=self.description, additional_constraints=self.constraints(),
                                   read_only=self.read_only and not dynamic, dynamic_typing=dynamic,
                                   type=0 if dynamic else self.type.value)


def declare(node: Node, table: tuple[Param, ...]) -> SimpleNamespace:
    """Declare every parameter of `table` on `node`, check it, and return their values (ParameterError when one
    is refused). Each is declared with any type first, so a wrong type is our one-line refusal rather than
    rclpy's InvalidParameterTypeException, then given its static type and read-only flag."""
    values = {}
    for p in table:
        given = node.declare_parameter(p.name, p.default, p.descriptor(dynamic=True)).value
        value = p.check(given)
        node.set_descriptor(p.name, p.descriptor(), Parameter(p.name, value=value).get_parameter_value())
        values[p.name] = value
    by_name = {p.name: p for p in table}
    node.add_pre_set_parameters_callback(partial(_convert, by_name))
    node.add_on_set_parameters_callback(partial(_validate, by_name))
    return SimpleNamespace(**values)


def _convert(table: dict[str, Param], params: list[Parameter]) -> list[Parameter]:
    """Before a run-time set: an integer for a double parameter becomes that double."""
    out = []
    for param in params:
        p = table.get(param.name)
        if p is not None and p.type == Parameter.Type.DOUBLE and param.type_ == Parameter.Type.INTEGER:
            param = Parameter(param.name, value=float(param.value))
        out.append(param)
    return out


def _validate(table: dict[str, Param], params: list[Parameter]) -> SetParametersResult:
    """A run-time set of a value out of range is refused, with the reason a refusal at start gives."""
    for param in params:
        p = table.get(param.name)
        if p is None:
            continue
        try:
            p.check(param.value)
        except ParameterError as e:
            return SetParametersResult(successful=False, reason=str(e))
    return SetParametersResult(successful=True)


def help_text(prog: str, doc: str, table: tuple[Param, ...]) -> str:
    """`prog --help`: what the node is and each parameter with its default, what it must be, and its description."""
    lines = [f"usage: {prog} [--ros-args -p NAME:=VALUE ... | --params-file FILE]", "", doc.strip(), ""]
    if table:
        lines.append("parameters (default; what a value must be):")
    for p in table:
        lines.append(f"  {p.name} ({p.default!r}; {p.constraints()}{'; read-only' if p.read_only else ''})")
        lines += textwrap.wrap(p.description, 100, initial_indent="      ", subsequent_indent="      ")
    return "\n".join(lines)


def defaults(table: tuple[Param, ...]) -> dict[str, Any]:
    return {p.name: p.default for p in table}
