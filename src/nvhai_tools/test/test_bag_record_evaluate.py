"""Record a live run of the loop on the real demo video into a rosbag2, replay it, evaluate it."""

from __future__ import annotations

import json

import pytest
from rclpy.node import Node
from rclpy.parameter import Parameter
from real_media import DEMO_VIDEO
from ros_harness import make_executor, ros_context, spin_until, teardown

from nvhai_bringup.video_source_node import VideoSourceNode
from nvhai_msgs.msg import BodyKeypointsArray
from nvhai_perception.node import PerceptionNode
from nvhai_predictor.node import PredictorNode
from nvhai_tools.bag_cli import main as bag_main
from nvhai_tools.bag_evaluation import evaluate_bag
from nvhai_tools.bag_play import PlayOptions, play
from nvhai_tools.bag_recorder import BagRecorder


@pytest.fixture(scope="module")
def recorded_bag(tmp_path_factory):
    bag = tmp_path_factory.mktemp("bags") / "live_run"
    with ros_context() as context:
        source = VideoSourceNode(context=context, parameter_overrides=[Parameter("path", value=str(DEMO_VIDEO))])
        perception = PerceptionNode(context=context)
        predictor = PredictorNode(context=context)
        rec_node = Node("bag_recorder_test", context=context)
        recorder = BagRecorder(rec_node, bag)
        ex = make_executor(context, source, perception, predictor, rec_node)
        assert spin_until(ex, lambda: source.finished, 60.0)
        spin_until(ex, lambda: False, 1.0)
        recorder.close()
        counts = dict(recorder.counts)
        teardown(ex, source, perception, predictor, rec_node)
    return bag, counts


def test_live_run_is_recorded(recorded_bag):
    """What is recorded is right, whatever a loaded machine let through (perception drops frames while busy)."""
    bag, counts = recorded_bag
    from bag_checks import read_with_rosbags

    got = read_with_rosbags(bag)
    assert {t: len(v) for t, v in got.items() if v} == {t: n for t, n in counts.items() if n}
    images = sorted((m.header.stamp.sec, m.header.stamp.nanosec) for _, m in got["/image_raw"])
    assert len(set(images)) == counts["/image_raw"] > 0
    keypoints = [(m.header.stamp.sec, m.header.stamp.nanosec) for _, m in got["/body_keypoints"]]
    assert keypoints, "perception answered"
    assert keypoints == sorted(set(keypoints)), "one keypoint message per processed image, in order"
    assert len(set(keypoints) & set(images)) > 0, "keypoints carry the stamps of the images they came from"
    assert counts["/future_poses"] > 0 and counts["/emotion"] == counts["/future_poses"]


def test_evaluation_of_the_recorded_bag(recorded_bag, tmp_path):
    bag, counts = recorded_bag
    result = evaluate_bag(bag, tmp_path / "a", label="enthusiastic", progress=False)
    assert result["source"] == "/image_raw" and result["frames"] == counts["/image_raw"]
    assert result["forecasts"] > 0 and result["scored_forecasts"] > 0
    for name in ("model_metrics", "zero_velocity"):
        assert set(result[name]) == {"mae", "mae_5", "mae_10", "mae_20", "mae_30"}
        assert 0 < result[name]["mae"] < 1
    assert 0 <= result["accuracy"] <= 1 and sum(result["emotion_counts"].values()) == result["forecasts"]
    lat = result["latency_ms"]
    assert lat["/body_keypoints"]["count"] == counts["/body_keypoints"]
    assert lat["/body_keypoints"]["median"] > 0, "keypoints leave perception after the image was taken"
    assert lat["/future_poses"]["median"] >= lat["/image_raw"]["median"]
    assert json.loads((tmp_path / "a" / "evaluation.json").read_text()) == result
    assert (tmp_path / "a" / "evaluation.png").stat().st_size > 10_000
    again = evaluate_bag(bag, tmp_path / "b", label="enthusiastic", progress=False)
    assert again["model_metrics"] == result["model_metrics"], "evaluation is deterministic"


def test_replay_publishes_the_recorded_messages(recorded_bag):
    bag, counts = recorded_bag
    with ros_context() as context:
        player = Node("bag_player_test", context=context)
        listener = Node("bag_listener_test", context=context)
        got: list[BodyKeypointsArray] = []
        listener.create_subscription(BodyKeypointsArray, "/body_keypoints", got.append, 1000)
        ex = make_executor(context, player, listener)
        sent = play(player, bag, PlayOptions(rate=4.0, topics=["/body_keypoints"]),
                    spin=lambda s: ex.spin_once(timeout_sec=s))
        spin_until(ex, lambda: len(got) >= sent, 5.0)
        assert sent == counts["/body_keypoints"] and len(got) == sent
        stamps = [m.header.stamp.sec + m.header.stamp.nanosec * 1e-9 for m in got]
        assert stamps == sorted(stamps)
        teardown(ex, player, listener)


def test_bag_from_video_and_cli_evaluate(tmp_path):
    assert bag_main(["from-video", str(DEMO_VIDEO), "--out", str(tmp_path / "clip")]) == 0
    assert bag_main(["evaluate", str(tmp_path / "clip"), "--out", str(tmp_path / "ev"), "--max-people", "2"]) == 0
    result = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert result["frames"] == 230 and result["scored_forecasts"] > 0
    people = result["per_person"]
    assert len(people) == result["ids_seen"] >= 2, "both people of the clip are evaluated, each on their own"
    assert sum(sum(p["emotion_counts"].values()) for p in people.values()) == result["forecasts"]
    # gestures the avatar would start: never more than the label changes that could start one, plus one
    for p in people.values():
        assert 0 <= p["gestures"] <= p["emotion_switches"] + 1
    assert result["gestures_per_min"] is not None and result["gestures_per_min"] >= 0
    scored = [p for p in people.values() if p["model_metrics"]["mae"] is not None]
    assert scored and all(0 < p["model_metrics"]["mae"] < 1 for p in scored)
