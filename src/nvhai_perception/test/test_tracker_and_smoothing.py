import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nvhai_common.person import PersonKeypoints
from nvhai_perception.one_euro import OneEuroFilter
from nvhai_perception.tracker import PersonTracker, box_iou

rng = np.random.default_rng(1)
BASE = rng.random((17, 2)) * [60, 150]


def person(dx: float, dy: float = 0.0) -> PersonKeypoints:
    return PersonKeypoints(xy=(BASE + [dx, dy]).astype(np.float32), confidence=np.ones(17, np.float32), score=1.0)


def test_ids_persist_while_people_move_and_are_never_reused():
    tracker = PersonTracker(max_missed=2)
    ids = [[p.person_id for p in tracker.update([person(100 + 3 * t), person(400 - 3 * t)])] for t in range(10)]
    assert all(frame == ids[0] for frame in ids) and len(set(ids[0])) == 2
    # Order of detections must not matter.
    swapped = tracker.update([person(400 - 30), person(100 + 30)])
    assert [p.person_id for p in swapped] == ids[0][::-1]
    for _ in range(3):  # the left person leaves for longer than max_missed
        tracker.update([person(400 - 33)])
    back = tracker.update([person(133), person(367)])
    assert back[1].person_id == ids[0][1]
    assert back[0].person_id not in ids[0], "a person who left and came back gets a new id"


def test_short_dropout_keeps_the_id():
    tracker = PersonTracker(max_missed=5)
    first = tracker.update([person(100)])[0].person_id
    for _ in range(3):
        tracker.update([])
    assert tracker.update([person(104)])[0].person_id == first


def test_box_iou():
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert box_iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0
    assert abs(box_iou((0, 0, 10, 10), (5, 0, 15, 10)) - 1 / 3) < 1e-9


def test_one_euro_reduces_jitter_on_a_still_point_and_follows_motion():
    f = OneEuroFilter(min_cutoff=1.0, beta=0.05)
    noisy = 100 + rng.normal(0, 2.0, (90, 17, 2))
    out = np.stack([f(x, t / 30) for t, x in enumerate(noisy)])
    assert out[30:].std() < 0.5 * noisy[30:].std()
    f.reset()
    ramp = [f(np.full((17, 2), 10.0 * t), t / 30) for t in range(60)]
    assert abs(ramp[-1][0, 0] - 590) < 30, "a moving joint is followed with little lag"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40))
def test_one_euro_output_stays_within_input_range(values):
    f = OneEuroFilter()
    outs = [float(f(np.array([v]), (i + 1) / 30)[0]) for i, v in enumerate(values)]
    assert min(values) - 1e-6 <= min(outs) and max(outs) <= max(values) + 1e-6
