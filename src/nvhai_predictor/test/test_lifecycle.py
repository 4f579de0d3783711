"""The predictor as a managed node: `predictor_node` with autostart false, driven from this
process through its real lifecycle services (as live.launch.py and `ros2 lifecycle set` do)."""

from __future__ import annotations

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from lifecycle_client import LifecycleClient
from rclpy.node import Node
from ros_harness import keypoints_msg, make_executor, ros_context, spin_until, start_python, stop, teardown
from std_msgs.msg import Header

from nvhai_common.ros_conversions import sec_to_stamp
from nvhai_msgs.msg import BodyKeypointsArray, MotionForecast
from nvhai_predictor.node import DIAGNOSTIC_NAME


def frame(t: float) -> BodyKeypointsArray:
    """One person, a still body swaying a little: enough for a forecast once 2 s are in."""
    k = np.arange(17)
    xy = np.stack([300.0 + 5 * k + 10 * np.sin(t), 100.0 + 20 * k], axis=1)
    return keypoints_msg(Header(stamp=sec_to_stamp(t)), {1: xy})


def test_transitions_gate_forecasting():
    proc = start_python(["-m", "nvhai_predictor.node", "--ros-args", "-p", "autostart:=false",
                         "-p", "keypoints_topic:=/lc/keypoints", "-p", "forecast_topic:=/lc/future",
                         "-p", "diagnostics_period_s:=0.3"])
    try:
        with ros_context() as context:
            io = Node("predictor_lifecycle_test", context=context)
            pub = io.create_publisher(BodyKeypointsArray, "/lc/keypoints", 200)
            got: list[MotionForecast] = []
            diags: list[DiagnosticStatus] = []
            io.create_subscription(MotionForecast, "/lc/future", got.append, 200)
            io.create_subscription(DiagnosticArray, "/diagnostics", lambda m: diags.extend(
                s for s in m.status if s.name == DIAGNOSTIC_NAME), 100)
            ex = make_executor(context, io)
            lc = LifecycleClient(io, ex, "nvhai_predictor")
            assert lc.wait(), "lifecycle services did not come up"

            def feed(t0: float) -> None:
                for i in range(65):
                    pub.publish(frame(t0 + i / 30))
                    spin_until(ex, lambda: False, 0.003)

            assert lc.state() == "unconfigured"
            assert pub.get_subscription_count() == 0, "no subscription before configure"
            assert spin_until(ex, lambda: any("unconfigured" in s.message for s in diags), 30.0)

            assert lc.transition("configure") and lc.state() == "inactive"
            assert spin_until(ex, lambda: pub.get_subscription_count() > 0, 30.0)
            feed(10.0)
            spin_until(ex, lambda: False, 1.0)
            assert not got, "an inactive node forecasts nothing"

            assert lc.transition("activate") and lc.state() == "active"
            feed(20.0)
            assert spin_until(ex, lambda: len(got) > 0, 30.0), "an active node forecasts"

            assert lc.transition("deactivate") and lc.state() == "inactive"
            spin_until(ex, lambda: False, 0.5)
            seen = len(got)
            feed(30.0)
            spin_until(ex, lambda: False, 1.0)
            assert len(got) == seen, "deactivated: forecasting stops"

            assert lc.transition("cleanup") and lc.state() == "unconfigured"
            assert spin_until(ex, lambda: pub.get_subscription_count() == 0, 30.0), "cleanup closes the topics"
            assert lc.transition("configure") and lc.transition("activate") and lc.state() == "active"
            feed(40.0)
            assert spin_until(ex, lambda: len(got) > seen, 30.0), "configured again, it serves again"
            teardown(ex, io)
        assert proc.poll() is None
    finally:
        out = stop(proc)
    assert "Traceback" not in out, out[-3000:]
