"""Fault injection against the real predictor node (issue 12): bad models, NaN outputs, floods,
stamps from the future, impossible confidences. Each case: no crash, no traceback, a clear error
on /diagnostics, nothing non-finite published, and valid input still served afterwards."""

from __future__ import annotations

import numpy as np
import pytest
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from onnx_models import zero_velocity_model
from rcl_interfaces.msg import Parameter as ParameterMsg
from rcl_interfaces.msg import ParameterType, ParameterValue
from rcl_interfaces.srv import SetParameters
from rclpy.node import Node
from rclpy.parameter import Parameter
from ros_harness import make_executor, ros_context, spin_until, start_python, stop, teardown
from std_msgs.msg import Header

from nvhai_common.ros_conversions import sec_to_stamp, stamp_to_sec
from nvhai_msgs.msg import BodyKeypoints, BodyKeypointsArray, EmotionProbabilities, MotionForecast
from nvhai_predictor.contract import EMOTION_LABELS
from nvhai_predictor.model_runner import default_model_path
from nvhai_predictor.node import DIAGNOSTIC_NAME, PredictorNode

W, H = 640, 480
BODY = np.array([[320, 100], [330, 90], [310, 90], [340, 95], [300, 95], [360, 150], [280, 150], [380, 210],
                 [260, 210], [390, 270], [250, 270], [345, 280], [295, 280], [350, 370], [290, 370], [352, 450],
                 [288, 450]], np.float64)


def pose(i: int) -> np.ndarray:
    """A standing person waving: frame i of a 30 FPS motion, in pixels."""
    xy = BODY.copy()
    xy[[7, 9], 1] -= 40 * np.sin(i / 6) + 40  # left arm up and down
    xy[:, 0] += 10 * np.sin(i / 20)  # swaying
    return xy


def people_msg(t: float, people: dict[int, np.ndarray], confidence: float | np.ndarray = 1.0) -> BodyKeypointsArray:
    header = Header(stamp=sec_to_stamp(t), frame_id="camera")
    msg = BodyKeypointsArray(header=header, image_width=W, image_height=H)
    for pid, xy in people.items():
        msg.people.append(BodyKeypoints(header=header, person_id=pid, image_width=W, image_height=H,
                                        x=xy[:, 0].astype(np.float32), y=xy[:, 1].astype(np.float32),
                                        confidence=np.broadcast_to(confidence, 17).astype(np.float32), score=1.0))
    return msg


class Harness:
    """A PredictorNode and a test node publishing keypoints and collecting every output."""

    def __init__(self, context, **params) -> None:
        params = {"diagnostics_period_s": 0.2, **params}
        self.node = PredictorNode(context=context, parameter_overrides=[Parameter(k, value=v) for k, v in params.items()])
        self.io = Node("predictor_fault_io", context=context)
        self.pub = self.io.create_publisher(BodyKeypointsArray, "/body_keypoints", 1000)
        self.forecasts: list[MotionForecast] = []
        self.emotions: list[EmotionProbabilities] = []
        self.diagnostics: list[DiagnosticStatus] = []
        self.io.create_subscription(MotionForecast, "/future_poses", self.forecasts.append, 1000)
        self.io.create_subscription(EmotionProbabilities, "/emotion", self.emotions.append, 1000)
        self.io.create_subscription(DiagnosticArray, "/diagnostics", lambda m: self.diagnostics.extend(
            s for s in m.status if s.name == DIAGNOSTIC_NAME), 100)
        self.executor = make_executor(context, self.node, self.io)
        assert spin_until(self.executor, lambda: self.pub.get_subscription_count() > 0)

    def send(self, msg: BodyKeypointsArray) -> None:
        self.pub.publish(msg)
        for _ in range(4):
            self.executor.spin_once(timeout_sec=0.001)

    def walk(self, t0: float, frames: int, pid: int = 0, start: int = 0) -> float:
        """Send `frames` frames of one person at 30 Hz from t0; returns the last stamp."""
        for i in range(frames):
            self.send(people_msg(t0 + i / 30, {pid: pose(start + i)}))
        return t0 + (frames - 1) / 30

    def answered(self, t: float, pid: int = 0, timeout_s: float = 10.0) -> bool:
        def hit() -> bool:
            return any(f.person_id == pid and abs(stamp_to_sec(f.header.stamp) - t) < 1e-6 for f in self.forecasts)
        return spin_until(self.executor, hit, timeout_s)

    def status(self, level: bytes, text: str, timeout_s: float = 10.0) -> DiagnosticStatus | None:
        def find() -> DiagnosticStatus | None:
            return next((s for s in self.diagnostics if s.level == level and text in s.message), None)
        spin_until(self.executor, lambda: find() is not None, timeout_s)
        return find()

    def total(self, key: str) -> int:
        return sum(int(kv.value) for s in self.diagnostics for kv in s.values if kv.key == key)

    def all_published_finite(self) -> bool:
        return all(np.isfinite(f.x).all() and np.isfinite(f.y).all() for f in self.forecasts) and all(
            np.isfinite(e.probabilities).all() and len(e.probabilities) == len(e.labels) for e in self.emotions)

    def close(self) -> None:
        teardown(self.executor, self.node, self.io)


