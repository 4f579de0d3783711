"""The avatar starts a gesture only for a display that lasts (gesture_onset.py, through ResponsePolicy)."""

from __future__ import annotations

import numpy as np

from nvhai_avatar.gesture_onset import ATTEND, GestureOnset
from nvhai_avatar.response_policy import ResponsePolicy

LABELS = ["enthusiastic", "laughing", "happy to see you", "neutral"]


def test_a_gesture_starts_after_sustain_s_and_a_break_restarts_the_clock():
    onset = GestureOnset(sustain_s=1.0)
    shown = [onset.update(1, k / 30, "wave_back") for k in range(30)]
    assert set(shown) == {ATTEND} and onset.onsets == 0
    assert onset.update(1, 1.0, "wave_back") == "wave_back" and onset.onsets == 1
    assert onset.update(1, 1.5, "wave_back") == "wave_back" and onset.onsets == 1  # one start, held
    assert onset.update(1, 1.6, "celebrate") == ATTEND  # another gesture: its own clock
    assert onset.update(1, 1.7, ATTEND) == ATTEND
    assert onset.update(1, 2.0, "celebrate") == ATTEND and onset.update(1, 2.99, "celebrate") == ATTEND
    assert onset.update(1, 3.0, "celebrate") == "celebrate" and onset.onsets == 2


def test_people_are_timed_apart_and_forgetting_clears_the_clock():
    onset = GestureOnset(sustain_s=0.5)
    onset.update(1, 0.0, "celebrate")
    assert onset.update(2, 0.6, "celebrate") == ATTEND  # person 2 just started
    assert onset.update(1, 0.6, "celebrate") == "celebrate"
    onset.forget(1)
    assert onset.update(1, 0.7, "celebrate") == ATTEND


def test_time_going_back_restarts_the_clock():
    onset = GestureOnset(sustain_s=1.0)
    onset.update(1, 10.0, "wave_back")
    assert onset.update(1, 0.5, "wave_back") == ATTEND  # a bag looped: not 9.5 s of waving
    assert onset.update(1, 1.5, "wave_back") == "wave_back"


def test_policy_waves_back_only_to_a_sustained_greeting():
    policy = ResponsePolicy(min_confidence=0.45, sustain_s=1.0)
    future = np.tile(np.linspace(100, 300, 34).reshape(17, 2), (30, 1, 1))
    greeting, neutral = np.array([0.05, 0.05, 0.85, 0.05]), np.array([0.05, 0.05, 0.1, 0.8])
    gestures = []
    for k in range(60):  # a greeting at 30 Hz with one neutral window at k = 20 (t = 0.67 s)
        policy.update_emotion(3, neutral if k == 20 else greeting)
        gestures.append(policy.respond(3, future, LABELS, k / 30).gesture)
    assert gestures[:51] == ["attend"] * 51  # the clock restarted at k = 21: 1 s later is k = 51
    assert gestures[51:] == ["wave_back"] * 9 and policy.onset.onsets == 1
