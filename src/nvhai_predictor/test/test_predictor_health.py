"""What /diagnostics says, without ROS: the period's counters, the health ladder (worst first), the values
beside it, and the messages lost between a publisher and the predictor (sequence-number gaps)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from nvhai_predictor import predictor_health as health
from nvhai_predictor.forecaster import Forecaster, Observation, PersonForecast, StepResult
from nvhai_predictor.message_loss import SequenceGaps
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.predictor_health import ERROR, OK, WARN, PredictorStats


def level(stats: PredictorStats, inactive: str | None = None, model_error: str | None = None) -> tuple[bytes, str]:
    return health.health(stats, inactive, model_error, 8)


def test_the_core_reports_without_rclpy():
    """The node's counters, ladder and loss count import no ROS: tested here, reused by anything."""
    code = ("import sys, nvhai_predictor.predictor_health, nvhai_predictor.message_loss, nvhai_predictor.settings; "
            "print([m for m in sys.modules if m.startswith(('rclpy', 'rcl_interfaces', 'diagnostic_msgs'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_ladder_names_the_worst_problem_first():
    s = PredictorStats(received=10, rejected=2, implausible=1, thinned=3, served=8, dropped=4, non_finite=1,
                       last_problem="person 3: NaN/inf in keypoints", last_output_error="person 1: NaN",
                       last_implausible="person 2: collapses")
    assert level(s, inactive="inactive (lifecycle)") == (OK, "inactive (lifecycle)")
    assert level(s, model_error="bad.onnx: no such file") == (ERROR, "no model: bad.onnx: no such file")
    assert level(s) == (ERROR, "dropped 1 bad model output(s): person 1: NaN")
    s.non_finite = 0
    assert level(s) == (WARN, "lost 4 of 14 input message(s): input faster than the predictor (raise "
                              "keypoints_qos_depth for bursts)")
    s.dropped = 0
    assert level(s) == (WARN, "crowd: 3 forecast(s) thinned, 8 served (at most 8 people a frame, the nearest "
                              "every frame)")
    s.thinned = 0
    assert level(s) == (WARN, "refused 2 input(s): person 3: NaN/inf in keypoints")
    s.rejected = 0
    assert level(s) == (WARN, "published zero-velocity for 1 implausible forecast(s): person 2: collapses")
    s.implausible = 0
    assert level(s) == (OK, "ok")


def test_a_step_is_counted_with_its_last_problems():
    s = PredictorStats()
    probs = np.array([0.5, 0.5])
    forecast = PersonForecast(1, 0.0, np.zeros((30, 17, 2)), probs, ["a", "b"])
    s.stepped(StepResult([forecast], ["person 4: NaN/inf in keypoints", "person 5: too few"], [7, 8], bad_outputs=1,
                         output_error="person 6: NaN", implausible=1, implausible_reason="person 1: explodes",
                         thinned=[9]))
    s.refused("no model loaded (x)")
    assert (s.processed, s.rejected, s.non_finite, s.implausible, s.forecasts, s.served, s.thinned, s.forgotten) == \
        (1, 3, 1, 1, 1, 2, 1, 2)
    assert (s.last_problem, s.last_output_error, s.last_implausible) == \
        ("no model loaded (x)", "person 6: NaN", "person 1: explodes")


def test_values_list_people_their_window_and_scores():
    assert health.values(PredictorStats(), None) == {
        "received": 0, "processed": 0, "dropped": 0, "rejected": 0, "non_finite": 0, "implausible": 0,
        "forecasts": 0, "served": 0, "thinned": 0, "step_ms_mean": "n/a", "people": 0, "window_fill": "none",
        "model": "none", "mae_model": "none", "mae_adapted": "none", "mae_published": "none",
        "mae_zero_velocity": "none", "windows_scored": "none", "gate_weight": "none"}
    f = Forecaster(ModelRunner(default_model_path()))
    rng = np.random.default_rng(0)
    base = np.array([320.0, 240.0]) + rng.uniform(-60, 60, (17, 2))
    for i in range(95):
        people = [Observation(3, base + 8 * np.sin(i / 4 + np.arange(17))[:, None], np.ones(17))]
        people += [Observation(pid, base, np.ones(17)) for pid in range(10, 10 + (health.MAX_LISTED_PEOPLE if i == 94
                                                                                   else 0))]
        f.step(i / 30, people, 640, 480)
    v = health.values(PredictorStats(processed=2, infer_s=0.003), f)
    assert v["people"] == 1 + health.MAX_LISTED_PEOPLE and v["step_ms_mean"] == "1.50"
    assert v["window_fill"].startswith("3:1.00, 10:0.00") and v["window_fill"].endswith("... 1 more")
    assert v["windows_scored"] == "3:6" and v["model"] == f.runner.model_name
    assert v["mae_model"].startswith("3:") and 0 <= float(v["gate_weight"].removeprefix("3:")) <= 1


def test_gaps_in_a_publishers_sequence_numbers_are_messages_lost():
    gaps = SequenceGaps()
    a, b = {"data": [1, 2, 3]}, [9, 9]
    assert [gaps.lost(seq, a) for seq in (1, 2, 5, 6)] == [0, 0, 2, 0]
    assert gaps.lost(1, b) == 0 and gaps.lost(4, b) == 2, "each publisher on its own"
    assert gaps.lost(3, a) == 0 and gaps.lost(7, a) == 0, "one late message is not a loss, nor is what follows"
    assert gaps.lost(None, a) == gaps.lost(3, None) == 0, "no sequence number from the middleware: nothing counted"
