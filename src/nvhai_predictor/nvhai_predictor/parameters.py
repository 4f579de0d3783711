"""The predictor node's parameters: one table of names, defaults, descriptions and ranges (nvhai_common.ros_params
declares and checks them). The parameters that set the core take their defaults from the core's dataclasses
(settings.py), so the node, config/predictor.yaml and `evaluate --online` cannot drift apart."""

from __future__ import annotations

from nvhai_common.ros_params import POSITIVE, UNIT, Param, Range
from nvhai_predictor.settings import default


def _core(name: str, description: str, **kw) -> Param:
    """A parameter of the core: its default is the core's (settings.py), and it is read once, at start."""
    return Param(name, default(name), description, read_only=True, **kw)


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
    _core("rate_hz", "Frame rate the window is resampled to (must match the model).",
          range=Range(0.0, 1000.0, low_open=True)),
    _core("input_frames", "Window length T_in in frames (must match the model).", range=Range(2, 10_000)),
    Param("output_frames", 30, "Forecast length T_out in frames (must match the model).", read_only=True,
          range=Range(1, 10_000)),
    _core("max_gap_s", "A person's window restarts after a gap longer than this, or when stamps stay "
          "further back than this (5 messages in a row: a bag loop); one message back is refused.", range=POSITIVE),
    _core("min_confidence", "Keypoints below this confidence (or outside the image) are unseen: the window "
          "shows the model a completion in their place (held where last seen on the body, else a standing "
          "body's; visibility.py), and scores and online adaptation leave them out.", range=UNIT),
    _core("min_visible", "Observations with fewer seen keypoints (confident and inside the image) than this are "
          "skipped; 5: a face alone is a person (someone at a desk filmed from the chest up, shoulders below the "
          "frame).", range=Range(1, 17)),
    _core("forget_after_s", "A person unseen for this long (in message time) is forgotten.", range=POSITIVE),
    _core("max_people_per_step", "Forecast at most this many people per frame: the largest (nearest) half of "
          "them every frame, the others in turn, so a crowd costs a bounded time per frame and everyone is still "
          "forecast, less often (load_shedding.py; thinned on /diagnostics). 0: everyone, every frame.",
          range=Range(0, 10_000)),
    _core("ensemble_forecasts", "Average each future moment over the last N overlapping forecasts of a "
          "person (temporal ensembling; 1 = the newest forecast only).", range=Range(1, 1000)),
    _core("emotion_smoothing", "Per-person emotion probabilities over time: 'ema' (moving average with "
          "emotion_time_constant_s) or 'raw' (each window's model output as is).", choices=("ema", "raw")),
    _core("emotion_time_constant_s", "Time constant of the emotion moving average (s): after this long "
          "an old estimate keeps weight 1/e.", range=POSITIVE),
    _core("online_adaptation", "Correct each person's forecast with a small ridge map learned online from "
          "that person's own observed futures (online_adaptation.py); reset when the person is forgotten."),
    _core("adaptation_strength", "Ridge toward no correction: the model's own forecast weighs as much as "
          "this many of the person's observed windows (frames), so the correction grows as evidence accumulates.",
          range=Range(0.0, 1e6)),
    _core("adaptation_memory_s", "Time constant (s of observed windows) over which the adaptation forgets "
          "old evidence, so it follows a person who changes what they do; 0 keeps all of it.",
          range=Range(1.0, 1e6, or_zero=True)),
    _core("adaptation_axis_strength", "x and y each get a map of their own, ridged toward the map shared "
          "by all coordinates, which weighs as much as this many of the person's observed windows; 0: the shared "
          "map alone.", range=Range(0.0, 1e6)),
    _core("forecast_gate", "Blend each person's forecast, per coordinate, toward zero-velocity and away "
          "from an unhelpful correction by the evidence of their scored forecasts (least-squares weights in "
          "[0, 1]), so nobody is forecast worse than standing still."),
    _core("new_person_prior", "Until the gate has evidence of a person (their first 10 windows scored, about "
          "1.3 s of forecasts), their forecast moves this share of the model's move: a hedge while nothing tells "
          "whether the model is right about them (1: the model's forecast as is).", range=UNIT),
    _core("sparse_person_prior", "Until the gate has evidence of a person, a person the camera sees little of "
          "(6 or more keypoints unseen: chest-up, at a desk) gets this share of new_person_prior's move "
          "(1: the same as anyone).", range=UNIT),
    _core("plausibility_gate", "Publish zero-velocity (the last observed pose, held) instead of a forecast "
          "no human body could follow: a pose that collapses or explodes, a keypoint moving faster than a person, "
          "ending far from where it was, or a bone growing past its observed length (plausibility.py); counted "
          "as implausible on /diagnostics."),
    _core("self_scoring_time_constant_s", "Memory (s of scored windows) of the per-person running MAEs "
          "on /diagnostics and of the gate's evidence.", range=Range(0.0, 1e6, low_open=True)),
    Param("diagnostics_period_s", 1.0, "Period of /diagnostics reports.", read_only=True,
          range=Range(0.0, 3600.0, low_open=True)),
    Param("autostart", True, "Configure and activate on start; false waits for lifecycle transitions "
          "(ros2 lifecycle set, or live.launch.py).", read_only=True),
)
