"""rclpy node: nvhai_msgs/BodyKeypointsArray -> MotionForecast (/future_poses) + EmotionProbabilities (/emotion)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from builtin_interfaces.msg import Duration
from diagnostic_msgs.msg import DiagnosticArray
from rcl_interfaces.msg import SetParametersResult
from rclpy.lifecycle import LifecycleState, TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.subscription import MessageInfo
from std_msgs.msg import Header

from nvhai_common import heap
from nvhai_common.coco17 import NUM_KEYPOINTS
from nvhai_common.ros_conversions import float32_sequence, msg_to_person, stamp_to_sec
from nvhai_common.ros_diagnostics import ERROR, OK, WARN, publish_status
from nvhai_common.ros_lifecycle import ManagedNode
from nvhai_common.ros_main import run_node
from nvhai_common.ros_params import POSITIVE, UNIT, Param, Range, declare
from nvhai_msgs.msg import BodyKeypointsArray, EmotionProbabilities, MotionForecast
from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, Observation, PersonForecast
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.online import OnlineConfig
from nvhai_predictor.online_adaptation import AdaptationConfig
from nvhai_predictor.plausibility import PlausibilityConfig
from nvhai_predictor.self_scoring import ScoringConfig
from nvhai_predictor.window import WindowConfig

# Read once at start, so read_only: `ros2 param set` is refused instead of silently ignored. model_path is the
# one parameter the node takes at run time.
PARAMETERS: tuple[Param, ...] = (
    Param("keypoints_topic", "/body_keypoints", "Input nvhai_msgs/BodyKeypointsArray.", read_only=True),
    Param("keypoints_qos_depth", 100, "Input queue depth (reliable): absorbs bursts, e.g. a bag played fast; "
          "messages lost beyond it are counted as dropped on /diagnostics.", read_only=True,
          range=Range(1, 100_000)),
    Param("forecast_topic", "/future_poses", "Output nvhai_msgs/MotionForecast, per person per frame.", read_only=True),
    Param("emotion_topic", "/emotion", "Output nvhai_msgs/EmotionProbabilities, per person per frame.", read_only=True),
    Param("model_path", "", "ONNX model exported by nvhai training/; empty = the model shipped with the package. "
          "Can be changed at run time; a model that fails to load or check is refused."),
    Param("providers", ["CPUExecutionProvider"],
          "onnxruntime execution providers in order of preference (e.g. TensorrtExecutionProvider, "
          "CUDAExecutionProvider); unavailable ones are skipped.", read_only=True),
    Param("threads", 1, "onnxruntime intra-op threads (0 = onnxruntime's default).", read_only=True,
          range=Range(0, 1024)),
    Param("rate_hz", 30.0, "Frame rate the window is resampled to (must match the model).", read_only=True,
          range=Range(0.0, 1000.0, low_open=True)),
    Param("input_frames", 60, "Window length T_in in frames (must match the model).", read_only=True,
          range=Range(2, 10_000)),
    Param("output_frames", 30, "Forecast length T_out in frames (must match the model).", read_only=True,
          range=Range(1, 10_000)),
    Param("max_gap_s", 0.75, "A person's window restarts after a gap longer than this, or when stamps stay "
          "further back than this (5 messages in a row: a bag loop); one message back is refused.", read_only=True,
          range=POSITIVE),
    Param("min_confidence", 0.3, "Keypoints below this confidence (or outside the image) are unseen: the window "
          "shows the model a completion in their place (held where last seen on the body, else a standing "
          "body's; visibility.py), and scores and online adaptation leave them out.", read_only=True, range=UNIT),
    Param("min_visible", 5, "Observations with fewer seen keypoints (confident and inside the image) than this are "
          "skipped; 5: a face alone is a person (someone at a desk filmed from the chest up, shoulders below the "
          "frame).", read_only=True, range=Range(1, 17)),
    Param("forget_after_s", 2.0, "A person unseen for this long (in message time) is forgotten.", read_only=True,
          range=POSITIVE),
    Param("max_people_per_step", 8, "Forecast at most this many people per frame: the largest (nearest) half of "
          "them every frame, the others in turn, so a crowd costs a bounded time per frame and everyone is still "
          "forecast, less often (load_shedding.py; thinned on /diagnostics). 0: everyone, every frame.",
          read_only=True, range=Range(0, 10_000)),
    Param("ensemble_forecasts", 1, "Average each future moment over the last N overlapping forecasts of a "
          "person (temporal ensembling; 1 = the newest forecast only).", read_only=True,
          range=Range(1, 1000)),
    Param("emotion_smoothing", "ema", "Per-person emotion probabilities over time: 'ema' (moving average with "
          "emotion_time_constant_s) or 'raw' (each window's model output as is).", read_only=True,
          choices=("ema", "raw")),
    Param("emotion_time_constant_s", 1.0, "Time constant of the emotion moving average (s): after this long "
          "an old estimate keeps weight 1/e.", read_only=True, range=POSITIVE),
    Param("online_adaptation", True, "Correct each person's forecast with a small ridge map learned online from "
          "that person's own observed futures (online_adaptation.py); reset when the person is forgotten.", read_only=True),
    Param("adaptation_strength", 300.0, "Ridge toward no correction: the model's own forecast weighs as much as "
          "this many of the person's observed windows (frames), so the correction grows as evidence accumulates.",
          read_only=True, range=Range(0.0, 1e6)),
    Param("adaptation_memory_s", 20.0, "Time constant (s of observed windows) over which the adaptation forgets "
          "old evidence, so it follows a person who changes what they do; 0 keeps all of it.", read_only=True,
          range=Range(1.0, 1e6, or_zero=True)),
    Param("adaptation_axis_strength", 30.0, "x and y each get a map of their own, ridged toward the map shared "
          "by all coordinates, which weighs as much as this many of the person's observed windows; 0: the shared "
          "map alone.", read_only=True, range=Range(0.0, 1e6)),
    Param("forecast_gate", True, "Blend each person's forecast, per coordinate, toward zero-velocity and away "
          "from an unhelpful correction by the evidence of their scored forecasts (least-squares weights in "
          "[0, 1]), so nobody is forecast worse than standing still.", read_only=True),
    Param("sparse_person_prior", 0.5, "Until the gate has evidence of a person (its first windows scored), a "
          "person the camera sees little of (6 or more keypoints unseen: chest-up, at a desk) is forecast with "
          "this share of the model's move (1: the model's forecast as is).", read_only=True, range=UNIT),
    Param("plausibility_gate", True, "Publish zero-velocity (the last observed pose, held) instead of a forecast "
          "no human body could follow: a pose that collapses or explodes, a keypoint moving faster than a person, "
          "ending far from where it was, or a bone growing past its observed length (plausibility.py); counted "
          "as implausible on /diagnostics.", read_only=True),
    Param("self_scoring_time_constant_s", 10.0, "Memory (s of scored windows) of the per-person running MAEs "
          "on /diagnostics and of the gate's evidence.", read_only=True, range=Range(0.0, 1e6, low_open=True)),
    Param("diagnostics_period_s", 1.0, "Period of /diagnostics reports.", read_only=True,
          range=Range(0.0, 3600.0, low_open=True)),
    Param("autostart", True, "Configure and activate on start; false waits for lifecycle transitions "
          "(ros2 lifecycle set, or live.launch.py).", read_only=True),
)
DIAGNOSTIC_NAME = "nvhai_predictor: forecast and emotion"
MAX_LISTED_PEOPLE = 20  # window_fill and the per-person scores list this many people at most


@dataclass
class PredictorStats:
    """Counters of one /diagnostics period."""

    received: int = 0  # messages that reached the callback
    processed: int = 0  # of those, run through the forecaster
    dropped: int = 0  # messages published but never received (gaps in the publishers' sequence numbers)
    rejected: int = 0  # observations refused (bad keypoints, stamps) or messages with no model loaded
    non_finite: int = 0  # forecasts not published: NaN/inf, not probabilities, or inference failed
    implausible: int = 0  # forecasts published as zero-velocity: no human body could follow them
    forecasts: int = 0
    served: int = 0  # people forecast (load shedding: at most max_people_per_step a frame)
    thinned: int = 0  # people ready but left for a later frame
    forgotten: int = 0
    infer_s: float = 0.0


def forecast_to_msg(f: PersonForecast, header: Header, period_s: float, width: int, height: int,
                    model_name: str) -> MotionForecast:
    ns = round(period_s * 1e9)
    return MotionForecast(
        header=header, person_id=f.person_id, frame_period=Duration(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000),
        num_frames=f.future_px.shape[0], num_keypoints=NUM_KEYPOINTS, image_width=width, image_height=height,
        x=float32_sequence(f.future_px[:, :, 0]), y=float32_sequence(f.future_px[:, :, 1]), model_name=model_name,
    )


def emotion_to_msg(f: PersonForecast, header: Header, model_name: str) -> EmotionProbabilities:
    return EmotionProbabilities(header=header, person_id=f.person_id, labels=f.labels,
                                probabilities=float32_sequence(f.emotion_probs), label=f.label,
                                confidence=f.confidence, model_name=model_name)


class PredictorNode(ManagedNode):
    """Managed node: configure loads the model and opens the topics, activate starts forecasting.

    With `autostart` (the default) it configures and activates itself, so `predictor_node` and
    the embedded demo run as before; live.launch.py sets it false and drives the transitions.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("nvhai_predictor", **kwargs)
        self.p = p = declare(self, PARAMETERS)
        self.config = ForecasterConfig(
            window=WindowConfig(frames=p.input_frames, rate_hz=p.rate_hz, max_gap_s=p.max_gap_s,
                                min_confidence=p.min_confidence, min_visible=p.min_visible),
            forget_after_s=p.forget_after_s, ensemble_forecasts=p.ensemble_forecasts,
            max_people_per_step=p.max_people_per_step,
            emotion_smoothing=p.emotion_smoothing, emotion_time_constant_s=p.emotion_time_constant_s,
            online=OnlineConfig(AdaptationConfig(enabled=p.online_adaptation, strength=p.adaptation_strength,
                                                 memory_s=p.adaptation_memory_s,
                                                 axis_strength=p.adaptation_axis_strength),
                                ScoringConfig(gate=p.forecast_gate, time_constant_s=p.self_scoring_time_constant_s,
                                              sparse_prior=p.sparse_person_prior),
                                PlausibilityConfig(enabled=p.plausibility_gate)))
        self.forecaster: Forecaster | None = None
        self.model_error = ""
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
        self._stats = PredictorStats()
        self._last_seq: dict[bytes, int] = {}  # publisher gid -> last publication sequence number
        self._last_problem = ""
        self._last_output_error = ""
        self._last_implausible = ""
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
        self._count_lost(info)
        if not self.active:
            return
        self._stats.received += 1
        if self.forecaster is None:
            self._refuse(f"no model loaded ({self.model_error})")
            return
        # BodyKeypoints' arrays are fixed at 17 (rclpy refuses other lengths), so no count check here.
        observations = [Observation(p.person_id, p.xy, p.confidence) for p in map(msg_to_person, msg.people)]
        t0 = time.perf_counter()
        try:
            result = self.forecaster.step(stamp_to_sec(msg.header.stamp), observations, msg.image_width,
                                          msg.image_height)
        except Exception as e:  # a fault of this frame must not take the node down
            self._stats.infer_s += time.perf_counter() - t0
            self._bad_output(1, f"forecast failed: {e!r}")
            return
        self._stats.infer_s += time.perf_counter() - t0
        self._stats.processed += 1
        for problem in result.errors:
            self._refuse(problem)
        if result.bad_outputs:
            self._bad_output(result.bad_outputs, result.output_error)
        if result.implausible:
            self._stats.implausible += result.implausible
            self._last_implausible = result.implausible_reason
            self.get_logger().warning(f"published zero-velocity instead of an implausible forecast: "
                                      f"{result.implausible_reason}", throttle_duration_sec=2.0)
        name = self.forecaster.runner.model_name
        for f in result.forecasts:
            self.forecast_pub.publish(forecast_to_msg(f, msg.header, 1.0 / self.p.rate_hz, msg.image_width,
                                                      msg.image_height, name))
            self.emotion_pub.publish(emotion_to_msg(f, msg.header, name))
        self._stats.forecasts += len(result.forecasts)
        self._stats.served += len(result.forecasts) + result.bad_outputs
        self._stats.thinned += len(result.thinned)
        self._stats.forgotten += len(result.forgotten)
        if result.forgotten:
            self.get_logger().info(f"forgot {len(result.forgotten)} people (unseen for {self.p.forget_after_s} s, "
                                   f"or stamped that far ahead): {result.forgotten[:10]}")

    def _count_lost(self, info: MessageInfo) -> None:
        """Messages a publisher sent that never reached this callback (queue overflow, transport loss)."""
        seq, gid = info.get("publication_sequence_number"), info.get("publisher_gid")
        if seq is None or gid is None:
            return
        key = bytes(gid.get("data", b"")) if isinstance(gid, dict) else bytes(gid)
        last = self._last_seq.get(key)
        if last is not None and seq > last + 1:
            self._stats.dropped += seq - last - 1
        self._last_seq[key] = seq if last is None else max(seq, last)

    def _refuse(self, problem: str) -> None:
        self._stats.rejected += 1
        self._last_problem = problem
        self.get_logger().warning(f"refused input: {problem}", throttle_duration_sec=2.0)

    def _bad_output(self, count: int, problem: str) -> None:
        self._stats.non_finite += count
        self._last_output_error = problem
        self.get_logger().error(f"model output dropped, not published: {problem}", throttle_duration_sec=2.0)

    def _report(self) -> None:
        s, self._stats = self._stats, PredictorStats()
        if s.forgotten:  # what they held goes back to the system (heap.py), not on the keypoints' path
            heap.trim()
        people = self.forecaster.people if self.forecaster else {}
        fills = [f"{pid}:{person.window.fill:.2f}" for pid, person in list(people.items())[:MAX_LISTED_PEOPLE]]
        if len(people) > MAX_LISTED_PEOPLE:
            fills.append(f"... {len(people) - MAX_LISTED_PEOPLE} more")
        values = {
            "received": s.received, "processed": s.processed, "dropped": s.dropped, "rejected": s.rejected,
            "non_finite": s.non_finite, "implausible": s.implausible, "forecasts": s.forecasts, "served": s.served,
            "thinned": s.thinned,
            "step_ms_mean": f"{1000 * s.infer_s / s.processed:.2f}" if s.processed else "n/a",
            "people": len(people), "window_fill": ", ".join(fills) or "none",
            "model": self.forecaster.runner.model_name if self.forecaster else "none",
            **online_values(self.forecaster, list(people)[:MAX_LISTED_PEOPLE]),
        }
        if not self.active:
            level, message = OK, self.lifecycle_status()
        elif self.forecaster is None:
            level, message = ERROR, f"no model: {self.model_error}"
        elif s.non_finite:
            level, message = ERROR, f"dropped {s.non_finite} bad model output(s): {self._last_output_error}"
        elif s.dropped:
            level, message = WARN, f"lost {s.dropped} of {s.dropped + s.received} input message(s): input faster " \
                                   "than the predictor (raise keypoints_qos_depth for bursts)"
        elif s.thinned:
            level, message = WARN, f"crowd: {s.thinned} forecast(s) thinned, {s.served} served (at most " \
                                   f"{self.p.max_people_per_step} people a frame, the nearest every frame)"
        elif s.rejected:
            level, message = WARN, f"refused {s.rejected} input(s): {self._last_problem}"
        elif s.implausible:
            level, message = WARN, f"published zero-velocity for {s.implausible} implausible forecast(s): " \
                                   f"{self._last_implausible}"
        else:
            level, message = OK, "ok"
        publish_status(self, self.diag_pub, DIAGNOSTIC_NAME, level, message, values)


def online_values(forecaster: Forecaster | None, people: list[int]) -> dict[str, str]:
    """Per person (`pid:value, ...`): running MAE of the model, adapted, published forecast and zero-velocity
    on their own observed futures (normalised space), windows scored, and the gate weight now."""
    online = [(pid, forecaster.people[pid].online) for pid in people] if forecaster else []
    scored = [(pid, o.scores, o.gate) for pid, o in online if o.scores.scored]
    values = {f"mae_{kind}": ", ".join(f"{pid}:{s.mae[kind]:.4f}" for pid, s, _ in scored) or "none"
              for kind in ("model", "adapted", "published", "zero_velocity")}
    values["windows_scored"] = ", ".join(f"{pid}:{s.scored}" for pid, s, _ in scored) or "none"
    values["gate_weight"] = ", ".join(f"{pid}:{g.weight:.2f}" for pid, _, g in scored) or "none"
    return values


def main(args: list[str] | None = None) -> None:
    run_node(PredictorNode, args, prog="predictor_node", doc=__doc__, parameters=PARAMETERS)


if __name__ == "__main__":
    main()