@pytest.fixture
def ros():
    with ros_context() as context:
        yield context


def served_after_switching_to_the_shipped_model(h: Harness) -> None:
    result = h.node.set_parameters([Parameter("model_path", value=default_model_path())])[0]
    assert result.successful, result.reason
    last = h.walk(500.0, 62)
    assert h.answered(last), "valid input must be served once a good model is set"
    assert h.all_published_finite()


# 1 -------------------------------------------------------------------------------------------
def test_graph_input_not_matching_its_contract_is_refused_at_load_in_a_running_process(tmp_path):
    """Graph takes 30 frames, metadata says 60: refused with one line; the process lives and serves
    once model_path is set (through the real parameter service) to a good model."""
    bad = zero_velocity_model(tmp_path / "frames30.onnx", graph_frames=30, contract_frames=60)
    proc = start_python(["-m", "nvhai_predictor.node", "--ros-args", "-p", f"model_path:={bad}",
                         "-p", "keypoints_topic:=/fault1/keypoints", "-p", "forecast_topic:=/fault1/future"])
    try:
        with ros_context() as context:
            io = Node("predictor_fault1_io", context=context)
            pub = io.create_publisher(BodyKeypointsArray, "/fault1/keypoints", 1000)
            got: list[MotionForecast] = []
            diags: list[DiagnosticStatus] = []
            io.create_subscription(MotionForecast, "/fault1/future", got.append, 100)
            io.create_subscription(DiagnosticArray, "/diagnostics", lambda m: diags.extend(
                s for s in m.status if s.name == DIAGNOSTIC_NAME), 100)
            client = io.create_client(SetParameters, "/nvhai_predictor/set_parameters")
            ex = make_executor(context, io)
            assert spin_until(ex, lambda: pub.get_subscription_count() > 0, 30.0), "node process did not come up"
            for i in range(62):  # a full window: the original node died here with a traceback
                pub.publish(people_msg(7 + i / 30, {3: pose(i)}))
                spin_until(ex, lambda: False, 0.003)
            assert spin_until(ex, lambda: any(s.level == DiagnosticStatus.ERROR and "graph does not match" in s.message
                                              for s in diags), 20.0)
            assert proc.poll() is None and not got
            assert client.wait_for_service(timeout_sec=20.0)
            value = ParameterValue(type=ParameterType.PARAMETER_STRING, string_value=default_model_path())
            future = client.call_async(SetParameters.Request(parameters=[ParameterMsg(name="model_path", value=value)]))
            assert spin_until(ex, future.done, 20.0) and future.result().results[0].successful
            for i in range(62):
                pub.publish(people_msg(20 + i / 30, {3: pose(i)}))
                spin_until(ex, lambda: False, 0.003)
            assert spin_until(ex, lambda: len(got) > 0, 20.0), "served after a good model was set"
            assert all(np.isfinite(f.x).all() for f in got)
            teardown(ex, io)
        assert proc.poll() is None, "the node must survive the bad model"
    finally:
        out = stop(proc)
    assert "Traceback" not in out, out[-3000:]
    refusal = [line for line in out.splitlines() if "model refused" in line]
    assert refusal and "frames30.onnx" in refusal[0] and "'keypoints' has shape" in refusal[0], out[-3000:]


# 2 -------------------------------------------------------------------------------------------
def test_model_giving_nan_publishes_nothing_and_reports_it(ros, tmp_path):
    h = Harness(ros, model_path=zero_velocity_model(tmp_path / "nan.onnx", nan_on_motion=True))
    try:
        assert h.node.forecaster is not None, "finite on a still window, so it loads; NaN shows only at run time"
        h.walk(100.0, 75)
        status = h.status(DiagnosticStatus.ERROR, "non-finite")
        assert status is not None, [s.message for s in h.diagnostics]
        assert spin_until(h.executor, lambda: h.total("non_finite") >= 16)
        assert not h.forecasts and not h.emotions, "nothing non-finite is published"
        served_after_switching_to_the_shipped_model(h)
    finally:
        h.close()


