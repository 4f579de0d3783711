"""A bad `ros2 param set` is refused with the parameter's range (issue 34, items 2 and 3), in a real perception
process (its parameters are not read-only): NaN, out of range, and an integer for a double taken as that double."""

from __future__ import annotations

import pytest
from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.msg import ParameterType, ParameterValue
from rcl_interfaces.srv import GetParameters, SetParameters
from rclpy.node import Node
from ros_harness import make_executor, ros_context, spin_until, start_python, stop, teardown


@pytest.fixture(scope="module")
def perception():
    """A perception node process (not configured: no MediaPipe needed) and a client of its parameter services."""
    proc = start_python(["-m", "nvhai_perception.node", "--ros-args", "-r", "__node:=nvhai_perception_params",
                         "-p", "autostart:=false"])
    with ros_context() as context:
        io = Node("perception_params_io", context=context)
        ex = make_executor(context, io)
        clients = (io.create_client(SetParameters, "/nvhai_perception_params/set_parameters"),
                   io.create_client(GetParameters, "/nvhai_perception_params/get_parameters"))
        assert all(c.wait_for_service(timeout_sec=60.0) for c in clients), "the node did not start"

        def call(client, request):
            future = client.call_async(request)
            assert spin_until(ex, future.done, 30.0), "no answer"
            return future.result()

        yield (lambda name, value: call(clients[0], SetParameters.Request(
                   parameters=[ParameterMsg(name=name, value=value)])).results[0],
               lambda name: call(clients[1], GetParameters.Request(names=[name])).values[0])
        teardown(ex, io)
    out = stop(proc)
    assert "Traceback" not in out, out[-3000:]


def double(x: float) -> ParameterValue:
    return ParameterValue(type=ParameterType.PARAMETER_DOUBLE, double_value=x)


@pytest.mark.parametrize("name, value, names", [
    ("min_detection_confidence", double(1.5), ["min_detection_confidence", "from 0 to 1"]),
    ("smoothing_beta", double(float("nan")), ["smoothing_beta", "finite"]),
    ("smoothing_min_cutoff", double(0.0), ["smoothing_min_cutoff", "> 0"]),
    ("max_people", ParameterValue(type=ParameterType.PARAMETER_INTEGER, integer_value=0), ["max_people", "from 1"]),
])
def test_a_bad_run_time_change_is_refused_with_the_range(perception, name, value, names):
    set_parameter, get_parameter = perception
    before = get_parameter(name)
    result = set_parameter(name, value)
    assert not result.successful and all(n in result.reason for n in names), result.reason
    assert get_parameter(name) == before


def test_an_integer_set_at_run_time_for_a_double_is_taken_as_that_double(perception):
    set_parameter, get_parameter = perception
    result = set_parameter("smoothing_beta", ParameterValue(type=ParameterType.PARAMETER_INTEGER, integer_value=1))
    assert result.successful, result.reason
    value = get_parameter("smoothing_beta")
    assert value.type == ParameterType.PARAMETER_DOUBLE and value.double_value == 1.0
