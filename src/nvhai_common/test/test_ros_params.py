"""ros_params: ranges, type conversion and refusals as one line, on a real rclpy node."""

from __future__ import annotations

import math

import pytest
from rclpy.node import Node
from rclpy.parameter import Parameter
from ros_harness import ros_context

from nvhai_common.ros_params import NON_NEGATIVE, POSITIVE, UNIT, Param, ParameterError, Range, declare

TABLE = (
    Param("strength", 300.0, "A double >= 0.", read_only=True, range=Range(0.0, 1e6)),
    Param("memory_s", 20.0, "0 (off) or 1..1e6.", range=Range(1.0, 1e6, or_zero=True)),
    Param("rate_hz", 30.0, "A double > 0.", range=POSITIVE),
    Param("depth", 10, "An integer >= 1.", range=Range(1, 100)),
    Param("mode", "ema", "A choice.", choices=("ema", "raw")),
    Param("enabled", True, "A bool."),
    Param("free", 1.5, "Any finite double."),
)


@pytest.mark.parametrize("r, integer, text", [
    (POSITIVE, False, "a finite number > 0"),
    (NON_NEGATIVE, False, "a finite number >= 0"),
    (UNIT, False, "a finite number from 0 to 1"),
    (Range(1, 100), True, "an integer from 1 to 100"),
    (Range(0.0, 1e6, low_open=True), False, "a finite number > 0 and <= 1000000"),
    (Range(1.0, 1e6, or_zero=True), False, "0 or a finite number from 1 to 1000000"),
])
def test_a_range_says_what_it_allows(r, integer, text):
    assert r.describe(integer) == text


@pytest.mark.parametrize("r, allowed, refused", [
    (POSITIVE, [1e-9, 5.0], [0.0, -1.0, math.nan]),
    (Range(1.0, 1e6, or_zero=True), [0.0, 1.0, 1e6], [0.5, -1.0, 2e6, math.nan]),
])
def test_a_range_allows_its_values_only(r, allowed, refused):
    assert all(r.allows(v) for v in allowed) and not any(r.allows(v) for v in refused)


def declared(overrides: dict) -> dict:
    with ros_context() as context:
        node = Node("ros_params_test", context=context,
                    parameter_overrides=[Parameter(k, value=v) for k, v in overrides.items()])
        try:
            values = vars(declare(node, TABLE))
            stored = {p.name: node.get_parameter(p.name).value for p in TABLE}
            assert stored == values
            assert node.describe_parameter("strength").read_only
            assert node.describe_parameter("strength").type == Parameter.Type.DOUBLE.value
            return values
        finally:
            node.destroy_node()


def test_an_integer_for_a_double_is_that_double():
    values = declared({"strength": 300, "rate_hz": 15})
    assert values["strength"] == 300.0 and isinstance(values["strength"], float)
    assert values["rate_hz"] == 15.0 and isinstance(values["rate_hz"], float)


@pytest.mark.parametrize("overrides, message", [
    ({"strength": math.nan}, "parameter strength = nan: must be a finite number from 0 to 1000000"),
    ({"strength": 1e308}, "parameter strength = 1e+308: must be a finite number from 0 to 1000000"),
    ({"free": math.inf}, "parameter free = inf: must be a finite number"),
    ({"memory_s": 0.5}, "parameter memory_s = 0.5: must be 0 or a finite number from 1 to 1000000"),
    ({"depth": 0}, "parameter depth = 0: must be an integer from 1 to 100"),
    ({"depth": 2.5}, "parameter depth = 2.5 (a number): must be an integer"),
    ({"mode": "median"}, "parameter mode = 'median': must be one of ema, raw"),
    ({"enabled": "maybe"}, "parameter enabled = 'maybe' (a string): must be true or false"),
])
def test_a_bad_value_is_one_line_naming_the_parameter_and_its_range(overrides, message):
    with pytest.raises(ParameterError) as e:
        declared(overrides)
    assert str(e.value) == message


def test_a_run_time_set_is_converted_and_checked():
    with ros_context() as context:
        node = Node("ros_params_set_test", context=context)
        try:
            declare(node, TABLE)
            assert node.set_parameters([Parameter("rate_hz", value=60)])[0].successful
            assert node.get_parameter("rate_hz").value == 60.0
            (refused,) = node.set_parameters([Parameter("rate_hz", value=-1.0)])
            assert not refused.successful and refused.reason == "parameter rate_hz = -1.0: must be a finite number > 0"
            assert node.get_parameter("rate_hz").value == 60.0
            (read_only,) = node.set_parameters([Parameter("strength", value=1.0)])
            assert not read_only.successful and "read-only" in read_only.reason
        finally:
            node.destroy_node()
