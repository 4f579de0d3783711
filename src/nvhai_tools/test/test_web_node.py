"""`nvhai-web` in a real rclpy graph: every topic it listens to reaches the page's JSON."""

from __future__ import annotations

import json
import urllib.request

import numpy as np
from builtin_interfaces.msg import Duration
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import qos_profile_sensor_data
from ros_harness import make_executor, ros_context, spin_until, teardown
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from nvhai_common.ros_conversions import rgb_to_image, sec_to_stamp
from nvhai_msgs.msg import BodyKeypoints, BodyKeypointsArray, EmotionProbabilities, MotionForecast, NonverbalResponse
from nvhai_tools.web_node import WebNode

LABELS = ["enthusiastic", "laughing", "happy to see you"]


def test_web_node_serves_what_the_graph_publishes():
    with ros_context() as context:
        web = WebNode(context=context, parameter_overrides=[Parameter("port", value=0)])
        io = Node("web_test_io", context=context)
        pubs = {
            "image": io.create_publisher(Image, "/image_raw", qos_profile_sensor_data),
            "kp": io.create_publisher(BodyKeypointsArray, "/body_keypoints", 10),
            "fc": io.create_publisher(MotionForecast, "/future_poses", 10),
            "em": io.create_publisher(EmotionProbabilities, "/emotion", 10),
            "resp": io.create_publisher(NonverbalResponse, "/avatar/response", 10),
            "diag": io.create_publisher(DiagnosticArray, "/diagnostics", 10),
        }
        ex = make_executor(context, web, io)
        assert spin_until(ex, lambda: all(p.get_subscription_count() for p in pubs.values()))
        header = Header(stamp=sec_to_stamp(50.0), frame_id="camera")
        rgb = np.zeros((48, 64, 3), np.uint8)
        rgb[:, :32] = (200, 40, 40)
        xy = np.stack([np.linspace(10, 50, 17), np.linspace(5, 40, 17)], axis=1).astype(np.float32)
        future = np.repeat(xy[None], 30, axis=0) + np.arange(30)[:, None, None]
        counts = lambda: json.loads(urllib.request.urlopen(web.url + "state.json", timeout=10).read())["counts"]  # noqa: E731
        for _ in range(50):  # best-effort and volatile: publish until everything has been seen once
            pubs["image"].publish(rgb_to_image(rgb, header, "bgr8"))
            pubs["kp"].publish(BodyKeypointsArray(header=header, image_width=64, image_height=48, people=[
                BodyKeypoints(header=header, person_id=3, image_width=64, image_height=48, x=xy[:, 0], y=xy[:, 1],
                              confidence=np.ones(17, np.float32), score=0.9)]))
            pubs["fc"].publish(MotionForecast(header=header, person_id=3, frame_period=Duration(nanosec=33_333_333),
                                              num_frames=30, num_keypoints=17, image_width=64, image_height=48,
                                              x=future[..., 0].ravel(), y=future[..., 1].ravel()))
            pubs["em"].publish(EmotionProbabilities(header=header, person_id=3, labels=LABELS,
                                                    probabilities=[0.1, 0.7, 0.2], label="laughing", confidence=0.7))
            pubs["resp"].publish(NonverbalResponse(header=header, person_id=3, emotion="laughing", confidence=0.7,
                                                   gesture="laugh_along", intensity=0.5))
            pubs["diag"].publish(DiagnosticArray(header=header, status=[DiagnosticStatus(
                level=DiagnosticStatus.WARN, name="nvhai_perception: pose estimation", message="slow",
                values=[KeyValue(key="fps", value="7.5")])]))
            spin_until(ex, lambda: False, 0.1)
            if all(counts().values()):
                break
        snap = json.loads(urllib.request.urlopen(web.url + "state.json", timeout=10).read())
        teardown(ex, web, io)
    assert all(snap["counts"].values()), snap["counts"]
    assert snap["frame"]["width"] == 64 and snap["frame"]["height"] == 48
    (person,) = snap["people"]
    assert person["id"] == 3
    np.testing.assert_allclose(person["xy"], xy, atol=0.05)
    np.testing.assert_allclose(person["forecast"]["1.00"], future[29], atol=0.05)
    np.testing.assert_allclose(person["forecast"]["0.33"], future[9], atol=0.05)
    assert snap["latest_emotion"]["3"]["label"] == "laughing"
    assert snap["response"]["gesture"] == "laugh_along" and snap["response"]["person_id"] == 3
    (status,) = snap["diagnostics"]
    assert status["level"] == "WARN" and status["values"] == {"fps": "7.5"}
