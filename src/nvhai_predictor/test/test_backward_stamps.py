"""Occasional backward stamps (issue 34, item 4) against a real predictor process: one message 1 s back every
15th (a second camera on another clock, a republisher) is refused for the people in it, counted on /diagnostics,
and no longer restarts anyone's window: a control person keeps being forecast at about the rate of the camera.
Time that jumps back and stays back (a bag played with --loop) still restarts the window, and forecasts resume."""

from __future__ import annotations

import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node
from ros_harness import keypoints_msg, make_executor, ros_context, spin_until, start_python, stop, teardown
from std_msgs.msg import Header
from waving import waving

from nvhai_common.ros_conversions import sec_to_stamp, stamp_to_sec
from nvhai_msgs.msg import BodyKeypointsArray, MotionForecast
from nvhai_predictor.node import DIAGNOSTIC_NAME

RATE = 30.0
FORWARD = 450  # 15 s of camera
WINDOW = 60  # frames before a person's first forecast


def people_msg(t: float, people: dict[int, np.ndarray]) -> BodyKeypointsArray:
    return keypoints_msg(Header(stamp=sec_to_stamp(t), frame_id="camera"), people)


def test_one_backward_message_in_fifteen_does_not_blank_anyone():
    proc = start_python(["-m", "nvhai_predictor.node", "--ros-args", "-r", "__node:=nvhai_predictor_backward",
                         "-p", "diagnostics_period_s:=0.5"])
    try:
        with ros_context() as context:
            io = Node("backward_stamps_io", context=context)
            pub = io.create_publisher(BodyKeypointsArray, "/body_keypoints", 1000)
            stamps: list[float] = []
            rejected: list[str] = []
            io.create_subscription(MotionForecast, "/future_poses", lambda m: stamps.append(
                stamp_to_sec(m.header.stamp)) if m.person_id == 1 else None, 1000)
            io.create_subscription(DiagnosticArray, "/diagnostics", lambda m: rejected.extend(
                s.message for s in m.status if s.name == DIAGNOSTIC_NAME and "refused" in s.message), 100)
            ex = make_executor(context, io)
            assert spin_until(ex, lambda: pub.get_subscription_count() > 0, 60.0), "the predictor did not start"
            t0, start = 100.0, time.monotonic()
            for k in range(FORWARD):
                t = t0 + k / RATE
                pub.publish(people_msg(t, {1: waving(k), 2: waving(k + 7)}))
                if k % 15 == 14:  # another camera's message, its clock 1 s behind, with the same people
                    pub.publish(people_msg(t - 1.0, {1: waving(k), 2: waving(k + 7)}))
                spin_until(ex, lambda k=k: time.monotonic() - start >= (k + 1) / RATE, 1.0)  # camera pace
            forward = [t0 + k / RATE for k in range(WINDOW - 1, FORWARD)]
            spin_until(ex, lambda: len(stamps) >= len(forward) and rejected, 30.0)
            served = len(set(stamps))
            assert served >= 0.8 * len(forward), f"{served} forecasts of the control person for {len(forward)} frames"
            assert any("before the previous one" in r for r in rejected), rejected

            # A bag played with --loop: time goes back 30 s and stays back. The window restarts and forecasts resume.
            loop0 = t0 - 30.0
            before = len(stamps)
            for k in range(2 * WINDOW):
                pub.publish(people_msg(loop0 + k / RATE, {1: waving(k)}))
                spin_until(ex, lambda: False, 1 / RATE)
            assert spin_until(ex, lambda: any(t < t0 for t in stamps[before:]), 30.0), "no forecast after the loop"
            teardown(ex, io)
    finally:
        out = stop(proc, timeout_s=20)
    assert "Traceback" not in out, out[-3000:]
