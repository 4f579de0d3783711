"""The live web view's ROS-free core: state aggregation, snapshots (JSON + JPEG) and the aiohttp server."""

from __future__ import annotations

import asyncio
import base64
import json
import socket

import aiohttp
import cv2
import numpy as np
import pytest

from nvhai_common.coco17 import SKELETON
from nvhai_tools.live_view_state import Cursor, LiveViewState
from nvhai_tools.web_server import LiveViewServer

LABELS = ["enthusiastic", "laughing", "happy to see you"]


def gradient(h: int = 120, w: int = 160) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // w, y * 255 // h, np.full_like(x, 90)], axis=-1).astype(np.uint8)


def person(offset: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    xy = np.stack([np.linspace(40, 120, 17) + offset, np.linspace(10, 110, 17)], axis=1)
    return xy, np.linspace(0.2, 1.0, 17)


def decode(frame: dict) -> np.ndarray:
    buf = np.frombuffer(base64.b64decode(frame["jpeg"]), np.uint8)
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def test_snapshot_sends_each_frame_once_as_a_jpeg_of_the_image():
    state, cursor = LiveViewState(), Cursor()
    rgb = gradient()
    state.set_image(10.0, rgb)
    first = state.snapshot(cursor)
    img = decode(first["frame"])
    assert img.shape == rgb.shape
    assert np.abs(img.astype(int) - rgb).mean() < 4, "JPEG of the same picture"
    assert first["image_size"] == [160, 120]
    assert state.snapshot(cursor)["frame"] is None, "an unchanged frame is not sent again"
    state.set_image(10.033, rgb[::-1].copy())
    again = state.snapshot(cursor)["frame"]
    assert again["seq"] == first["frame"]["seq"] + 1 and again["stamp"] == pytest.approx(10.033)
    assert state.snapshot(Cursor())["frame"]["seq"] == again["seq"], "a new viewer gets the newest frame"


def test_people_carry_their_forecast_at_one_third_and_one_second():
    state = LiveViewState()
    xy, conf = person()
    future = np.arange(30)[:, None, None] + np.zeros((30, 17, 2))  # frame k holds the value k
    state.set_people(5.0, 640, 360, [(7, xy, conf), (9, xy + 50, conf)])
    state.set_forecast(5.0, 7, future, 1 / 30)
    snap = state.snapshot(Cursor())
    assert snap["image_size"] == [640, 360]
    by_id = {p["id"]: p for p in snap["people"]}
    assert set(by_id) == {7, 9}
    np.testing.assert_allclose(by_id[7]["xy"], np.round(xy, 1))
    horizons = by_id[7]["forecast"]
    assert set(horizons) == {"0.33", "1.00"}
    assert np.all(np.asarray(horizons["0.33"]) == 9) and np.all(np.asarray(horizons["1.00"]) == 29)
    assert by_id[9]["forecast"] is None, "no forecast for that person yet"
    assert snap["layout"]["skeleton"] == [list(e) for e in SKELETON], "the page draws the one COCO-17 skeleton"
    json.dumps(snap)  # the web server sends it as JSON

    state.set_people(6.0, 640, 360, [(7, xy, conf)])  # the forecast is now a second old
    assert state.snapshot(Cursor())["people"][0]["forecast"] is None


def test_emotion_timeline_sends_only_new_entries_and_forgets_old_ones():
    state, cursor = LiveViewState(timeline_s=2.0), Cursor()
    for k in range(5):
        state.add_emotion(100 + k * 0.1, 3, LABELS, [0.2 + 0.1 * k, 0.5 - 0.1 * k, 0.3])
    first = state.snapshot(cursor)
    assert [e["stamp"] for e in first["emotions"]] == pytest.approx([100, 100.1, 100.2, 100.3, 100.4])
    assert first["labels"] == LABELS
    assert first["latest_emotion"]["3"]["label"] == "enthusiastic"
    assert state.snapshot(cursor)["emotions"] == []
    state.add_emotion(100.5, 4, LABELS, [0.1, 0.8, 0.1])
    (new,) = state.snapshot(cursor)["emotions"]
    assert new["person_id"] == 4 and new["label"] == "laughing"
    state.add_emotion(103.0, 4, LABELS, [0.1, 0.1, 0.8])
    stamps = [e["stamp"] for e in state.snapshot(Cursor())["emotions"]]
    assert stamps == [103.0], "entries older than timeline_s are dropped"
    state.add_emotion(103.1, 4, LABELS[:2], [1.0, 0.0, 0.0])  # malformed: ignored
    assert state.snapshot(cursor)["counts"]["emotions"] == 7


def test_response_and_diagnostics_pass_through():
    state = LiveViewState()
    state.set_response({"person_id": 2, "gesture": "wave_back", "attended_person_id": 2, "pose_x": [0.0] * 17})
    state.set_diagnostics([{"name": "nvhai_perception", "level": 1, "message": "slow", "values": {"fps": "12.0"}},
                           {"name": "nvhai_avatar", "level": 0, "message": "ok", "values": {}}])
    snap = state.snapshot(Cursor())
    assert snap["response"]["attended_person_id"] == 2 and snap["response"]["gesture"] == "wave_back"
    assert [(d["name"], d["level"]) for d in snap["diagnostics"]] == [("nvhai_avatar", "OK"), ("nvhai_perception", "WARN")]
    assert snap["diagnostics"][1]["values"] == {"fps": "12.0"}


@pytest.fixture
def server():
    state = LiveViewState()
    srv = LiveViewServer(state, "127.0.0.1", 0)
    srv.start()
    yield srv
    srv.stop()


def test_server_serves_the_page_its_script_and_a_websocket_stream(server):
    async def scenario():
        async with aiohttp.ClientSession() as session:
            async with session.get(server.url) as r:
                assert r.status == 200 and "/static/live_view.js" in await r.text()
            for name in ("live_view.js", "live_view.css"):
                async with session.get(server.url + "static/" + name) as r:
                    assert r.status == 200 and len(await r.text()) > 500
            async with session.ws_connect(server.url + "ws") as ws:
                server.state.set_image(1.0, gradient())
                seqs = []
                while len(seqs) < 3:
                    msg = await asyncio.wait_for(ws.receive_json(), 10)
                    if msg["frame"]:
                        seqs.append(msg["frame"]["seq"])
                        assert decode(msg["frame"]).shape == (120, 160, 3)
                        server.state.set_image(1.0 + len(seqs) / 30, gradient())  # the next camera frame
                assert seqs == sorted(set(seqs)), "each frame once, in order"
                server.state.add_emotion(1.1, 0, LABELS, [0.6, 0.3, 0.1])
                while True:
                    msg = await asyncio.wait_for(ws.receive_json(), 10)
                    if msg["emotions"]:
                        assert msg["emotions"][0]["probabilities"] == [0.6, 0.3, 0.1]
                        break
            async with session.get(server.url + "state.json") as r:
                assert (await r.json())["counts"]["images"] == 4

    asyncio.run(scenario())


def test_a_taken_port_is_a_one_line_error(server):
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    with socket.socket() as s:
        s.connect(("127.0.0.1", port))  # really listening
    with pytest.raises(OSError, match=rf"cannot serve on 127.0.0.1:{port}: .*--port"):
        LiveViewServer(LiveViewState(), "127.0.0.1", port).start()
