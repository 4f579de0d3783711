"""rclpy node: sensor_msgs/Image -> nvhai_msgs/BodyKeypointsArray (thin wiring over KeypointPipeline)."""

from __future__ import annotations

import time

from diagnostic_msgs.msg import DiagnosticArray
from rclpy.event_handler import QoSMessageLostInfo, SubscriptionEventCallbacks
from rclpy.lifecycle import LifecycleState, TransitionCallbackReturn
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Image

from nvhai_common.image_codec import ImageDecodeError
from nvhai_common.ros_conversions import people_to_msg, rgb_to_image, stamp_to_sec
from nvhai_common.ros_diagnostics import publish_status
from nvhai_common.ros_lifecycle import ManagedNode
from nvhai_common.ros_main import run_node
from nvhai_common.ros_params import declare
from nvhai_msgs.msg import BodyKeypointsArray
from nvhai_perception.compressed_image import decode_compressed
from nvhai_perception.drawing import draw_people
from nvhai_perception.frame_intake import FrameIntake
from nvhai_perception.image_input import image_rgb
from nvhai_perception.image_watchdog import ImageWatchdog, log_alert
from nvhai_perception.parameters import PARAMETERS, fall_back, image_topic, pipeline_config, summary
from nvhai_perception.perception_health import DIAGNOSTIC_NAME, PerceptionCounters, perception_health
from nvhai_perception.pipeline import KeypointPipeline
from nvhai_perception.pose_models import PoseModelNotInstalled


class PerceptionNode(ManagedNode):
    """Managed node: configure opens the pose estimator and the topics, activate starts publishing.

    With `autostart` (the default) it configures and activates itself, so `perception_node` and
    the embedded demo run as before; live.launch.py sets it false and drives the transitions.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("nvhai_perception", **kwargs)
        self.p = p = declare(self, PARAMETERS)
        self.image_topic = image_topic(p)
        self.diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
        self.pipeline: KeypointPipeline | None = None
        self.intake: FrameIntake[Image | CompressedImage] | None = None
        self.stats = PerceptionCounters()
        self.watchdog = ImageWatchdog(self.image_topic, p.image_qos_reliability, p.no_image_warn_s)
        self._config_error = ""  # why the last configure failed (a pose model not installed): ERROR on /diagnostics
        self.create_timer(p.diagnostics_period_s, self._report)
        self.create_timer(0.5, self._check_input)
        self.start(p.autostart)

    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        p = self.p
        for warning in fall_back(p):
            self.get_logger().warning(warning)
        try:
            self.pipeline = KeypointPipeline(pipeline_config(p))
        except (PoseModelNotInstalled, ValueError) as e:  # a model not installed, a model_complexity not known
            self._config_error = f"not configured: {e}"
            self.get_logger().error(self._config_error)
            return TransitionCallbackReturn.FAILURE
        self._config_error = ""
        reliability = ReliabilityPolicy.RELIABLE if p.image_qos_reliability == "reliable" else ReliabilityPolicy.BEST_EFFORT
        image_qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=max(1, p.image_qos_depth), reliability=reliability)
        # Images the middleware started receiving but lost (e.g. larger than the shared-memory segment of
        # fastdds_local.xml, then fragmented UDP): counted, so /diagnostics blames the transport, not the camera.
        events = SubscriptionEventCallbacks(message_lost=self._on_lost)
        self._sub = self.create_subscription(CompressedImage if p.compressed else Image, self.image_topic,
                                             self._on_image, image_qos, event_callbacks=events)
        self.keypoints_pub = self.create_lifecycle_publisher(BodyKeypointsArray, p.keypoints_topic, 10)
        self.debug_pub = self.create_lifecycle_publisher(Image, p.debug_image_topic, 1) if p.debug_image else None
        self.intake = FrameIntake(self._process, p.drop_frames_when_busy, name="nvhai_perception_worker",
                                  stopping=lambda: not self.context.ok())  # shut down with a frame in flight
        self.intake.start()
        self.configured = True
        self.get_logger().info(f"configured: {summary(p)}")
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.watchdog.restart()  # silence is measured from here
        return super().on_activate(state)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.intake.clear()
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.intake.stop()
        self.destroy_subscription(self._sub)
        self.destroy_lifecycle_publisher(self.keypoints_pub)
        if self.debug_pub is not None:
            self.destroy_lifecycle_publisher(self.debug_pub)
        self.pipeline.close()
        self.pipeline, self.intake, self.configured = None, None, False
        return TransitionCallbackReturn.SUCCESS

    def _on_lost(self, info: QoSMessageLostInfo) -> None:
        self.stats.add(lost=info.total_count_change)
        self.get_logger().error(self.watchdog.lost(info.total_count_change, info.total_count), throttle_duration_sec=5.0)

    def _on_image(self, msg: Image | CompressedImage) -> None:
        if self.active:
            log_alert(self.get_logger(), self.watchdog.image())
            self.stats.add(dropped=self.intake.offer(msg))

    def _process(self, msg: Image | CompressedImage) -> None:
        t0, stamp = time.perf_counter(), stamp_to_sec(msg.header.stamp)
        try:
            rgb = (decode_compressed(msg.data) if isinstance(msg, CompressedImage)
                   else image_rgb(msg.encoding, msg.width, msg.height, msg.step, msg.data))
        except ImageDecodeError as e:
            self.stats.rejected(str(e))
            self.get_logger().error(f"skipping frame stamped {stamp:.3f}: {e}", throttle_duration_sec=2.0)
            return
        try:
            people = self.pipeline.process(rgb, stamp)
        except Exception as e:  # a failing frame must not take the camera loop down
            self.stats.rejected(error := f"pose estimation failed: {e!r}")
            self.get_logger().error(error, throttle_duration_sec=2.0)
            return
        height, width = rgb.shape[:2]
        self.keypoints_pub.publish(people_to_msg(people, msg.header, width, height))
        if self.debug_pub is not None:
            self.debug_pub.publish(rgb_to_image(draw_people(rgb, people), msg.header))
        self.stats.processed(len(people), time.perf_counter() - t0)

    def _check_input(self) -> None:
        if self.active:
            log_alert(self.get_logger(), self.watchdog.check())

    def _report(self) -> None:
        health = perception_health(self.stats.take(), self.p.diagnostics_period_s, self.image_topic,
                                   config_error=self._config_error, lifecycle=self.lifecycle_status(),
                                   no_image=self.watchdog.silent)
        publish_status(self, self.diag_pub, DIAGNOSTIC_NAME, *health)


def main(args: list[str] | None = None) -> None:
    run_node(PerceptionNode, args, prog="perception_node", doc=__doc__, parameters=PARAMETERS)


if __name__ == "__main__":
    main()
