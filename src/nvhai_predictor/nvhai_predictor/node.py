"""rclpy node: nvhai_msgs/BodyKeypointsArray -> MotionForecast (/future_poses) + EmotionProbabilities (/emotion)."""

from __future__ import annotations

import time

import numpy as np
from builtin_interfaces.msg import Duration
from diagnostic_msgs.msg import DiagnosticArray
from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter
from std_msgs.msg import Header

from nvhai_common.coco17 import NUM_KEYPOINTS
from nvhai_common.ros_conversions import msg_to_person, stamp_to_sec
from nvhai_common.ros_diagnostics import ERROR, OK, WARN, publish_status
from nvhai_common.ros_main import run_node
from nvhai_common.ros_params import Param, declare
from nvhai_msgs.msg import BodyKeypointsArray, EmotionProbabilities, MotionForecast
from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, Observation, PersonForecast
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.window import WindowConfig

PARAMETERS: tuple[Param, ...] = (
    Param("keypoints_topic", "/body_keypoints", "Input nvhai_msgs/BodyKeypointsArray."),
    Param("forecast_topic", "/future_poses", "Output nvhai_msgs/MotionForecast, per person per frame."),
    Param("emotion_topic", "/emotion", "Output nvhai_msgs/EmotionProbabilities, per person per frame."),
    Param("model_path", "", "ONNX model exported by nvhai training/; empty = the model shipped with the package. "
          "Can be changed at run time; a model that fails to load or check is refused."),
    Param("providers", ["CPUExecutionProvider"],
          "onnxruntime execution providers in order of preference (e.g. TensorrtExecutionProvider, "
          "CUDAExecutionProvider); unavailable ones are skipped."),
    Param("threads", 1, "onnxruntime intra-op threads (0 = onnxruntime's default)."),
    Param("rate_hz", 30.0, "Frame rate the window is resampled to (must match the model)."),
    Param("input_frames", 60, "Window length T_in in frames (must match the model)."),
    Param("output_frames", 30, "Forecast length T_out in frames (must match the model)."),
    Param("max_gap_s", 0.75, "A person's window restarts after a gap (or backward jump) longer than this."),
    Param("min_confidence", 0.3, "Keypoints below this confidence are carried from their last confident value."),
    Param("min_visible", 6, "Observations with fewer confident keypoints than this are skipped."),
    Param("forget_after_s", 2.0, "A person unseen for this long (in message time) is forgotten."),
    Param("ensemble_forecasts", 1, "Average each future moment over the last N overlapping forecasts of a "
          "person (temporal ensembling; 1 = the newest forecast only)."),
    Param("emotion_smoothing", "ema", "Per-person emotion probabilities over time: 'ema' (moving average with "
          "emotion_time_constant_s) or 'raw' (each window's model output as is)."),
    Param("emotion_time_constant_s", 1.0, "Time constant of the emotion moving average (s): after this long "
          "an old estimate keeps weight 1/e."),
    Param("diagnostics_period_s", 1.0, "Period of /diagnostics reports."),
)
DIAGNOSTIC_NAME = "nvhai_predictor: forecast and emotion"


def forecast_to_msg(f: PersonForecast, header: Header, period_s: float, width: int, height: int,
                    model_name: str) -> MotionForecast:
    ns = round(period_s * 1e9)
    return MotionForecast(
        header=header, person_id=f.person_id, frame_period=Duration(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000),
        num_frames=f.future_px.shape[0], num_keypoints=NUM_KEYPOINTS, image_width=width, image_height=height,
        x=f.future_px[:, :, 0].ravel(), y=f.future_px[:, :, 1].ravel(), model_name=model_name,
    )


def emotion_to_msg(f: PersonForecast, header: Header, model_name: str) -> EmotionProbabilities:
    return EmotionProbabilities(header=header, person_id=f.person_id, labels=f.labels,
                                probabilities=f.emotion_probs.astype(np.float32), label=f.label,
                                confidence=f.confidence, model_name=model_name)


class PredictorNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__("nvhai_predictor", **kwargs)
        self.p = p = declare(self, PARAMETERS)
        self.config = ForecasterConfig(
            window=WindowConfig(frames=p.input_frames, rate_hz=p.rate_hz, max_gap_s=p.max_gap_s,
                                min_confidence=p.min_confidence, min_visible=p.min_visible),
            forget_after_s=p.forget_after_s, ensemble_forecasts=p.ensemble_forecasts,
            emotion_smoothing=p.emotion_smoothing, emotion_time_constant_s=p.emotion_time_constant_s)
        self.forecaster: Forecaster | None = None
        self.model_error = ""
        self._load_model(p.model_path)
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.forecast_pub = self.create_publisher(MotionForecast, p.forecast_topic, 10)
        self.emotion_pub = self.create_publisher(EmotionProbabilities, p.emotion_topic, 10)
        self.diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
        self.create_subscription(BodyKeypointsArray, p.keypoints_topic, self._on_keypoints, 10)
        self._stats = {"messages": 0, "forecasts": 0, "refused": 0, "infer_s": 0.0}
        self._last_problem = ""
        self.create_timer(p.diagnostics_period_s, self._report)
        self.get_logger().info(f"{p.keypoints_topic} -> {p.forecast_topic}, {p.emotion_topic}")

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
            if param.name == "model_path" and not self._load_model(param.value):
                return SetParametersResult(successful=False, reason=self.model_error)
        return SetParametersResult(successful=True)

    def _on_keypoints(self, msg: BodyKeypointsArray) -> None:
        self._stats["messages"] += 1
        if self.forecaster is None:
            self._refuse(f"no model loaded ({self.model_error})")
            return
        observations = []
        for person in msg.people:
            if len(person.x) != NUM_KEYPOINTS or len(person.y) != NUM_KEYPOINTS:
                self._refuse(f"person {person.person_id}: {len(person.x)} keypoints, expected {NUM_KEYPOINTS}")
                continue
            p = msg_to_person(person)
            observations.append(Observation(p.person_id, p.xy, p.confidence))
        t0 = time.perf_counter()
        result = self.forecaster.step(stamp_to_sec(msg.header.stamp), observations, msg.image_width, msg.image_height)
        self._stats["infer_s"] += time.perf_counter() - t0
        for problem in result.errors:
            self._refuse(problem)
        name = self.forecaster.runner.model_name
        for f in result.forecasts:
            self.forecast_pub.publish(forecast_to_msg(f, msg.header, 1.0 / self.p.rate_hz, msg.image_width,
                                                      msg.image_height, name))
            self.emotion_pub.publish(emotion_to_msg(f, msg.header, name))
        self._stats["forecasts"] += len(result.forecasts)
        if result.forgotten:
            self.get_logger().info(f"forgot people {result.forgotten} (unseen for {self.p.forget_after_s} s)")

    def _refuse(self, problem: str) -> None:
        self._stats["refused"] += 1
        self._last_problem = problem
        self.get_logger().warning(f"refused input: {problem}", throttle_duration_sec=2.0)

    def _report(self) -> None:
        s = self._stats
        self._stats = {"messages": 0, "forecasts": 0, "refused": 0, "infer_s": 0.0}
        windows = self.forecaster.windows if self.forecaster else {}
        values = {
            "messages": s["messages"], "forecasts": s["forecasts"], "refused": s["refused"],
            "step_ms_mean": f"{1000 * s['infer_s'] / s['messages']:.2f}" if s["messages"] else "n/a",
            "people": len(windows),
            "window_fill": ", ".join(f"{pid}:{w.fill:.2f}" for pid, w in windows.items()) or "none",
            "model": self.forecaster.runner.model_name if self.forecaster else "none",
        }
        if self.forecaster is None:
            level, message = ERROR, f"no model: {self.model_error}"
        elif s["refused"]:
            level, message = WARN, f"refused {s['refused']} input(s): {self._last_problem}"
        else:
            level, message = OK, "ok"
        publish_status(self, self.diag_pub, DIAGNOSTIC_NAME, level, message, values)


def main(args: list[str] | None = None) -> None:
    run_node(PredictorNode, args)


if __name__ == "__main__":
    main()
