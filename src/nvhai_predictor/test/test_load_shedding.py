"""Load shedding (issue 34, item 5): a crowd costs a bounded time per frame. The core's policy (the nearest half of
the slots every frame, the rest in turn, so everyone is served), the Forecaster's hook, and the real predictor
process under 55 people: at most max_people_per_step forecasts a frame, the nearest every frame, everyone
eventually, served and thinned counted on /diagnostics, and the crowd's memory given back once it is forgotten."""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node
from ros_harness import keypoints_msg, make_executor, ros_context, spin_until, start_python, stop, teardown
from std_msgs.msg import Header
from waving import BODY, waving

from nvhai_common.ros_conversions import sec_to_stamp, stamp_to_sec
from nvhai_msgs.msg import BodyKeypointsArray, MotionForecast
from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, Observation
from nvhai_predictor.load_shedding import LoadShedder, person_size
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.node import DIAGNOSTIC_NAME

CROWD = 55


def scale(pid: int) -> float:
    """Person `pid`'s size: 0 and 1 are the nearest (largest), then smaller and smaller."""
    return 1.0 if pid < 2 else 0.8 - 0.6 * pid / CROWD


def pose(pid: int, i: int) -> np.ndarray:
    xy = waving(i, scale(pid), 80 + (pid * 97) % 480, phase=pid)
    xy[:, 1] = xy[:, 1] * 0.8 + 40
    return xy


def test_person_size_is_the_box_of_confident_keypoints():
    conf = np.ones(17)
    assert person_size(pose(0, 0), conf) > person_size(pose(30, 0), conf) > 0
    conf[2:] = 0.0
    assert person_size(BODY, conf) == 10.0  # keypoints 0 and 1 only
    conf[1] = 0.0
    assert person_size(BODY, conf) == 0.0


def waiting(pids) -> dict[int, SimpleNamespace]:
    """Each person's load-shedding wait, as their PersonState keeps it."""
    return {pid: SimpleNamespace(waited=0) for pid in pids}


def test_under_the_limit_everyone_is_served():
    shedder = LoadShedder(8)
    assert shedder.choose({1: 5.0, 2: 50.0}, waiting([1, 2])) == ([1, 2], []), "in the frame's order"
    assert LoadShedder(0).choose({k: float(k) for k in range(100)}, waiting(range(100)))[1] == []


def test_a_crowd_gets_the_nearest_every_frame_and_everyone_in_turn():
    shedder = LoadShedder(8)
    sizes = {pid: 100.0 - pid for pid in range(CROWD)}  # 0 the largest
    served_at: dict[int, list[int]] = {pid: [] for pid in sizes}
    people = waiting(sizes)
    for frame in range(60):
        served, thinned = shedder.choose(sizes, people)
        assert len(served) == 8 and sorted(served + thinned) == sorted(sizes)
        assert served[:4] == [0, 1, 2, 3], "the four nearest, every frame"
        for pid in served:
            served_at[pid].append(frame)
    waits = [np.diff(frames).max() for pid, frames in served_at.items() if pid >= 4]
    assert all(served_at.values()) and max(waits) <= -(-(CROWD - 4) // 4), "the others in turn, none left out"
    assert all(people[pid].waited == 0 for pid in served) and all(people[pid].waited > 0 for pid in thinned)


def test_the_forecaster_forecasts_at_most_max_people_per_step():
    f = Forecaster(ModelRunner(default_model_path()), ForecasterConfig(max_people_per_step=8))
    ones = np.ones(17)
    for i in range(70):
        r = f.step(100 + i / 30, [Observation(pid, pose(pid, i), ones) for pid in range(CROWD)], 640, 480)
    assert len(r.forecasts) == 8 and len(r.thinned) == CROWD - 8
    assert {0, 1} <= {fc.person_id for fc in r.forecasts}
    waited = {pid: person.waited for pid, person in f.people.items()}
    assert all(waited[fc.person_id] == 0 for fc in r.forecasts) and all(waited[pid] > 0 for pid in r.thinned), \
        "each person's wait is kept in their own state"
    r = f.step(100 + 70 / 30, [Observation(0, pose(0, 70), ones)], 640, 480)
    assert [fc.person_id for fc in r.forecasts] == [0] and not r.thinned


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))


def test_the_node_serves_a_crowd_of_55_a_bounded_number_at_a_time():
    proc = start_python(["-m", "nvhai_predictor.node", "--ros-args", "-r", "__node:=nvhai_predictor_crowd",
                         "-p", "diagnostics_period_s:=0.5"])
    try:
        with ros_context() as context:
            io = Node("crowd_io", context=context)
            pub = io.create_publisher(BodyKeypointsArray, "/body_keypoints", 1000)
            forecasts: dict[int, list[int]] = {}  # frame (stamp x 30) -> people forecast
            values: list[dict[str, str]] = []
            io.create_subscription(MotionForecast, "/future_poses", lambda m: forecasts.setdefault(
                round(30 * stamp_to_sec(m.header.stamp)), []).append(m.person_id), 1000)
            io.create_subscription(DiagnosticArray, "/diagnostics", lambda m: values.extend(
                {kv.key: kv.value for kv in s.values} for s in m.status if s.name == DIAGNOSTIC_NAME), 100)
            ex = make_executor(context, io)
            assert spin_until(ex, lambda: pub.get_subscription_count() > 0, 60.0), "the predictor did not start"

            def play(t0: float, frames: int, ids: list[int]) -> list[int]:
                stamps, start = [], time.monotonic()
                for i in range(frames):
                    stamps.append(round(30 * t0) + i)
                    pub.publish(keypoints_msg(Header(stamp=sec_to_stamp(stamps[-1] / 30)), {p: pose(p, i) for p in ids}))
                    spin_until(ex, lambda i=i: time.monotonic() - start >= (i + 1) / 30, 1.0)
                return stamps

            play(10.0, 30, [CROWD])
            before = rss_mb(proc.pid)
            stamps = play(20.0, 150, list(range(CROWD)))

            def settled() -> bool:  # every frame the node took is answered: no new forecast for 3 s
                count = sum(map(len, forecasts.values()))
                spin_until(ex, lambda: sum(map(len, forecasts.values())) > count, 3.0)
                return sum(map(len, forecasts.values())) == count

            assert spin_until(ex, lambda: settled() and any(int(v.get("thinned", 0)) > 0 for v in values), 60.0)
            crowd = rss_mb(proc.pid)
            # Frames the node answered (a loaded machine may drop some before the node takes them)
            answered = [forecasts[t] for t in stamps[60:] if t in forecasts]
            assert len(answered) >= 30 and max(map(len, answered)) <= 8, "at most max_people_per_step (8) a frame"
            nearest = [people for people in answered if {0, 1} <= set(people)]
            assert len(nearest) >= 0.9 * len(answered), "the nearest people are forecast (nearly) every frame"
            assert set().union(*answered) == set(range(CROWD)), "everyone is forecast, in turn"
            assert any(int(v["served"]) > 0 and int(v["thinned"]) > 0 for v in values if "thinned" in v)

            n = len(values)
            play(30.0, 120, [CROWD + 1])  # the crowd leaves: forgotten after forget_after_s, its memory given back
            assert spin_until(ex, lambda: len(values) > n + 2, 30.0)
            after = rss_mb(proc.pid)
            teardown(ex, io)
    finally:
        out = stop(proc, timeout_s=20)
    assert "Traceback" not in out, out[-3000:]
    if crowd - before > 8:  # the crowd's state (windows, ~30 pending forecasts each) is given back
        assert after - before < 0.5 * (crowd - before), (before, crowd, after)
