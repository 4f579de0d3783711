"""nvhai_msgs between two separate rclpy processes: every field of every type survives the trip.

The test process publishes fully populated messages (no field at its default), a second
process echoes them back, and every field is compared. The expected field lists are written
out here, so a field dropped from a .msg fails too, not only a mangled value.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from builtin_interfaces.msg import Duration, Time
from ros_harness import make_executor, ros_context, spin_until, start_python, stop
from std_msgs.msg import Header

from nvhai_msgs.msg import BodyKeypoints, BodyKeypointsArray, EmotionProbabilities, MotionForecast, NonverbalResponse

EXPECTED_FIELDS = {
    BodyKeypoints: {"header": "std_msgs/Header", "person_id": "uint32", "image_width": "uint32",
                    "image_height": "uint32", "x": "float[17]", "y": "float[17]", "confidence": "float[17]",
                    "score": "float"},
    BodyKeypointsArray: {"header": "std_msgs/Header", "image_width": "uint32", "image_height": "uint32",
                         "people": "sequence<nvhai_msgs/BodyKeypoints>"},
    MotionForecast: {"header": "std_msgs/Header", "person_id": "uint32",
                     "frame_period": "builtin_interfaces/Duration", "num_frames": "uint32",
                     "num_keypoints": "uint32", "image_width": "uint32", "image_height": "uint32",
                     "x": "sequence<float>", "y": "sequence<float>", "model_name": "string"},
    EmotionProbabilities: {"header": "std_msgs/Header", "person_id": "uint32", "labels": "sequence<string>",
                           "probabilities": "sequence<float>", "label": "string", "confidence": "float",
                           "model_name": "string"},
    NonverbalResponse: {"header": "std_msgs/Header", "person_id": "uint32", "emotion": "string", "confidence": "float",
                        "gesture": "string", "intensity": "float", "pose_x": "float[17]", "pose_y": "float[17]",
                        "look_at_x": "float", "look_at_y": "float"},
}

rng = np.random.default_rng(7)


def header(i: int) -> Header:
    return Header(stamp=Time(sec=1_700_000_000 + i, nanosec=123_456_789 + i), frame_id=f"camera_{i}")


def f32(n: int, scale: float = 640.0) -> np.ndarray:
    return (rng.random(n) * scale + 0.25).astype(np.float32)


def body(i: int) -> BodyKeypoints:
    return BodyKeypoints(header=header(i), person_id=40 + i, image_width=641 + i, image_height=479 + i,
                         x=f32(17), y=f32(17), confidence=f32(17, 1.0), score=float(np.float32(0.8125)))


def samples() -> dict[type, object]:
    return {
        BodyKeypoints: body(1),
        BodyKeypointsArray: BodyKeypointsArray(header=header(2), image_width=1280, image_height=720,
                                               people=[body(3), body(4)]),
        MotionForecast: MotionForecast(header=header(5), person_id=7,
                                       frame_period=Duration(sec=0, nanosec=33_333_333), num_frames=30,
                                       num_keypoints=17, image_width=640, image_height=480, x=f32(510),
                                       y=f32(510), model_name="residual_dct-test"),
        EmotionProbabilities: EmotionProbabilities(header=header(6), person_id=9,
                                                   labels=["enthusiastic", "laughing", "happy to see you"],
                                                   probabilities=np.array([0.5, 0.25, 0.25], np.float32),
                                                   label="enthusiastic", confidence=0.5, model_name="m"),
        NonverbalResponse: NonverbalResponse(header=header(7), person_id=11, emotion="laughing", confidence=0.75,
                                             gesture=NonverbalResponse.GESTURE_LAUGH_ALONG, intensity=0.5,
                                             pose_x=f32(17, 1.0) - 0.5, pose_y=f32(17, 1.0) - 0.5, look_at_x=320.5,
                                             look_at_y=200.25),
    }


def to_plain(value):
    """Message -> nested dict/list of plain values, every field included."""
    if hasattr(value, "get_fields_and_field_types"):
        return {name: to_plain(getattr(value, name)) for name in value.get_fields_and_field_types()}
    if isinstance(value, np.ndarray | list | tuple) or type(value).__name__ == "array":
        return [to_plain(v) for v in value]
    if isinstance(value, np.floating):
        return float(value)
    return value


def test_message_definitions_have_the_designed_fields():
    for msg_type, fields in EXPECTED_FIELDS.items():
        assert msg_type.get_fields_and_field_types() == fields, msg_type.__name__


def test_samples_leave_no_field_at_default():
    for msg_type, msg in samples().items():
        default = to_plain(msg_type())
        plain = to_plain(msg)
        unset = [k for k in plain if plain[k] == default[k]]
        assert not unset, f"{msg_type.__name__} sample leaves {unset} at default: the round trip would not test them"


def test_every_type_round_trips_between_processes():
    echo = start_python([os.path.join(os.path.dirname(__file__), "msg_echo.py")])
    try:
        with ros_context() as context:
            from rclpy.node import Node

            node = Node("nvhai_roundtrip_test", context=context)
            sent = samples()
            received: dict[type, object] = {}
            pubs = {}
            for msg_type in sent:
                pubs[msg_type] = node.create_publisher(msg_type, f"/roundtrip/{msg_type.__name__}", 10)
                node.create_subscription(msg_type, f"/roundtrip/{msg_type.__name__}/echo",
                                         lambda m, t=msg_type: received.setdefault(t, m), 10)
            executor = make_executor(context, node)

            def all_back() -> bool:
                for msg_type, msg in sent.items():
                    if msg_type not in received:
                        pubs[msg_type].publish(msg)  # repeated until discovery has matched the echo
                return len(received) == len(sent)

            assert spin_until(executor, all_back, timeout_s=20.0), (
                f"no echo for {[t.__name__ for t in sent if t not in received]}")
            for msg_type, msg in sent.items():
                assert to_plain(received[msg_type]) == to_plain(msg), msg_type.__name__
            executor.shutdown()
            node.destroy_node()
    finally:
        out = stop(echo)
    assert "echo ready" in out


@pytest.mark.parametrize("field", ["x", "confidence", "person_id"])
def test_comparison_detects_a_mangled_field(field):
    """The comparison used above is not vacuous: one changed value makes it fail."""
    msg = body(1)
    other = body(1)
    other.x, other.y, other.confidence = msg.x.copy(), msg.y.copy(), msg.confidence.copy()
    assert to_plain(other) == to_plain(msg)
    if field == "person_id":
        other.person_id += 1
    else:
        getattr(other, field)[3] += 0.5
    assert to_plain(other) != to_plain(msg)
