"""rclpy node `nvhai-web`: the live web view of a running loop (camera, skeletons, forecasts,
emotion timelines, the avatar's answer, /diagnostics) at http://127.0.0.1:8080/.

Thin: each callback hands plain values to LiveViewState; web_server.py serves them. Every
parameter is read once at start, so all are read-only.
"""

from __future__ import annotations

import sys

from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image

from nvhai_common.image_codec import ImageDecodeError
from nvhai_common.ros_conversions import forecast_xy, image_to_rgb, msg_to_person, stamp_to_sec
from nvhai_common.ros_main import run_node
from nvhai_common.ros_params import POSITIVE, Param, Range, declare
from nvhai_msgs.msg import BodyKeypointsArray, EmotionProbabilities, MotionForecast, NonverbalResponse
from nvhai_tools.live_view_state import LiveViewState
from nvhai_tools.message_fields import to_plain
from nvhai_tools.web_server import LiveViewServer

PARAMETERS: tuple[Param, ...] = (
    Param("host", "127.0.0.1", "Address to serve on; 0.0.0.0 lets other machines on the network watch.", read_only=True),
    Param("port", 8080, "TCP port of the page (0 = any free port; the URL is logged at start).", read_only=True,
          range=Range(0, 65535)),
    Param("allowed_hosts", ["localhost"], "Host names the page may be opened by, besides IP addresses (add the "
          "robot's own, e.g. robot.local, to watch it by name). Requests for another Host (DNS rebinding) and "
          "WebSockets from another site's page are refused with 403.", read_only=True),
    Param("image_topic", "/image_raw", "Camera sensor_msgs/Image under the skeletons (sensor-data QoS).", read_only=True),
    Param("keypoints_topic", "/body_keypoints", "Input nvhai_msgs/BodyKeypointsArray.", read_only=True),
    Param("forecast_topic", "/future_poses", "Input nvhai_msgs/MotionForecast.", read_only=True),
    Param("emotion_topic", "/emotion", "Input nvhai_msgs/EmotionProbabilities.", read_only=True),
    Param("response_topic", "/avatar/response", "Input nvhai_msgs/NonverbalResponse: the avatar drawn and whom it "
          "attends.", read_only=True),
    Param("diagnostics_topic", "/diagnostics", "Input diagnostic_msgs/DiagnosticArray shown as the status table.",
          read_only=True),
    Param("timeline_s", 20.0, "Seconds of emotion history the page scrolls through.", read_only=True, range=POSITIVE),
    Param("forget_after_s", 2.0, "A person unseen for this long (message time) is forgotten, as by the predictor "
          "and the avatar; time going back by more than this (a looped bag) drops what lies ahead of it.", read_only=True,
          range=POSITIVE),
    Param("jpeg_quality", 80, "JPEG quality of the camera image sent to the browser.", read_only=True,
          range=Range(0, 100)),
    Param("max_rate_hz", 60.0, "Most updates per second sent to one browser.", read_only=True, range=POSITIVE),
)


class WebNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__("nvhai_web", **kwargs)
        self.p = p = declare(self, PARAMETERS)
        self.state = LiveViewState(timeline_s=p.timeline_s, forget_after_s=p.forget_after_s,
                                   jpeg_quality=p.jpeg_quality)
        self.create_subscription(Image, p.image_topic, self._on_image, qos_profile_sensor_data)
        self.create_subscription(BodyKeypointsArray, p.keypoints_topic, self._on_keypoints, 10)
        self.create_subscription(MotionForecast, p.forecast_topic, self._on_forecast, 10)
        self.create_subscription(EmotionProbabilities, p.emotion_topic, self._on_emotion, 10)
        self.create_subscription(NonverbalResponse, p.response_topic, self._on_response, 10)
        self.create_subscription(DiagnosticArray, p.diagnostics_topic, self._on_diagnostics, 10)
        self.server = LiveViewServer(self.state, p.host, p.port, p.max_rate_hz, p.allowed_hosts,
                                     log=lambda line: self.get_logger().warning(line))
        self.url = self.server.start()
        self.get_logger().info(f"live view at {self.url}")

    def _on_image(self, msg: Image) -> None:
        try:
            rgb = image_to_rgb(msg)
        except ImageDecodeError as e:
            self.get_logger().warning(f"{self.p.image_topic}: {e}", throttle_duration_sec=5.0)
            return
        self.state.set_image(stamp_to_sec(msg.header.stamp), rgb)

    def _on_keypoints(self, msg: BodyKeypointsArray) -> None:
        people = [msg_to_person(p) for p in msg.people]
        self.state.set_people(stamp_to_sec(msg.header.stamp), msg.image_width, msg.image_height,
                              [(p.person_id, p.xy, p.confidence) for p in people])

    def _on_forecast(self, msg: MotionForecast) -> None:
        n = msg.num_frames * msg.num_keypoints
        if msg.num_keypoints != 17 or len(msg.x) != n or len(msg.y) != n or n == 0:
            self.get_logger().warning(f"{self.p.forecast_topic}: malformed forecast ignored", throttle_duration_sec=5.0)
            return
        period = msg.frame_period.sec + msg.frame_period.nanosec * 1e-9
        self.state.set_forecast(stamp_to_sec(msg.header.stamp), msg.person_id, forecast_xy(msg), period)

    def _on_emotion(self, msg: EmotionProbabilities) -> None:
        if not self.state.add_emotion(stamp_to_sec(msg.header.stamp), msg.person_id, list(msg.labels),
                                      list(msg.probabilities)):
            self.get_logger().warning(f"{self.p.emotion_topic}: emotion of person {msg.person_id} ignored "
                                      "(NaN/inf probabilities, or labels and probabilities differ in length)",
                                      throttle_duration_sec=5.0)

    def _on_response(self, msg: NonverbalResponse) -> None:
        self.state.set_response(to_plain(msg))

    def _on_diagnostics(self, msg: DiagnosticArray) -> None:
        self.state.set_diagnostics([{**s, "values": {kv["key"]: kv["value"] for kv in s["values"]}}
                                    for s in to_plain(msg)["status"]])

    def destroy_node(self) -> None:
        self.server.stop()
        super().destroy_node()


def main(args: list[str] | None = None) -> None:
    try:
        run_node(WebNode, args, prog="nvhai-web", doc=__doc__, parameters=PARAMETERS)
    except (OSError, ValueError) as e:  # port taken or out of range, ...
        print(f"nvhai-web: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
