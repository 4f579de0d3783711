"""`nvhai-bag evaluate` as a user meets it (issue 34, items 8, 9, 10), each in its own process: a bag whose
/body_keypoints holds another payload under the right type name is one line naming the bag and the topic, not a
SerdeError traceback; a bag shorter than the predictor's window says so (stderr and `warning` in the JSON)
instead of silently writing null figures; an earlier evaluation is not written over without --force."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from waving import waving

from nvhai_tools.bag_storage import open_writer
from nvhai_tools.bag_types import typestore

BAG = [sys.executable, "-m", "nvhai_tools.bag_cli"]
KEYPOINTS = "nvhai_msgs/msg/BodyKeypointsArray"

def run(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([*BAG, *argv], capture_output=True, text=True, timeout=300)


def keypoint_messages(seconds: float) -> list[tuple[int, bytes]]:
    """(log time ns, CDR) of one person waving in front of a 640x480 camera at 30 FPS."""
    store = typestore()
    t = store.types
    out = []
    for i in range(round(seconds * 30)):
        ns = 1_000_000_000 + i * 33_333_333
        header = t["std_msgs/msg/Header"](stamp=t["builtin_interfaces/msg/Time"](sec=ns // 10**9, nanosec=ns % 10**9),
                                          frame_id="camera")
        xy = waving(i).astype(np.float32)
        person = t["nvhai_msgs/msg/BodyKeypoints"](header=header, person_id=1, image_width=640, image_height=480,
                                                    x=np.ascontiguousarray(xy[:, 0]), y=np.ascontiguousarray(xy[:, 1]),
                                                    confidence=np.ones(17, np.float32),
                                                    score=np.float32(1.0))
        msg = t[KEYPOINTS](header=header, image_width=640, image_height=480, people=[person])
        out.append((ns, store.serialize_cdr(msg, KEYPOINTS)))
    return out


def write(path: Path, messages: list[tuple[int, bytes]]) -> Path:
    writer = open_writer(path)
    try:
        conn = writer.add_connection("/body_keypoints", KEYPOINTS, typestore=typestore())
        for ns, raw in messages:
            writer.write(conn, ns, raw)
    finally:
        writer.close()
    return path


def test_another_payload_under_the_keypoints_type_is_one_line(tmp_path):
    store = typestore()
    string = store.serialize_cdr(store.types["std_msgs/msg/String"](data="point cloud " * 40), "std_msgs/msg/String")
    bag = write(tmp_path / "other_payload", [(1_000_000_000 + i * 33_333_333, string) for i in range(10)])
    proc = run(["evaluate", str(bag), "--out", str(tmp_path / "e")])
    err = proc.stderr.strip()
    assert proc.returncode == 1 and "Traceback" not in err, err[-3000:]
    last = err.splitlines()[-1]
    assert last.startswith("nvhai-bag evaluate:") and str(bag) in last and "/body_keypoints" in last, err[-3000:]
    assert KEYPOINTS in last
    assert not (tmp_path / "e").exists()


def test_a_bag_shorter_than_a_window_says_so(tmp_path):
    bag = write(tmp_path / "short", keypoint_messages(2.0))
    proc = run(["evaluate", str(bag), "--out", str(tmp_path / "e")])
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "e" / "evaluation.json").read_text())
    assert result["scored_forecasts"] == 0 and result["model_metrics"]["mae"] is None
    assert "shorter than" in result["warning"] and "3.0 s" in result["warning"], result["warning"]
    assert any("shorter than" in line for line in proc.stderr.splitlines()), proc.stderr[-2000:]


@pytest.fixture(scope="module")
def long_bag(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("long") / "long", keypoint_messages(5.0))


def test_a_bag_long_enough_has_no_warning(tmp_path, long_bag):
    assert run(["evaluate", str(long_bag), "--out", str(tmp_path / "e")]).returncode == 0
    result = json.loads((tmp_path / "e" / "evaluation.json").read_text())
    assert result["scored_forecasts"] > 0 and result["warning"] is None


@pytest.mark.parametrize("earlier", ["evaluation.json", "evaluation.png"])
def test_an_earlier_evaluation_is_kept_without_force(tmp_path, long_bag, earlier):
    out = tmp_path / "e"
    out.mkdir()
    (out / earlier).write_text("an earlier evaluation")
    proc = run(["evaluate", str(long_bag), "--out", str(out)])
    err = proc.stderr.strip()
    assert proc.returncode == 1 and len(err.splitlines()) == 1, err[-3000:]
    assert str(out / earlier) in err and "exists already" in err and "--force" in err
    assert (out / earlier).read_text() == "an earlier evaluation"
    assert run(["evaluate", str(long_bag), "--out", str(out), "--force"]).returncode == 0
    assert json.loads((out / "evaluation.json").read_text())["scored_forecasts"] > 0
