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
    tracker = PersonTracker(max_missed=2, min_hits=1)
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
    tracker = PersonTracker(max_missed=5, min_hits=1)
    first = tracker.update([person(100)])[0].person_id
    for _ in range(3):
        tracker.update([])
    assert tracker.update([person(104)])[0].person_id == first


def test_a_walker_keeps_the_id_through_a_gap_longer_than_their_own_width():
    """12 px/frame, unseen 14 frames: they reappear 180 px (three box widths) from where they were lost."""
    tracker = PersonTracker(max_missed=30)
    ids = [tracker.update([person(12 * k)], k / 30)[0].person_id for k in range(20)]
    assert ids[:2] == [-1, -1] and len(set(ids[2:])) == 1 and ids[2] >= 0, "confirmed on the third frame"
    for k in range(20, 34):
        tracker.update([], k / 30)
    assert tracker.update([person(12 * 34)], 34 / 30)[0].person_id == ids[-1]


def test_crossing_people_keep_their_ids_when_one_is_hidden_while_they_pass():
    tracker = PersonTracker(max_missed=30)
    ids: dict[str, set[int]] = {"right": set(), "left": set()}
    for k in range(50):  # meet at k = 25; the one walking left is hidden behind the other for k in 20..31
        a, b = person(100 + 6 * k), person(400 - 6 * k, 4.0)
        hidden = 20 <= k < 32
        tracker.update([a] if hidden else [a, b], k / 30)
        if k >= 3:
            ids["right"].add(a.person_id)
            if not hidden:
                ids["left"].add(b.person_id)
    assert len(ids["right"]) == 1 and len(ids["left"]) == 1 and ids["right"] != ids["left"]


def test_a_one_frame_false_detection_never_gets_an_id():
    tracker = PersonTracker()
    for k in range(5):
        people = [person(100)] + ([person(500, 100)] if k == 2 else [])
        tracker.update(people, k / 30)
    assert people[0].person_id == 0 and tracker.active_ids == [0]
    assert tracker.update([person(100), person(500, 100)], 5 / 30)[1].person_id == -1, "a new tentative track"


def test_a_partial_detection_keeps_the_id_without_moving_the_track():
    """The lower half of a person for one frame (a box half the size) must not send the track off."""
    tracker = PersonTracker(min_hits=1)
    for k in range(10):
        tracker.update([person(4 * k)], k / 30)
    half = person(40, 0.0)
    half.xy = half.xy.copy()
    half.xy[:, 1] = 75 + half.xy[:, 1] / 2  # squeezed into the lower half of the body
    assert tracker.update([half], 10 / 30)[0].person_id == 0
    assert tracker.update([person(44)], 11 / 30)[0].person_id == 0


def test_a_person_lost_in_a_jump_keeps_the_id_where_they_land_and_a_stranger_gets_a_new_one():
    """The bundled clip's jumper: lost mid-flip, found crouched (half the size) a body length below and to the
    side half a second later. Someone found three body diagonals away is someone else."""
    tracker = PersonTracker(max_missed=30, min_hits=3)
    for t in range(5):
        (jumper,) = tracker.update([person(100.0)], t / 30)
    assert jumper.person_id >= 0
    for t in range(5, 20):
        tracker.update([], t / 30)
    crouched = PersonKeypoints(xy=(BASE * 0.5 + [250.0, 200.0]).astype(np.float32), confidence=np.ones(17, np.float32),
                               score=1.0)
    assert tracker.update([crouched], 20 / 30)[0].person_id == jumper.person_id
    diagonal = float(np.hypot(*np.ptp(BASE, axis=0)))
    stranger = tracker.update([person(100.0 + 3 * diagonal)], 21 / 30)[0]
    assert stranger.person_id != jumper.person_id


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
