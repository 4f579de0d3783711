"""rclpy node: the reference avatar/robot controller.

/body_keypoints + /future_poses + /emotion -> /avatar/response (nvhai_msgs/NonverbalResponse,
for a robot controller: whom it attends, where to look, what to do), /avatar/image (the rendered
avatar) and /avatar/markers (RViz/Foxglove). The decisions live in controller.py.
"""

from __future__ import annotations

import numpy as np
from geometry_msgs.msg import Point
from rclpy.duration import Duration
from rclpy.node import Node
from sensor_msgs.msg import Image
from visualization_msgs.msg import Marker, MarkerArray

from nvhai_avatar.attention import Attention, AttentionConfig
from nvhai_avatar.controller import AvatarController
from nvhai_avatar.render import render_avatar
from nvhai_avatar.response_policy import Response, ResponsePolicy
from nvhai_common.coco17 import SKELETON
from nvhai_common.ros_conversions import forecast_xy, msg_to_person, rgb_to_image, stamp_to_sec
from nvhai_common.ros_main import run_node
from nvhai_common.ros_params import Param, declare
from nvhai_msgs.msg import BodyKeypointsArray, EmotionProbabilities, MotionForecast, NonverbalResponse

PARAMETERS: tuple[Param, ...] = (
    Param("keypoints_topic", "/body_keypoints", "Input nvhai_msgs/BodyKeypointsArray: who is in view (attention)."),
    Param("forecast_topic", "/future_poses", "Input nvhai_msgs/MotionForecast."),
    Param("emotion_topic", "/emotion", "Input nvhai_msgs/EmotionProbabilities."),
    Param("response_topic", "/avatar/response", "Output nvhai_msgs/NonverbalResponse (for robot controllers)."),
    Param("image_topic", "/avatar/image", "Output rendered avatar (sensor_msgs/Image rgb8); empty = off."),
    Param("markers_topic", "/avatar/markers", "Output visualization_msgs/MarkerArray; empty = off."),
    Param("anticipation_frames", 10, "Mirror the person's pose forecast this many frames ahead."),
    Param("min_confidence", 0.45, "Smoothed emotion probability needed to express a gesture."),
    Param("gesture_sustain_s", 1.0, "A gesture starts only after its label has been on top, confident, without "
          "a break for this long (s): no wave back to a passing arm movement. 0 = at once."),
    Param("forget_after_s", 2.0, "A person unseen for this long (message time) is forgotten, with their emotion."),
    Param("forecast_timeout_s", 0.3, "Without a forecast of the attended person this recent, answer from their "
          "current keypoints (attention only until their window fills)."),
    Param("weight_facing", 0.4, "Engagement weight of facing the camera (shoulder width, face seen)."),
    Param("weight_size", 0.3, "Engagement weight of size in the image (closeness)."),
    Param("weight_centrality", 0.15, "Engagement weight of being near the image centre."),
    Param("weight_presence", 0.15, "Engagement weight of time present (full after presence_full_s)."),
    Param("presence_full_s", 3.0, "Seconds in view after which the presence cue is 1."),
    Param("switch_margin", 0.1, "Another person's engagement must exceed the attended person's by this..."),
    Param("switch_after_s", 1.0, "...for this long (s) before the avatar turns to them (hysteresis)."),
    Param("image_width", 320, "Width of the avatar image."),
    Param("image_height", 360, "Height of the avatar image."),
    Param("marker_scale", 0.001, "Metres per image pixel for markers (forecast drawn in the camera frame's plane)."),
)


class AvatarNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__("nvhai_avatar", **kwargs)
        self.p = p = declare(self, PARAMETERS)
        self.controller = AvatarController(
            ResponsePolicy(p.min_confidence, p.anticipation_frames, p.gesture_sustain_s),
            Attention(AttentionConfig(p.weight_facing, p.weight_size, p.weight_centrality, p.weight_presence,
                                      p.presence_full_s, p.switch_margin, p.switch_after_s, p.forget_after_s)),
            p.forecast_timeout_s)
        self.response_pub = self.create_publisher(NonverbalResponse, p.response_topic, 10)
        self.image_pub = self.create_publisher(Image, p.image_topic, 1) if p.image_topic else None
        self.marker_pub = self.create_publisher(MarkerArray, p.markers_topic, 1) if p.markers_topic else None
        self.create_subscription(BodyKeypointsArray, p.keypoints_topic, self._on_keypoints, 10)
        self.create_subscription(EmotionProbabilities, p.emotion_topic, self._on_emotion, 10)
        self.create_subscription(MotionForecast, p.forecast_topic, self._on_forecast, 10)
        self.last_response: Response | None = None

    def _on_keypoints(self, msg: BodyKeypointsArray) -> None:
        people = {}
        for person in msg.people:
            if len(person.x) == len(person.y) == len(person.confidence) == 17:
                p = msg_to_person(person)
                people[p.person_id] = (p.xy, p.confidence)
        r = self.controller.on_people(stamp_to_sec(msg.header.stamp), people, msg.image_width, msg.image_height)
        if r is not None:
            self._publish(r, msg.header)

    def _on_emotion(self, msg: EmotionProbabilities) -> None:
        if len(msg.labels) != len(msg.probabilities) or not msg.labels:
            self.get_logger().warning("emotion message with mismatching labels/probabilities ignored",
                                      throttle_duration_sec=5.0)
            return
        self.controller.on_emotion(msg.person_id, list(msg.labels), np.asarray(msg.probabilities))

    def _on_forecast(self, msg: MotionForecast) -> None:
        n = msg.num_frames * msg.num_keypoints
        if msg.num_keypoints != 17 or len(msg.x) != n or len(msg.y) != n or n == 0:
            self.get_logger().warning("malformed forecast ignored", throttle_duration_sec=5.0)
            return
        future = forecast_xy(msg)
        r = self.controller.on_forecast(msg.person_id, stamp_to_sec(msg.header.stamp), future)
        if r is not None:
            self._publish(r, msg.header)
            if self.marker_pub is not None:
                self.marker_pub.publish(self._markers(msg, future, r))

    def _publish(self, r: Response, header) -> None:
        self.last_response = r
        self.response_pub.publish(NonverbalResponse(
            header=header, person_id=r.person_id, emotion=r.emotion, confidence=r.confidence, gesture=r.gesture,
            intensity=r.intensity, pose_x=r.pose[:, 0], pose_y=r.pose[:, 1], look_at_x=float(r.look_at[0]),
            look_at_y=float(r.look_at[1])))
        if self.image_pub is not None:
            img = render_avatar(r.pose, r.gesture, r.emotion, r.confidence, r.intensity,
                                (self.p.image_height, self.p.image_width))
            self.image_pub.publish(rgb_to_image(img, header))

    def _markers(self, msg: MotionForecast, future: np.ndarray, r: Response) -> MarkerArray:
        s = self.p.marker_scale
        lines = Marker(header=msg.header, ns="nvhai_forecast", id=int(msg.person_id), type=Marker.LINE_LIST,
                       action=Marker.ADD, lifetime=Duration(seconds=0.5).to_msg())
        lines.scale.x = 0.01
        lines.color.r, lines.color.g, lines.color.b, lines.color.a = 1.0, 0.5, 0.0, 0.9
        lines.pose.orientation.w = 1.0
        last = future[-1]
        for a, b in SKELETON:
            lines.points += [Point(x=float(last[a, 0] * s), y=float(last[a, 1] * s), z=1.0),
                             Point(x=float(last[b, 0] * s), y=float(last[b, 1] * s), z=1.0)]
        text = Marker(header=msg.header, ns="nvhai_emotion", id=int(msg.person_id), type=Marker.TEXT_VIEW_FACING,
                      action=Marker.ADD, text=f"{r.emotion or '?'} {r.confidence:.0%} -> {r.gesture}",
                      lifetime=Duration(seconds=0.5).to_msg())
        text.pose.position.x = float(last[:, 0].mean() * s)
        text.pose.position.y = float(last[:, 1].min() * s - 0.05)
        text.pose.position.z = 1.0
        text.pose.orientation.w = 1.0
        text.scale.z = 0.05
        text.color.r = text.color.g = text.color.b = text.color.a = 1.0
        return MarkerArray(markers=[lines, text])


def main(args: list[str] | None = None) -> None:
    run_node(AvatarNode, args, prog="avatar_node", doc=__doc__, parameters=PARAMETERS)


if __name__ == "__main__":
    main()