# 3 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("broken", "message"), [
    ({"emotions": 2}, f"'emotion_probs' has shape ['batch', 2], contract says ['batch', {len(EMOTION_LABELS)}]"),
    ({"out_frames": 10}, "'future' has shape ['batch', 10, 17, 2], contract says ['batch', 30, 17, 2]"),
    ({"symbolic": True}, "outputs [1, 30, 17, 2], [1, 2] do not match the contract"),
])
def test_outputs_not_matching_the_contract_are_refused(ros, tmp_path, broken, message):
    h = Harness(ros, model_path=zero_velocity_model(tmp_path / "bad.onnx", **broken))
    try:
        assert h.node.forecaster is None and message in h.node.model_error, h.node.model_error
        assert h.status(DiagnosticStatus.ERROR, "no model") is not None
        h.walk(100.0, 62)
        spin_until(h.executor, lambda: False, 0.3)
        assert not h.forecasts and not h.emotions
        served_after_switching_to_the_shipped_model(h)
        assert spin_until(h.executor, lambda: len(h.emotions) >= len(h.forecasts), 20.0), "an emotion per forecast"
        for f, e in zip(h.forecasts, h.emotions, strict=False):
            assert f.num_frames == 30 and len(f.x) == 30 * 17
            assert len(e.labels) == len(e.probabilities) == len(h.node.forecaster.runner.contract.labels)
    finally:
        h.close()


# 4 -------------------------------------------------------------------------------------------
def test_messages_lost_under_a_flood_are_counted_on_diagnostics(ros):
    """A burst the node cannot take in (nothing spins while it is published) loses messages beyond
    the queue; /diagnostics counts every one: received + dropped == sent, and warns."""
    h = Harness(ros, keypoints_qos_depth=20)
    try:
        h.send(people_msg(1.0, {0: pose(0)}))  # the publisher's first sequence number is seen
        assert spin_until(h.executor, lambda: h.total("received") >= 1)
        burst = 200
        for i in range(1, burst + 1):
            h.pub.publish(people_msg(1.0 + i / 300, {0: pose(i)}))
        assert spin_until(h.executor, lambda: h.total("received") + h.total("dropped") >= burst + 1, 30.0)
        spin_until(h.executor, lambda: False, 0.5)
        received, dropped = h.total("received"), h.total("dropped")
        assert received + dropped == burst + 1 and dropped > 0 and received >= 20
        assert h.total("processed") == received
        assert h.status(DiagnosticStatus.WARN, "lost") is not None
        last = h.walk(50.0, 62)
        assert h.answered(last)
    finally:
        h.close()


# 5 -------------------------------------------------------------------------------------------
def test_ids_stamped_in_the_future_are_forgotten(ros):
    h = Harness(ros)
    try:
        for pid in range(1, 201):  # time jumped back after these (bag loop, sim reset)
            h.send(people_msg(10_000.0 + pid / 30, {pid: pose(pid)}))
        last = h.walk(100.0, 62)
        assert h.answered(last)
        assert spin_until(h.executor, lambda: any(
            kv.key == "people" and kv.value == "1" for kv in h.diagnostics[-1].values) if h.diagnostics else False)
        assert set(h.node.forecaster.people) == {0}
        fills = next(kv.value for kv in h.diagnostics[-1].values if kv.key == "window_fill")
        assert len(fills) < 200
    finally:
        h.close()


# 11 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("confidence", [1.5, -0.2])
def test_confidence_outside_0_1_is_refused(ros, confidence):
    h = Harness(ros)
    try:
        last = h.walk(100.0, 62)
        assert h.answered(last)
        bad_t = last + 1 / 30
        h.send(people_msg(bad_t, {0: pose(62)}, confidence=confidence))
        assert h.status(DiagnosticStatus.WARN, "confidence outside [0, 1]") is not None
        good_t = bad_t + 1 / 30
        h.send(people_msg(good_t, {0: pose(63)}))
        assert h.answered(good_t)
        assert all(abs(stamp_to_sec(f.header.stamp) - bad_t) > 1e-6 for f in h.forecasts)
    finally:
        h.close()


def test_a_forecast_no_body_could_follow_is_published_as_standing_still_and_counted(ros, tmp_path):
    """A model whose forecast is the body four times its size: every published forecast is the last pose held,
    WARN on /diagnostics names why, and the count of implausible forecasts rises; the shipped model then serves."""
    h = Harness(ros, model_path=zero_velocity_model(tmp_path / "wild.onnx", future_scale=4.0))
    try:
        last = h.walk(100.0, 75)
        assert h.answered(last)
        status = h.status(DiagnosticStatus.WARN, "implausible")
        assert status is not None and "extent" in status.message, [s.message for s in h.diagnostics]
        assert spin_until(h.executor, lambda: h.total("implausible") >= 16)
        for f in h.forecasts:
            held = pose(round((stamp_to_sec(f.header.stamp) - 100.0) * 30))
            xy = np.stack([np.asarray(f.x), np.asarray(f.y)], axis=-1).reshape(30, 17, 2)
            np.testing.assert_allclose(xy, np.repeat(held[None], 30, axis=0), atol=1e-2)
        served_after_switching_to_the_shipped_model(h)
    finally:
        h.close()
