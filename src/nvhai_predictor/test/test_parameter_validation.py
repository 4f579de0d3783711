"""Parameters are checked where they enter (issue 34, items 2 and 3), in real predictor processes: a NaN, inf, huge
or negative online parameter is refused at start in one line naming it and its range, and so is a value of a type
that cannot be converted; an integer given for a double (`-p adaptation_strength:=300`) is taken as that double.
(A bad `ros2 param set` on a node whose parameters change at run time: nvhai_perception's test_run_time_parameters.py.)"""

from __future__ import annotations

import subprocess
import sys

import pytest
from rcl_interfaces.msg import ParameterType
from rcl_interfaces.srv import GetParameters
from rclpy.node import Node
from ros_harness import make_executor, ros_context, spin_until, start_python, stop, teardown


def start_node(module: str, *params: str) -> subprocess.CompletedProcess:
    args = [arg for p in params for arg in ("-p", p)]
    return subprocess.run([sys.executable, "-m", module, "--ros-args", *args], capture_output=True, text=True,
                          timeout=90)  # a node that accepts the value runs on: a failure


@pytest.mark.parametrize("param, names", [
    ("adaptation_strength:=.nan", ["adaptation_strength", "finite", "from 0 to 1000000"]),
    ("adaptation_strength:=nan", ["adaptation_strength", "finite"]),
    ("adaptation_strength:=1.0e308", ["adaptation_strength", "1000000"]),
    ("adaptation_strength:=-1.0", ["adaptation_strength", "from 0 to"]),
    ("adaptation_axis_strength:=.inf", ["adaptation_axis_strength", "finite"]),
    ("adaptation_memory_s:=-5.0", ["adaptation_memory_s"]),
    ("self_scoring_time_constant_s:=0.0", ["self_scoring_time_constant_s", "> 0"]),
    ("emotion_time_constant_s:=0.0", ["emotion_time_constant_s", "> 0"]),
    ("max_gap_s:=0.0", ["max_gap_s", "> 0"]),
    ("forget_after_s:=-1.0", ["forget_after_s", "> 0"]),
    ("rate_hz:=0.0", ["rate_hz", "> 0"]),
    ("min_confidence:=1.5", ["min_confidence", "0", "1"]),
    ("emotion_smoothing:=median", ["emotion_smoothing", "ema", "raw"]),
    ("online_adaptation:=maybe", ["online_adaptation", "true or false"]),
    ("input_frames:=60.5", ["input_frames", "an integer"]),
])
def test_a_bad_online_parameter_is_refused_at_start_in_one_line(param, names):
    proc = start_node("nvhai_predictor.node", param)
    err = proc.stderr.strip()
    assert proc.returncode in (1, 2), (proc.returncode, err)
    assert "Traceback" not in err and "Exception" not in err, err
    assert len(err.splitlines()) == 1, err
    assert all(n in err for n in names), err


def test_an_integer_for_a_double_parameter_is_taken_as_that_double():
    proc = start_python(["-m", "nvhai_predictor.node", "--ros-args", "-r", "__node:=nvhai_predictor_int",
                         "-p", "adaptation_strength:=300", "-p", "emotion_time_constant_s:=2"])
    try:
        with ros_context() as context:
            io = Node("predictor_int_io", context=context)
            ex = make_executor(context, io)
            client = io.create_client(GetParameters, "/nvhai_predictor_int/get_parameters")
            assert client.wait_for_service(timeout_sec=60.0), "the node did not start"
            future = client.call_async(GetParameters.Request(names=["adaptation_strength", "emotion_time_constant_s"]))
            assert spin_until(ex, future.done, 30.0)
            values = future.result().values
            teardown(ex, io)
    finally:
        out = stop(proc)
    assert [v.type for v in values] == [ParameterType.PARAMETER_DOUBLE] * 2, out
    assert [v.double_value for v in values] == [300.0, 2.0]
    assert "Traceback" not in out, out[-3000:]
