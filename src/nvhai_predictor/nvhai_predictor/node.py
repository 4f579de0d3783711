"""rclpy node: nvhai_msgs/BodyKeypointsArray -> MotionForecast (/future_poses) + EmotionProbabilities (/emotion)."""

# Wiring only: parameters (parameters.py) to the core's config (settings.py), messages (ros_messages.py) to the
# Forecaster and back, message loss (message_loss.py) and the /diagnostics report (predictor_health.py) to pure modules.

from __future__ import annotations

import time

from diagnostic_msgs.msg import DiagnosticArray
from rcl_interfaces.msg import SetParametersResult
from rclpy.lifecycle import LifecycleState, TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.subscription import MessageInfo

from nvhai_common import heap
from nvhai_common.ros_conversions import msg_to_person, stamp_to_sec
from nvhai_common.ros_diagnostics import publish_status
from nvhai_common.ros_lifecycle import ManagedNode
from nvhai_common.ros_main import run_node
from nvhai_common.ros_params import declare
from nvhai_msgs.msg import BodyKeypointsArray, EmotionProbabilities, MotionForecast
from nvhai_predictor import predictor_health as health
from nvhai_predictor.forecaster import Forecaster, Observation
from nvhai_predictor.message_loss import SequenceGaps
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.parameters import PARAMETERS
from nvhai_predictor.ros_messages import emotion_to_msg, forecast_to_msg
from nvhai_predictor.settings import CORE_PARAMETERS, forecaster_config

__all__ = ["DIAGNOSTIC_NAME", "PARAMETERS", "PredictorNode", "main"]
DIAGNOSTIC_NAME = "nvhai_predictor: forecast and emotion"


class PredictorNode(ManagedNode):
    """Managed node: configure loads the model and opens the topics, activate starts forecasting.

    With `autostart` (the default) it configures and activates itself, so `predictor_node` and
    the embedded demo run as before; live.launch.py sets it false and drives the transitions.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("nvhai_predictor", **kwargs)
        self.p = p = declare(self, PARAMETERS)
        self.config = forecaster_config(**{name: getattr(p, name) for name in CORE_PARAMETERS})
        self.forecaster: Forecaster | None = None
        self.model_error = ""
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
        self._stats = health.PredictorStats()
        self._gaps = SequenceGaps()
        self.create_timer(p.diagnostics_period_s, self._report)
        self.start(p.autostart)

    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        p = self.p
        # A refused model leaves the node configured and reporting ERROR until a good model_path is set.
        self._load_model(self.get_parameter("model_path").value)
        self.forecast_pub = self.create_lifecycle_publisher(MotionForecast, p.forecast_topic, 10)
        self.emotion_pub = self.create_lifecycle_publisher(EmotionProbabilities, p.emotion_topic, 10)
        self._sub = self.create_subscription(BodyKeypointsArray, p.keypoints_topic, self._on_keypoints,
                                             max(1, p.keypoints_qos_depth))
        self.configured = True
        self.get_logger().info(f"configured: {p.keypoints_topic} -> {p.forecast_topic}, {p.emotion_topic}")
        return TransitionCallbackReturn.SUCCESS

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.destroy_subscription(self._sub)
        self.destroy_lifecycle_publisher(self.forecast_pub)
        self.destroy_lifecycle_publisher(self.emotion_pub)
        self.forecaster, self.configured = None, False
        return TransitionCallbackReturn.SUCCESS

    def _load_model(self, path: str) -> bool:
        path = path or default_model_path()
        try:
            runner = ModelRunner(path, list(self.p.providers), self.p.threads, self.p.input_frames,
                                 self.p.output_frames, self.p.rate_hz)
        except Exception as e:  # ModelLoadError, ContractError, onnxruntime errors
            self.model_error = str(e)
            self.get_logger().error(f"model refused, keypoints will be ignored until a valid model_path is set: {e}")
            return False
        if runner.skipped_providers:
            self.get_logger().warning(f"providers not available here, skipped: {runner.skipped_providers}")
        self.forecaster = Forecaster(runner, self.config)
        self.model_error = ""
        self.get_logger().info(f"model '{runner.model_name}' from {path} on {runner.providers}")
        return True

    def _on_set_parameters(self, params: list[Parameter]) -> SetParametersResult:
        for param in params:
            if param.name == "model_path" and self.configured and not self._load_model(param.value):
                return SetParametersResult(successful=False, reason=self.model_error)
        return SetParametersResult(successful=True)

    def _on_keypoints(self, msg: BodyKeypointsArray, info: MessageInfo) -> None:
        stats, log = self._stats, self.get_logger()
        stats.dropped += self._gaps.lost(info.get("publication_sequence_number"), info.get("publisher_gid"))
        if not self.active:
            return
        stats.received += 1
        if self.forecaster is None:
            stats.refused(problem := f"no model loaded ({self.model_error})")
            log.warning(f"refused input: {problem}", throttle_duration_sec=2.0)
            return
        # BodyKeypoints' arrays are fixed at 17 (rclpy refuses other lengths), so no count check here.
        observations = [Observation(p.person_id, p.xy, p.confidence) for p in map(msg_to_person, msg.people)]
        t0 = time.perf_counter()
        try:
            result = self.forecaster.step(stamp_to_sec(msg.header.stamp), observations, msg.image_width,
                                          msg.image_height)
        except Exception as e:  # a fault of this frame must not take the node down
            stats.bad_output(1, problem := f"forecast failed: {e!r}")
            log.error(f"model output dropped, not published: {problem}", throttle_duration_sec=2.0)
            return
        finally:
            stats.infer_s += time.perf_counter() - t0
        stats.stepped(result)
        for problem in result.errors:
            log.warning(f"refused input: {problem}", throttle_duration_sec=2.0)
        if result.bad_outputs:
            log.error(f"model output dropped, not published: {result.output_error}", throttle_duration_sec=2.0)
        if result.implausible:
            log.warning(f"published zero-velocity instead of an implausible forecast: {result.implausible_reason}",
                        throttle_duration_sec=2.0)
        name = self.forecaster.runner.model_name
        for f in result.forecasts:
            self.forecast_pub.publish(forecast_to_msg(f, msg.header, 1.0 / self.p.rate_hz, msg.image_width,
                                                      msg.image_height, name))
            self.emotion_pub.publish(emotion_to_msg(f, msg.header, name))
        if result.forgotten:
            log.info(f"forgot {len(result.forgotten)} people (unseen for {self.p.forget_after_s} s, "
                     f"or stamped that far ahead): {result.forgotten[:10]}")

    def _report(self) -> None:
        s, self._stats = self._stats, health.PredictorStats()
        if s.forgotten:  # what they held goes back to the system (heap.py), not on the keypoints' path
            heap.trim()
        level, message = health.health(s, None if self.active else self.lifecycle_status(),
                                       None if self.forecaster else self.model_error, self.p.max_people_per_step)
        publish_status(self, self.diag_pub, DIAGNOSTIC_NAME, level, message, health.values(s, self.forecaster))


def main(args: list[str] | None = None) -> None:
    run_node(PredictorNode, args, prog="predictor_node", doc=__doc__, parameters=PARAMETERS)


if __name__ == "__main__":
    main()
