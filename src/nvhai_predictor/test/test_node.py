"""The predictor node in a real rclpy graph, fed a real CMU motion clip as keypoint messages."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.node import Node
from rclpy.parameter import Parameter
from ros_harness import keypoints_msg, make_executor, ros_context, spin_until, teardown
from std_msgs.msg import Header

from nvhai_common.ros_conversions import forecast_xy
from nvhai_common.ros_conversions import sec_to_stamp as stamp
from nvhai_common.ros_conversions import stamp_to_sec as secs
from nvhai_common.ros_params import defaults
from nvhai_msgs.msg import BodyKeypointsArray, EmotionProbabilities, MotionForecast
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.node import DIAGNOSTIC_NAME, PARAMETERS, PredictorNode

DEFAULT_LABELS = ModelRunner(default_model_path()).contract.labels
CONFIG = Path(__file__).resolve().parents[1] / "config" / "predictor.yaml"
CMU = Path(__file__).resolve().parents[4] / "shared" / "data" / "cmu_mocap" / "cmu_coco17_30fps_train.npz"
W, H = 640, 480

pytestmark = pytest.mark.skipif(not CMU.exists(), reason="../shared/data/cmu_mocap not beside the repo")


def clip(name: str, half: str | None = None) -> np.ndarray:
    """A CMU clip in pixels of the W x H image, or squeezed into its left or right half."""
    with np.load(CMU) as data:
        if half is None:
            return data[name] * [W, H]
        return data[name] * [W / 2, H] + [W / 2 if half == "right" else 0.0, 0.0]


def people_msg(t: float, people: dict[int, np.ndarray]) -> BodyKeypointsArray:
    return keypoints_msg(Header(stamp=stamp(t), frame_id="camera"), people, W, H)


class Harness:
    def __init__(self, context, **params) -> None:
        self.node = PredictorNode(context=context, parameter_overrides=[Parameter(k, value=v) for k, v in params.items()])
        self.io = Node("predictor_test_io", context=context)
        self.pub = self.io.create_publisher(BodyKeypointsArray, "/body_keypoints", 100)
        self.forecasts: list[MotionForecast] = []
        self.emotions: list[EmotionProbabilities] = []
        self.diagnostics: list[DiagnosticStatus] = []
        self.io.create_subscription(MotionForecast, "/future_poses", self.forecasts.append, 100)
        self.io.create_subscription(EmotionProbabilities, "/emotion", self.emotions.append, 100)
        self.io.create_subscription(DiagnosticArray, "/diagnostics", lambda m: self.diagnostics.extend(
            s for s in m.status if s.name == DIAGNOSTIC_NAME), 10)
        self.executor = make_executor(context, self.node, self.io)
        assert spin_until(self.executor, lambda: self.pub.get_subscription_count() > 0)

    def send(self, msg: BodyKeypointsArray) -> None:
        self.pub.publish(msg)
        for _ in range(6):  # the input, then the forecast and emotion it causes
            self.executor.spin_once(timeout_sec=0.001)

    def answered(self, t: float, pid: int, timeout_s: float = 5.0) -> MotionForecast | None:
        def match() -> MotionForecast | None:
            return next((f for f in self.forecasts if f.person_id == pid and abs(secs(f.header.stamp) - t) < 1e-6), None)
        spin_until(self.executor, lambda: match() is not None, timeout_s)
        return match()

    def close(self) -> None:
        teardown(self.executor, self.node, self.io)


@pytest.fixture
def harness():
    with ros_context() as context:
        h = Harness(context)
        yield h
        h.close()


def test_yaml_defaults_match_declared_parameters():
    assert yaml.safe_load(CONFIG.read_text())["nvhai_predictor"]["ros__parameters"] == defaults(PARAMETERS)


def test_the_health_levels_are_diagnostic_msgs_levels():
    from diagnostic_msgs.msg import DiagnosticStatus

    from nvhai_predictor import predictor_health as health

    assert (health.OK, health.WARN, health.ERROR) == (DiagnosticStatus.OK, DiagnosticStatus.WARN, DiagnosticStatus.ERROR)


def test_cmu_clip_at_30hz_gives_forecasts_and_emotions(harness):
    motion = clip("001_14")
    t0 = 1000.0
    for i in range(75):  # paced at 30 Hz like a camera
        started = time.monotonic()
        harness.send(people_msg(t0 + i / 30, {4: motion[i]}))
        time.sleep(max(0.0, 1 / 30 - (time.monotonic() - started)))
    last = t0 + 74 / 30
    assert harness.answered(last, 4) is not None
    assert spin_until(harness.executor, lambda: len(harness.emotions) >= len(harness.forecasts))
    stamps = sorted(secs(f.header.stamp) for f in harness.forecasts)
    expected = [t0 + i / 30 for i in range(59, 75)]
    np.testing.assert_allclose(stamps, expected, atol=1e-6), "one forecast per message once the window is full"
    f = harness.forecasts[-1]
    assert (f.num_frames, f.num_keypoints, len(f.x), len(f.y)) == (30, 17, 510, 510)
    assert f.frame_period.nanosec == 33_333_333 and f.header.frame_id == "camera" and f.model_name
    future = forecast_xy(f)
    assert future.shape == (30, 17, 2)
    body = motion[74]
    extent = np.ptp(body, axis=0).max()
    assert np.abs(future.mean(axis=(0, 1)) - body.mean(axis=0)).max() < extent, "forecast is where the person is"
    for e in harness.emotions:
        assert e.labels == DEFAULT_LABELS
        assert abs(sum(e.probabilities) - 1) < 1e-5 and e.label == e.labels[int(np.argmax(e.probabilities))]
        assert e.confidence == pytest.approx(max(e.probabilities))
    assert {secs(e.header.stamp) for e in harness.emotions} == set(stamps)


def test_two_people_interleaved_keep_separate_windows(harness):
    a, b = clip("002_01", "left"), clip("005_07", "right")
    for i in range(70):
        harness.send(people_msg(50 + i / 30, {1: a[i]}))
        harness.send(people_msg(50 + i / 30 + 1 / 60, {2: b[i]}))
    assert harness.answered(50 + 69 / 30, 1) is not None and harness.answered(50 + 69 / 30 + 1 / 60, 2) is not None
    for pid, motion, shift in ((1, a, 1 / 30 * 0), (2, b, 1 / 60)):
        mine = [f for f in harness.forecasts if f.person_id == pid]
        assert len(mine) == 70 - 59
        assert all(round((secs(f.header.stamp) - 50 - shift) * 30, 6) % 1 == 0 for f in mine)
        x = np.asarray(mine[-1].x)
        assert abs(x.mean() - motion[69, :, 0].mean()) < 80, f"person {pid}'s forecast follows person {pid}"


def test_bad_inputs_are_refused_and_the_next_good_message_answered(harness):
    motion = clip("001_14")
    for i in range(60):
        harness.send(people_msg(10 + i / 30, {0: motion[i]}))
    assert harness.answered(10 + 59 / 30, 0) is not None
    t = 10 + 60 / 30
    nan = motion[60].copy()
    nan[3] = np.nan
    bad = [people_msg(t, {0: nan}), people_msg(t, {0: motion[60] + [10 * W, 0]}),
           people_msg(t - 0.1, {0: motion[60]})]  # NaN, far outside the image, stamp going (slightly) backwards
    for i, msg in enumerate(bad):
        harness.send(msg)
        good_t = t + (i + 1) / 30
        harness.send(people_msg(good_t, {0: motion[60 + i]}))
        assert harness.answered(good_t, 0) is not None, f"no answer after bad input {i}"
    assert all(secs(f.header.stamp) != t for f in harness.forecasts)
    assert spin_until(harness.executor, lambda: any(
        s.level == DiagnosticStatus.WARN and "refused" in s.message for s in harness.diagnostics), 3.0)
    harness.send(people_msg(t + 5.0, {0: motion[70]}))  # a jump: the window restarts, no stale forecast
    spin_until(harness.executor, lambda: False, 0.3)
    assert all(secs(f.header.stamp) != t + 5.0 for f in harness.forecasts)


def test_missing_model_keeps_the_node_up_until_a_good_one_is_set(tmp_path):
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"not a model")
    with ros_context() as context:
        h = Harness(context, model_path=str(tmp_path / "missing.onnx"), diagnostics_period_s=0.2)
        try:
            assert h.node.forecaster is None
            assert spin_until(h.executor, lambda: any(
                s.level == DiagnosticStatus.ERROR and "not found" in s.message for s in h.diagnostics))
            result = h.node.set_parameters([Parameter("model_path", value=str(corrupt))])[0]
            assert not result.successful and "cannot load" in result.reason
            result = h.node.set_parameters([Parameter("model_path", value=default_model_path())])[0]
            assert result.successful and h.node.forecaster is not None
            motion = clip("001_14")
            for i in range(60):
                h.send(people_msg(i / 30, {0: motion[i]}))
            assert h.answered(59 / 30, 0) is not None
        finally:
            h.close()


def test_predictor_executable_in_its_own_process():
    """`predictor_node` as a user starts it (--ros-args remapping a topic), answering another process."""
    from ros_harness import start_python, stop

    proc = start_python(["-m", "nvhai_predictor.node", "--ros-args", "-p", "keypoints_topic:=/proc_test/keypoints",
                         "-p", "forecast_topic:=/proc_test/future"])
    try:
        with ros_context() as context:
            io = Node("predictor_process_test", context=context)
            pub = io.create_publisher(BodyKeypointsArray, "/proc_test/keypoints", 100)
            got: list[MotionForecast] = []
            io.create_subscription(MotionForecast, "/proc_test/future", got.append, 100)
            ex = make_executor(context, io)
            assert spin_until(ex, lambda: pub.get_subscription_count() > 0, 60.0), "node process did not come up"
            motion = clip("001_14")
            for i in range(62):
                pub.publish(people_msg(7 + i / 30, {9: motion[i]}))
                spin_until(ex, lambda: False, 0.005)
            assert spin_until(ex, lambda: len(got) >= 3, 30.0)
            assert got[-1].person_id == 9 and len(got[-1].x) == 510
            teardown(ex, io)
    finally:
        out = stop(proc)
    assert "model '" in out and "/proc_test/keypoints -> /proc_test/future" in out, out[-2000:]


@pytest.mark.parametrize("labels", [["enthusiastic", "laughing", "happy to see you"],
                                    ["enthusiastic", "laughing", "happy to see you", "neutral"]],
                         ids=["paper-3-labels", "4-labels"])
def test_three_and_four_label_models_load_and_publish(tmp_path, labels):
    from onnx_models import zero_velocity_model

    logits = [0.0] * (len(labels) - 1) + [2.0]  # the last label wins
    model = zero_velocity_model(tmp_path / "m.onnx", labels=labels, logits=logits, name=f"zv-{len(labels)}")
    motion = clip("002_05")
    with ros_context() as context:
        h = Harness(context, model_path=model)  # constant probabilities: smoothing, if any, keeps them
        try:
            for i in range(62):
                h.send(people_msg(2000.0 + i / 30, {1: motion[i]}))
            assert h.answered(2000.0 + 61 / 30, 1) is not None
            assert spin_until(h.executor, lambda: len(h.emotions) >= 3)
            e = h.emotions[-1]
            assert e.labels == labels and e.label == labels[-1] and len(e.probabilities) == len(labels)
            expected = np.exp(logits) / np.exp(logits).sum()
            np.testing.assert_allclose(e.probabilities, expected, atol=1e-5)
            f = h.forecasts[-1]
            assert f.model_name == f"zv-{len(labels)}"
            np.testing.assert_allclose(forecast_xy(f), np.repeat(motion[61][None], 30, 0), atol=1e-3)  # zero velocity
        finally:
            h.close()


@pytest.mark.parametrize("online", [True, False], ids=["adaptation-and-gate", "both-off"])
def test_diagnostics_report_each_persons_running_scores(online):
    """Per person on /diagnostics: running MAE of model, adapted, published and zero-velocity on the futures
    observed so far, windows scored and the gate weight."""
    motion = clip("002_06")
    with ros_context() as context:
        h = Harness(context, diagnostics_period_s=0.2, online_adaptation=online, forecast_gate=online)
        try:
            for i in range(120):
                h.send(people_msg(300 + i / 30, {4: motion[i]}))
            assert h.answered(300 + 119 / 30, 4) is not None

            def values() -> dict[str, str]:
                return {kv.key: kv.value for kv in h.diagnostics[-1].values} if h.diagnostics else {}
            # forecasts from frame 59 on; by frame 119 those made at frames 59..89 have their 30-frame future
            assert spin_until(h.executor, lambda: values().get("windows_scored") == "4:31"), values()
            v = values()
            mae = {k: float(v[f"mae_{k}"].removeprefix("4:")) for k in ("model", "adapted", "published",
                                                                          "zero_velocity")}
            assert all(m > 0 for m in mae.values()), v
            weight = float(v["gate_weight"].removeprefix("4:"))
            assert 0.0 <= weight <= 1.0
            if not online:
                assert mae["model"] == mae["adapted"] == mae["published"] and weight == 1.0
        finally:
            h.close()
