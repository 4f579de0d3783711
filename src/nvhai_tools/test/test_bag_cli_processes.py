"""`nvhai-bag` as a user runs it, in its own process: Ctrl-C and kill -9 while recording, repair,
`play --clock` delivering every message, `--loop` / `--topics`, and one-line errors for bad bags,
models and labels."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
from bag_checks import RELIABLE, check_metadata, publish_until_received, read_with_mcap
from rclpy.node import Node
from ros_harness import make_executor, ros_context, spin_until, start_python, stop, teardown
from rosbags.rosbag2 import Reader
from rosgraph_msgs.msg import Clock

from nvhai_msgs.msg import BodyKeypointsArray, EmotionProbabilities
from nvhai_tools import bag_evaluation
from nvhai_tools.bag_cli import main as bag_main
from nvhai_tools.bag_repair import salvage
from nvhai_tools.bag_storage import BagError
from nvhai_tools.bag_types import typestore

BAG_CLI = ["-m", "nvhai_tools.bag_cli"]


def salvageable(bag) -> dict[str, int]:
    """Messages already on disk in a bag being written (0 while its file does not exist yet)."""
    counts: dict[str, int] = {}
    try:
        for topic, _, _ in salvage(bag):
            counts[topic.name] = counts.get(topic.name, 0) + 1
    except BagError:
        pass  # not created yet, or SQLite busy committing
    return counts


def record_in_process(tmp_path, storage: str, n: int = 60):
    """Start `nvhai-bag record` in its own process, publish n keypoint + n/3 emotion messages, wait until
    every one of them is on disk; returns (process, bag, messages sent)."""
    bag = tmp_path / f"run_{storage}"
    proc = start_python([*BAG_CLI, "record", "--out", str(bag), "--topics", "/body_keypoints", "/emotion",
                         "--storage", storage])
    with ros_context() as context:
        node = Node("bag_cli_test_publisher", context=context)
        pubs = {"/body_keypoints": node.create_publisher(BodyKeypointsArray, "/body_keypoints", RELIABLE),
                "/emotion": node.create_publisher(EmotionProbabilities, "/emotion", RELIABLE)}
        ex = make_executor(context, node)
        assert spin_until(ex, lambda: all(p.get_subscription_count() for p in pubs.values()), 60.0), stop(proc)
        sent = {"/body_keypoints": [], "/emotion": []}
        publish_until_received(ex, pubs, sent, lambda: salvageable(bag), n)
        teardown(ex, node)
    return proc, bag, sent


def assert_bag_holds(bag, sent) -> None:
    store = typestore()
    got: dict[str, list] = {}
    with Reader(bag) as reader:
        for conn, _, raw in reader.messages():
            got.setdefault(conn.topic, []).append(store.deserialize_cdr(raw, conn.msgtype))
    assert {t: len(v) for t, v in got.items()} == {t: len(v) for t, v in sent.items()}
    for a, b in zip(got["/body_keypoints"], sent["/body_keypoints"], strict=True):
        assert (a.header.stamp.sec, a.header.stamp.nanosec) == (b.header.stamp.sec, b.header.stamp.nanosec)
        assert list(a.people[0].x) == pytest.approx(list(b.people[0].x))


def test_record_ctrl_c_exits_0_with_counts(tmp_path):
    proc, bag, sent = record_in_process(tmp_path, "mcap", n=30)
    out = stop(proc, timeout_s=30)
    assert proc.returncode == 0, out
    assert "Traceback" not in out and "Exception" not in out, out
    assert json.loads(out.strip().splitlines()[-1]) == {t: len(v) for t, v in sent.items()}
    assert_bag_holds(bag, sent)


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_record_killed_with_sigkill_is_repaired_with_every_message(tmp_path, storage, capsys):
    proc, bag, sent = record_in_process(tmp_path, storage)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    proc.communicate()
    assert not (bag / "metadata.yaml").exists()
    # Reading it before the repair: one line that says what to do.
    assert bag_main(["evaluate", str(bag), "--out", str(tmp_path / "ev")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"nvhai-bag repair {bag}" in err and "metadata.yaml" in err
    assert bag_main(["repair", str(bag)]) == 0
    assert json.loads(capsys.readouterr().out) == {t: len(v) for t, v in sent.items()}
    assert_bag_holds(bag, sent)
    assert list(bag.glob("*.damaged")), "the damaged original is kept"
    if storage == "mcap":
        check_metadata(bag)
        assert {t: len(v) for t, v in read_with_mcap(bag).items()} == {t: len(v) for t, v in sent.items()}


@pytest.fixture
def two_topic_bag(keypoint_bag_factory):
    return keypoint_bag_factory("mcap")


def test_play_with_clock_delivers_every_message(two_topic_bag):
    bag, sent = two_topic_bag
    with ros_context() as context:
        node = Node("bag_play_test_listener", context=context)
        got: list[BodyKeypointsArray] = []
        clocks: list[int] = []
        node.create_subscription(BodyKeypointsArray, "/body_keypoints", got.append, RELIABLE)
        node.create_subscription(Clock, "/clock", lambda m: clocks.append(m.clock.sec * 10**9 + m.clock.nanosec), 100)
        ex = make_executor(context, node)
        proc = start_python([*BAG_CLI, "play", str(bag), "--clock", "--topics", "/body_keypoints"])
        assert spin_until(ex, lambda: proc.poll() is not None, 120.0), stop(proc)
        spin_until(ex, lambda: len(got) >= len(sent["/body_keypoints"]), 10.0)
        out = proc.communicate()[0]
        teardown(ex, node)
    assert proc.returncode == 0 and "Traceback" not in out, out
    n = len(sent["/body_keypoints"])
    assert f"published {n} messages" in out
    assert len(got) == n, f"received {len(got)} of {n}"
    assert [(m.header.stamp.sec, m.header.stamp.nanosec) for m in got] == [
        (m.header.stamp.sec, m.header.stamp.nanosec) for m in sent["/body_keypoints"]]
    with Reader(bag) as reader:
        log_times = [t for c, t, _ in reader.messages() if c.topic == "/body_keypoints"]
    assert clocks, "no /clock published"
    assert clocks == sorted(clocks), "bag time never runs backwards within one pass"
    assert log_times[0] <= clocks[0] and clocks[-1] == log_times[-1], "the clock follows the bag's own times"
    assert len(clocks) > n, "the clock also ticks between messages"


def test_play_loop_and_topics_then_ctrl_c(two_topic_bag):
    bag, sent = two_topic_bag
    with ros_context() as context:
        node = Node("bag_loop_test_listener", context=context)
        keypoints, emotions = [], []
        node.create_subscription(BodyKeypointsArray, "/body_keypoints", keypoints.append, RELIABLE)
        node.create_subscription(EmotionProbabilities, "/emotion", emotions.append, RELIABLE)
        ex = make_executor(context, node)
        proc = start_python([*BAG_CLI, "play", str(bag), "--loop", "--rate", "4", "--topics", "/body_keypoints"])
        n = len(sent["/body_keypoints"])
        assert spin_until(ex, lambda: len(keypoints) > n + 5, 120.0), stop(proc)
        out = stop(proc, timeout_s=30)
        teardown(ex, node)
    assert proc.returncode == 0 and "Traceback" not in out, out
    assert "published" in out
    assert not emotions, "--topics /body_keypoints plays nothing else"
    first = (keypoints[0].header.stamp.sec, keypoints[0].header.stamp.nanosec)
    assert (keypoints[n].header.stamp.sec, keypoints[n].header.stamp.nanosec) == first, "the second pass starts over"


def test_play_of_a_topic_the_bag_lacks_is_one_line(two_topic_bag):
    bag, _ = two_topic_bag
    proc = subprocess.run([sys.executable, *BAG_CLI, "play", str(bag), "--topics", "/nope", "--wait", "0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "/nope" in proc.stderr, proc.stderr


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_truncated_bag_is_one_line_then_repaired_to_its_intact_part(keypoint_bag_factory, storage, capsys):
    bag, sent = keypoint_bag_factory(storage)
    assert bag_main(["repair", str(bag)]) == 0 and "nothing to repair" in capsys.readouterr().err
    (data,) = [p for p in bag.iterdir() if p.suffix in (".mcap", ".db3")]
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    assert bag_main(["evaluate", str(bag), "--out", str(bag.parent / "ev")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert str(bag) in err and "nvhai-bag repair" in err
    if storage == "mcap":  # (half a SQLite file is no database: nothing to salvage, and repair says so)
        assert bag_main(["repair", str(bag)]) == 0
        store = typestore()
        with Reader(bag) as reader:
            got = [store.deserialize_cdr(raw, c.msgtype) for c, _, raw in reader.messages()
                   if c.topic == "/body_keypoints"]
        assert 0 < len(got) < len(sent["/body_keypoints"])
        assert [m.header.stamp.sec * 10**9 + m.header.stamp.nanosec for m in got] == [
            m.header.stamp.sec * 10**9 + m.header.stamp.nanosec for m in sent["/body_keypoints"][: len(got)]]
    else:
        assert bag_main(["repair", str(bag)]) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and str(data) in err, err


def test_evaluate_checks_model_and_label_before_reading_the_bag(keypoint_bag_factory, monkeypatch, capsys, tmp_path):
    bag, _ = keypoint_bag_factory("mcap")

    def must_not_run(*_args, **_kwargs):
        raise AssertionError("the bag was read (MediaPipe work) before the model and label were checked")

    monkeypatch.setattr(bag_evaluation, "read_frames", must_not_run)
    assert bag_main(["evaluate", str(bag), "--out", str(tmp_path / "a"), "--model", str(tmp_path / "missing.onnx")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "missing.onnx" in err, err
    assert bag_main(["evaluate", str(bag), "--out", str(tmp_path / "b"), "--label", "sad"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'sad'" in err and "enthusiastic" in err, err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
