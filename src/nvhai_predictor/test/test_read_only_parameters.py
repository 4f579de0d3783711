"""Parameters the predictor reads only at start are read-only (issue 23, item 5): a run-time change, as
`ros2 param set` sends it, is refused instead of accepted and ignored; model_path still changes at run time."""

from __future__ import annotations

import pytest
from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.msg import ParameterType, ParameterValue
from rcl_interfaces.srv import DescribeParameters, SetParameters
from rclpy.node import Node
from ros_harness import make_executor, ros_context, spin_until, start_python, stop, teardown

from nvhai_predictor.model_runner import default_model_path
from nvhai_predictor.node import PARAMETERS


def value_of(default) -> ParameterValue:
    if isinstance(default, bool):
        return ParameterValue(type=ParameterType.PARAMETER_BOOL, bool_value=not default)
    if isinstance(default, int):
        return ParameterValue(type=ParameterType.PARAMETER_INTEGER, integer_value=default + 1)
    if isinstance(default, float):
        return ParameterValue(type=ParameterType.PARAMETER_DOUBLE, double_value=default / 2)
    if isinstance(default, list):
        return ParameterValue(type=ParameterType.PARAMETER_STRING_ARRAY, string_array_value=default)
    return ParameterValue(type=ParameterType.PARAMETER_STRING, string_value=default + "_changed")


START_ONLY = [p for p in PARAMETERS if p.name != "model_path"]


@pytest.fixture(scope="module")
def predictor():
    proc = start_python(["-m", "nvhai_predictor.node", "--ros-args", "-r", "__node:=nvhai_predictor_ro"])
    with ros_context() as context:
        io = Node("predictor_ro_io", context=context)
        ex = make_executor(context, io)
        set_client = io.create_client(SetParameters, "/nvhai_predictor_ro/set_parameters")
        describe = io.create_client(DescribeParameters, "/nvhai_predictor_ro/describe_parameters")
        assert set_client.wait_for_service(timeout_sec=60.0) and describe.wait_for_service(timeout_sec=60.0)

        def call(client, request):
            future = client.call_async(request)
            assert spin_until(ex, future.done, 30.0), "no answer"
            return future.result()

        yield lambda params: call(set_client, SetParameters.Request(parameters=params)).results, \
            lambda names: call(describe, DescribeParameters.Request(names=names)).descriptors
        teardown(ex, io)
    out = stop(proc)
    assert "Traceback" not in out, out[-3000:]


@pytest.mark.parametrize("param", START_ONLY, ids=[p.name for p in START_ONLY])
def test_a_start_only_parameter_refuses_a_run_time_change(predictor, param):
    set_parameters, describe = predictor
    (result,) = set_parameters([ParameterMsg(name=param.name, value=value_of(param.default))])
    assert not result.successful and "read-only" in result.reason, (param.name, result.reason)
    (descriptor,) = describe([param.name])
    assert descriptor.read_only, f"`ros2 param describe` must show {param.name} as read-only"


def test_model_path_still_changes_at_run_time(predictor):
    set_parameters, _ = predictor
    value = ParameterValue(type=ParameterType.PARAMETER_STRING, string_value=default_model_path())
    (result,) = set_parameters([ParameterMsg(name="model_path", value=value)])
    assert result.successful, result.reason
