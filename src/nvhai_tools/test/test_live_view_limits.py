"""The live view under bad input (issue 23, items 1, 2, 4): bounded by message time after bad stamps and
looped bags, bounded by the people present, never a bare NaN in its JSON, and a port out of range refused
in one line. The real aiohttp server (and, for NaN, the real node in a ROS graph) serves each case."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.request

import aiohttp
import numpy as np
import pytest
from builtin_interfaces.msg import Duration
from rclpy.node import Node
from rclpy.parameter import Parameter
from ros_harness import make_executor, ros_context, spin_until, teardown
from std_msgs.msg import Header

from nvhai_common.ros_conversions import sec_to_stamp
from nvhai_msgs.msg import BodyKeypoints, BodyKeypointsArray, EmotionProbabilities, MotionForecast
from nvhai_tools.live_view_state import LiveViewState
from nvhai_tools.web_node import WebNode
from nvhai_tools.web_server import LiveViewServer

LABELS = ["enthusiastic", "laughing", "happy to see you"]
RATE = 30.0
WINDOW_ENTRIES = int(20.0 * RATE) + 1  # a 20 s timeline at 30 Hz


def strict_loads(text: str):
    """JSON.parse in the browser: NaN / Infinity are syntax errors."""
    def refuse(name: str):
        raise AssertionError(f"bare {name} in the JSON")
    return json.loads(text, parse_constant=refuse)


def fetch(url: str) -> tuple[dict, int]:
    body = urllib.request.urlopen(url + "state.json", timeout=30).read().decode()
    return strict_loads(body), len(body)


@pytest.fixture
def served():
    state = LiveViewState(timeline_s=20.0)  # forget_after_s: 2 s, the predictor's default
    server = LiveViewServer(state, port=0)
    url = server.start(60.0)
    yield state, url
    server.stop()


def stamps(case: str) -> list[float]:
    if case == "far_future_stamp":  # one bad stamp, then 10 min at 30 Hz
        return [1e9] + [1000.0 + k / RATE for k in range(int(600 * RATE))]
    return [1000.0 + (k % int(15 * RATE)) / RATE for k in range(int(10 * 15 * RATE))]  # a 15 s bag, --loop, 10 times


@pytest.mark.parametrize("case", ["far_future_stamp", "looped_bag"])
def test_timeline_holds_at_most_its_window_after_bad_stamps_and_loops(served, case):
    state, url = served
    for t in stamps(case):
        state.add_emotion(t, 1, LABELS, [0.2, 0.5, 0.3])
    snap, size = fetch(url)  # what a new viewer is sent
    times = [e["stamp"] for e in snap["emotions"]]
    assert len(times) <= WINDOW_ENTRIES, f"{len(times)} timeline entries ({size} bytes) for a 20 s window"
    assert max(times) - min(times) <= 20.0 and max(times) == pytest.approx(stamps(case)[-1])


def test_snapshot_size_is_bounded_by_the_people_present_not_the_people_ever_seen(served):
    state, url = served
    xy = np.full((17, 2), 50.0)
    future = np.full((30, 17, 2), 60.0)
    for k in range(20_000):  # a new id every frame, e.g. a tracker that never re-identifies
        t = 1000.0 + k / RATE
        state.set_people(t, 640, 480, [(k, xy, np.ones(17))])
        state.set_forecast(t, k, future, 1 / RATE)
        state.add_emotion(t, k, LABELS, [0.2, 0.5, 0.3])
    snap, size = fetch(url)
    present = int(2.0 * RATE) + 1  # ids seen within forget_after_s
    assert len(snap["latest_emotion"]) <= present, f"{len(snap['latest_emotion'])} ids remembered"
    assert [p["id"] for p in snap["people"]] == [19_999]
    assert size < 150_000, f"a new viewer's snapshot is {size} bytes"

    async def one_update() -> int:  # a viewer that has seen everything gets only what is new
        async with aiohttp.ClientSession() as session, session.ws_connect(url + "ws") as ws:
            strict_loads((await ws.receive(timeout=30)).data)
            state.add_emotion(1000.0 + 20_000 / RATE, 19_999, LABELS, [0.1, 0.8, 0.1])
            return len((await ws.receive(timeout=30)).data)

    update = asyncio.run(one_update())
    assert update < 20_000, f"each update is {update} bytes"


def test_nan_from_any_publisher_never_reaches_the_page_as_bare_nan():
    """NaN emotion probabilities, keypoints, forecast and stamps published into a real graph: /state.json and
    the WebSocket stay strict JSON, the NaN emotion is ignored, and the next good emotion is shown."""
    nan = float("nan")
    with ros_context() as context:
        web = WebNode(context=context, parameter_overrides=[Parameter("port", value=0)])
        io = Node("web_nan_io", context=context)
        em = io.create_publisher(EmotionProbabilities, "/emotion", 10)
        kp = io.create_publisher(BodyKeypointsArray, "/body_keypoints", 10)
        fc = io.create_publisher(MotionForecast, "/future_poses", 10)
        ex = make_executor(context, web, io)
        assert spin_until(ex, lambda: all(p.get_subscription_count() for p in (em, kp, fc)), 60.0)
        header = Header(stamp=sec_to_stamp(50.0), frame_id="camera")
        xy = np.full(17, nan, np.float32)
        kp.publish(BodyKeypointsArray(header=header, image_width=64, image_height=48, people=[BodyKeypoints(
            header=header, person_id=4, image_width=64, image_height=48, x=xy, y=xy, confidence=xy, score=nan)]))
        fc.publish(MotionForecast(header=header, person_id=4, frame_period=Duration(nanosec=33_333_333), num_frames=30,
                                  num_keypoints=17, image_width=64, image_height=48, x=np.full(510, nan, np.float32),
                                  y=np.full(510, nan, np.float32)))
        em.publish(EmotionProbabilities(header=header, person_id=4, labels=LABELS, probabilities=[nan, 0.5, 0.5],
                                        label="laughing", confidence=nan))
        em.publish(EmotionProbabilities(header=header, person_id=5, labels=LABELS, probabilities=[0.1, 0.7, 0.2],
                                        label="laughing", confidence=0.7))  # after the NaN one, in order (reliable)

        def seen() -> bool:
            counts = fetch(web.url)[0]["counts"]
            return counts["keypoints"] > 0 and counts["forecasts"] > 0 and counts["emotions"] > 0

        assert spin_until(ex, seen, 60.0)
        snap, _ = fetch(web.url)
        assert set(snap["latest_emotion"]) == {"5"}, "the NaN emotion is ignored, the next one shown"
        assert snap["people"][0]["xy"][0] == [None, None], "NaN keypoints arrive as null"

        async def over_websocket() -> dict:
            async with aiohttp.ClientSession() as session, session.ws_connect(web.url + "ws") as ws:
                return strict_loads((await ws.receive(timeout=30)).data)

        assert asyncio.run(over_websocket())["latest_emotion"]["5"]["label"] == "laughing"
        teardown(ex, web, io)


@pytest.mark.parametrize("param, names", [
    ("port:=70000", ["70000", "65535"]),
    ("port:=-1", ["-1", "65535"]),
    ("timeline_s:=.nan", ["timeline_s", "finite"]),
    ("forget_after_s:=-2.0", ["forget_after_s"]),
    ("max_rate_hz:=0.0", ["max_rate_hz"]),
    ("jpeg_quality:=500", ["jpeg_quality"]),
])
def test_nvhai_web_refuses_bad_parameters_in_one_line(param, names):
    proc = subprocess.run([sys.executable, "-m", "nvhai_tools.web_node", "--ros-args", "-p", param],
                          capture_output=True, text=True, timeout=120)
    err = proc.stderr.strip()
    assert proc.returncode != 0
    assert "Traceback" not in err and "did not start" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("nvhai-web:")]
    assert len(lines) == 1 and all(n in lines[0] for n in names), err
