"""`nvhai-bag`, `nvhai-echo` and `nvhai-demo` given bad input, as a user runs them (issue 23, items 4-6):
each case is one line naming the problem and a non-zero exit, or the right behaviour; never a
traceback or a hang. Every case runs the real command in its own process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from real_media import demo_video_frames
from rosbags.typesys import Stores, get_types_from_msg, get_typestore

from nvhai_tools.bag_storage import open_writer
from nvhai_tools.bag_types import typestore

BAG = [sys.executable, "-m", "nvhai_tools.bag_cli"]
ECHO = [sys.executable, "-m", "nvhai_tools.echo_cli"]
DEMO = [sys.executable, "-m", "nvhai_bringup.demo"]
VIDEO = Path(__file__).resolve().parents[2] / "nvhai_bringup" / "nvhai_bringup" / "media" / "sports2d_demo_640x360.mp4"


def run(argv: list[str], timeout_s: float = 300.0) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s)


def one_line_error(proc: subprocess.CompletedProcess, *names: str) -> str:
    """Non-zero exit, no traceback, and a last stderr line naming `names` (argparse adds a usage line before it)."""
    err = proc.stderr.strip()
    assert proc.returncode != 0, f"accepted: {proc.stdout[-500:]} {err[-500:]}"
    assert "Traceback" not in err, err[-3000:]
    last = err.splitlines()[-1]
    assert all(n in last for n in names), err[-3000:]
    return last


def write_bag(path: Path, topic: str, msgtype: str, messages: list, store=None) -> Path:
    store = store or typestore()
    writer = open_writer(path)
    try:
        conn = writer.add_connection(topic, msgtype, typestore=store)
        for i, msg in enumerate(messages):
            writer.write(conn, 1_000_000_000 + i * 33_333_333, store.serialize_cdr(msg, msgtype))
    finally:
        writer.close()
    return path


def header(store, i: int):
    t = store.types["builtin_interfaces/msg/Time"](sec=1 + (i * 33_333_333) // 1_000_000_000,
                                                    nanosec=(i * 33_333_333) % 1_000_000_000)
    return store.types["std_msgs/msg/Header"](stamp=t, frame_id="camera")


@pytest.fixture(scope="module")
def keypoint_bag(tmp_path_factory) -> Path:
    store = typestore()
    kp = store.types["nvhai_msgs/msg/BodyKeypointsArray"]
    return write_bag(tmp_path_factory.mktemp("kp") / "kp", "/body_keypoints", "nvhai_msgs/msg/BodyKeypointsArray",
                     [kp(header=header(store, i), image_width=640, image_height=360, people=[]) for i in range(5)])


@pytest.mark.parametrize("argv, names", [
    (["play", "BAG", "--rate", "nan"], ["--rate", "nan"]),
    (["play", "BAG", "--rate", "0"], ["--rate"]),
    (["play", "BAG", "--wait", "-1"], ["--wait"]),
    (["play", "BAG", "--clock", "inf"], ["--clock"]),
    (["record", "--out", "OUT", "--duration", "-1"], ["--duration"]),
    (["evaluate", "BAG", "--out", "OUT", "--max-people", "0"], ["--max-people"]),
    (["evaluate", "BAG", "--out", "OUT", "--ensemble", "-2"], ["--ensemble"]),
    (["evaluate", "BAG", "--out", "OUT", "--emotion-time-constant", "nan"], ["--emotion-time-constant"]),
])
def test_nvhai_bag_refuses_bad_numbers_before_doing_anything(tmp_path, keypoint_bag, argv, names):
    argv = [str(keypoint_bag) if a == "BAG" else str(tmp_path / "out") if a == "OUT" else a for a in argv]
    one_line_error(run([*BAG, *argv], 120.0), *names)
    assert not (tmp_path / "out").exists(), "nothing written"


@pytest.mark.parametrize("argv, names", [
    ([*ECHO, "/emotion", "--wait", "nan"], ["--wait"]),
    ([*ECHO, "/emotion", "--truncate-length", "-1"], ["--truncate-length"]),
    ([*DEMO, "--serve", "--port", "70000"], ["--port", "65535"]),
    ([*DEMO, "--max-people", "0"], ["--max-people"]),
])
def test_echo_and_demo_refuse_bad_numbers(argv, names):
    one_line_error(run(argv, 120.0), *names)


def test_evaluate_names_an_image_topic_of_another_type(tmp_path):
    store = typestore()
    string = store.types["std_msgs/msg/String"]
    bag = write_bag(tmp_path / "strings", "/image_raw", "std_msgs/msg/String", [string(data="x")] * 3)
    one_line_error(run([*BAG, "evaluate", str(bag), "--out", str(tmp_path / "e")]),
                   "--image-topic /image_raw", "std_msgs/msg/String")


def test_evaluate_runs_on_compressed_images(tmp_path):
    """A camera recorded as sensor_msgs/CompressedImage is evaluated like raw images (decoded as perception does)."""
    store = typestore()
    compressed = store.types["sensor_msgs/msg/CompressedImage"]
    frames = demo_video_frames(80, 90)
    msgs = [compressed(header=header(store, i), format="jpeg",
                       data=np.frombuffer(cv2.imencode(".jpg", cv2.cvtColor(f, cv2.COLOR_RGB2BGR))[1].tobytes(), np.uint8))
            for i, f in enumerate(frames)]
    bag = write_bag(tmp_path / "jpegs", "/image_raw", "sensor_msgs/msg/CompressedImage", msgs)
    proc = run([*BAG, "evaluate", str(bag), "--out", str(tmp_path / "e")])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '"frames": 10' in proc.stdout and '"source": "/image_raw"' in proc.stdout


def test_play_names_a_message_type_that_is_not_installed(tmp_path):
    store = get_typestore(Stores.ROS2_JAZZY)
    store.register(get_types_from_msg("int32 x", "nvhai_not_installed_pkg/msg/Thing"))
    thing = store.types["nvhai_not_installed_pkg/msg/Thing"]
    bag = write_bag(tmp_path / "foreign", "/thing", "nvhai_not_installed_pkg/msg/Thing", [thing(x=1)] * 3, store)
    one_line_error(run([*BAG, "play", str(bag), "--wait", "0"]), "/thing", "nvhai_not_installed_pkg/msg/Thing",
                   "--topics")


def test_an_oversized_metadata_yaml_is_refused_at_once(tmp_path, keypoint_bag):
    bag = tmp_path / "huge"
    bag.mkdir()
    for f in keypoint_bag.iterdir():
        (bag / f.name).write_bytes(f.read_bytes())
    with (bag / "metadata.yaml").open("a") as f:
        f.write(("# " + "x" * 1000 + "\n") * 40_000)  # 40 MB: took 119 s to be refused
    one_line_error(run([*BAG, "play", str(bag), "--wait", "0"], 60.0), "metadata.yaml", "MB")


def interrupted(argv: list[str], started) -> subprocess.CompletedProcess:
    """Start `argv`, send Ctrl-C (SIGINT) once `started(stderr so far)` is true, return what it printed."""
    # A child inherits an ignored SIGINT (as from a test worker that ignores it), and Python then rightly
    # leaves it ignored: give the command the terminal's default, as a user's shell does.
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(iter(lambda: proc.stderr.read(1), "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + 300
    while not started("".join(err)) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, f"finished before it could be interrupted: {''.join(err)[-2000:]}"
    proc.send_signal(signal.SIGINT)
    out = proc.stdout.read()
    proc.wait(120)
    reader.join(30)
    return subprocess.CompletedProcess(argv, proc.returncode, out, "".join(err))


def test_ctrl_c_on_evaluate_and_from_video_is_one_line_and_exit_130(tmp_path):
    clip = tmp_path / "clip"
    proc = interrupted([*BAG, "from-video", str(VIDEO), "--out", str(clip)],
                       lambda _: any(f.stat().st_size > 0 for f in clip.glob("*.mcap")))  # early: the rest is fast I/O
    assert proc.returncode == 130, proc.stderr[-3000:]
    assert one_line_error(proc, "nvhai-bag from-video", "interrupted")
    small = tmp_path / "small"
    assert run([*BAG, "from-video", str(VIDEO), "--out", str(small), "--max-side", "320"]).returncode == 0
    proc = interrupted([*BAG, "evaluate", str(small), "--out", str(tmp_path / "e")], lambda err: "bag:" in err)
    assert proc.returncode == 130, proc.stderr[-3000:]
    ours = [line for line in proc.stderr.splitlines() if line.startswith("nvhai-bag")]  # MediaPipe logs on exit
    assert ours == ["nvhai-bag evaluate: interrupted"] and "Traceback" not in proc.stderr, proc.stderr[-3000:]


def test_play_names_the_messages_a_damaged_mcap_chunk_held_and_repair_rewrites_the_rest(tmp_path):
    """4 KB zeroed in the middle of an MCAP file: play refuses before publishing, naming the chunk's lost
    messages (its CRC), instead of playing garbage without a word; repair keeps every intact message."""
    from nvhai_tools.bag_storage import flush

    store = typestore()
    string = store.types["std_msgs/msg/String"]
    bag = tmp_path / "zeroed"
    writer = open_writer(bag)
    conn = writer.add_connection("/chatter", "std_msgs/msg/String", typestore=store)
    for i in range(400):
        writer.write(conn, 1_000_000_000 + i * 10_000_000, store.serialize_cdr(string(data=f"{i:04d}" * 50),
                                                                                 "std_msgs/msg/String"))
        if i % 40 == 39:
            flush(writer)  # a chunk per 40 messages, as the recorder closes one every 0.25 s
    writer.close()
    (mcap,) = bag.glob("*.mcap")
    data = bytearray(mcap.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 4096] = bytes(4096)
    mcap.write_bytes(bytes(data))

    last = one_line_error(run([*BAG, "play", str(bag), "--wait", "0"]), "fails its CRC", "on /chatter", "repair")
    assert "published" not in last
    repaired = run([*BAG, "repair", str(bag)])
    assert repaired.returncode == 0 and "fails its CRC" in repaired.stderr, repaired.stderr[-2000:]
    kept = json.loads(repaired.stdout)["/chatter"]
    assert 400 - 2 * 40 <= kept < 400, f"{kept} of 400 messages kept"
    played = run([*BAG, "play", str(bag), "--wait", "0"])
    assert played.returncode == 0 and f"published {kept} messages" in played.stdout, played.stderr[-2000:]
