"""The perception node as a managed node: `perception_node` with autostart false, driven from this
process through its real lifecycle services (as live.launch.py and `ros2 lifecycle set` do)."""

from __future__ import annotations

from builtin_interfaces.msg import Time
from lifecycle_client import LifecycleClient
from rclpy.node import Node
from real_media import demo_video_frames
from ros_harness import make_executor, ros_context, spin_until, start_python, stop, teardown
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from nvhai_common.ros_conversions import rgb_to_image
from nvhai_msgs.msg import BodyKeypointsArray

FRAME = demo_video_frames(80, 81)[0]


def test_configure_opens_the_estimator_and_activate_starts_publishing():
    proc = start_python(["-m", "nvhai_perception.node", "--ros-args", "-p", "autostart:=false",
                         "-p", "image_topic:=/lc/image", "-p", "image_qos_reliability:=reliable"])
    try:
        with ros_context() as context:
            io = Node("perception_lifecycle_test", context=context)
            pub = io.create_publisher(Image, "/lc/image", 10)
            got: list[BodyKeypointsArray] = []
            io.create_subscription(BodyKeypointsArray, "/body_keypoints", got.append, 100)
            ex = make_executor(context, io)
            lc = LifecycleClient(io, ex, "nvhai_perception")
            assert lc.wait(), "lifecycle services did not come up"

            def send(i: int) -> None:
                pub.publish(rgb_to_image(FRAME, Header(stamp=Time(sec=i), frame_id="camera"), "bgr8"))

            assert lc.state() == "unconfigured" and pub.get_subscription_count() == 0
            assert lc.transition("configure") and lc.state() == "inactive"
            assert spin_until(ex, lambda: pub.get_subscription_count() > 0, 30.0)
            for i in range(3):
                send(i)
            spin_until(ex, lambda: False, 2.0)
            assert not got, "an inactive node publishes nothing"

            assert lc.transition("activate") and lc.state() == "active"
            for i in range(10, 13):  # a person is published from their third frame on
                send(i)
                assert spin_until(ex, lambda i=i: any(m.header.stamp.sec == i for m in got), 60.0)
            assert len(got[-1].people) == 1

            assert lc.transition("deactivate") and lc.state() == "inactive"
            send(20)
            spin_until(ex, lambda: False, 2.0)
            assert all(m.header.stamp.sec != 20 for m in got), "deactivated: publishing stops"
            teardown(ex, io)
        assert proc.poll() is None
    finally:
        out = stop(proc)
    assert "Traceback" not in out, out[-3000:]
