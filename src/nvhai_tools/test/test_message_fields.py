"""Real ROS messages as plain values, `ros2 topic echo`-style text and CSV cells (nvhai-echo, the web view)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import yaml
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from sensor_msgs.msg import Image

from nvhai_msgs.msg import BodyKeypoints, BodyKeypointsArray, EmotionProbabilities
from nvhai_tools.echo_cli import Printer, topic_type
from nvhai_tools.message_fields import flatten, message_class, to_plain, to_yaml


def emotion() -> EmotionProbabilities:
    msg = EmotionProbabilities(person_id=4, labels=["enthusiastic", "laughing", "happy to see you"],
                               probabilities=[0.5, 0.25, 0.25], label="enthusiastic", confidence=0.5, model_name="m")
    msg.header.stamp.sec, msg.header.frame_id = 12, "camera"
    return msg


def test_plain_values_follow_the_message_fields_and_are_json():
    plain = to_plain(emotion())
    assert list(plain) == ["header", "person_id", "labels", "probabilities", "label", "confidence", "model_name"]
    assert plain["header"] == {"stamp": {"sec": 12, "nanosec": 0}, "frame_id": "camera"}
    assert plain["probabilities"] == [0.5, 0.25, 0.25]
    arr = BodyKeypointsArray(people=[BodyKeypoints(person_id=1, x=np.arange(17, dtype=np.float32))])
    nested = to_plain(arr)
    assert nested["people"][0]["x"][16] == 16.0 and nested["people"][0]["person_id"] == 1
    json.dumps(nested)


def test_yaml_text_reads_back_as_the_message():
    text = "\n".join(to_yaml(to_plain(emotion())))
    assert yaml.safe_load(text) == to_plain(emotion())
    diag = DiagnosticArray(status=[DiagnosticStatus(name="nvhai_perception", message="ok: 30 FPS",
                                                    values=[KeyValue(key="fps", value="30.0")])])
    back = yaml.safe_load("\n".join(to_yaml(to_plain(diag))))
    assert back["status"][0]["values"] == [{"key": "fps", "value": "30.0"}]
    assert back["status"][0]["message"] == "ok: 30 FPS"


def test_long_arrays_are_truncated_like_ros2_topic_echo():
    img = Image(height=2, width=3, encoding="rgb8", step=9, data=bytes(range(18)))
    lines = to_yaml(to_plain(img), truncate=4)
    start = lines.index("data:")
    assert lines[start + 1:start + 6] == ["- 0", "- 1", "- 2", "- 3", "- '...'"]
    assert len(to_yaml(to_plain(img), truncate=0)) == len(lines) + 18 - 5


def test_csv_has_a_header_then_one_row_per_message():
    out = io.StringIO()
    printer = Printer(as_csv=True, truncate=0, out=out)
    printer(emotion())
    printer(emotion())
    header, row, _ = out.getvalue().splitlines()
    assert header.split(",")[:4] == ["header.stamp.sec", "header.stamp.nanosec", "header.frame_id", "person_id"]
    assert "probabilities.2" in header and row.split(",")[:4] == ["12", "0", "camera", "4"]
    assert flatten({"a": [{"b": 1}]}) == [("a.0.b", 1)]


def test_types_resolve_by_name_and_by_graph():
    assert message_class("nvhai_msgs/msg/EmotionProbabilities") is EmotionProbabilities
    assert message_class("sensor_msgs/Image") is Image
    with pytest.raises(ValueError, match="not installed"):
        message_class("nvhai_msgs/msg/NoSuchThing")
    with pytest.raises(ValueError, match="pkg/msg/Name"):
        message_class("Image")
    graph = [("/emotion", ["nvhai_msgs/msg/EmotionProbabilities"]), ("/x", ["a/msg/A", "b/msg/B"])]
    assert topic_type(graph, "/emotion") == "nvhai_msgs/msg/EmotionProbabilities"
    assert topic_type(graph, "/absent") is None
    with pytest.raises(ValueError, match="several types"):
        topic_type(graph, "/x")
