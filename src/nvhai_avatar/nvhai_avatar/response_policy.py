"""Choosing the avatar's non-verbal answer: which gesture, how strongly, in which pose. No ROS.

The emotion is each person's latest probabilities as the predictor publishes them (it smooths
them over time); `neutral` ("no positive display") and any label without a gesture, or a top
label below `min_confidence`, is answered with attention only, and a gesture starts only once it has
been called for without a break for `sustain_s` (gesture_onset.py). Works with any label set the
model's contract lists (the paper's three, or those plus `neutral`). The pose mirrors the
person's *anticipated* pose (the forecast a few frames ahead), the way people mirror each
other, with the gesture layered on top; with nobody to attend the avatar idles in a rest pose.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from nvhai_avatar.gesture_onset import ATTEND, GestureOnset
from nvhai_common.coco17 import FLIP_ORDER, INDEX
from nvhai_common.normalization import normalize

IDLE = "idle"
GESTURE_FOR_EMOTION = {"enthusiastic": "celebrate", "laughing": "laugh_along", "happy to see you": "wave_back",
                       "neutral": ATTEND}
# A person standing with arms down, in the normalised body-centred frame (x right, y down), COCO-17 order.
REST_POSE = np.array([
    (0.0, -0.8), (0.05, -0.85), (-0.05, -0.85), (0.1, -0.82), (-0.1, -0.82), (0.2, -0.55), (-0.2, -0.55),
    (0.25, -0.25), (-0.25, -0.25), (0.27, 0.0), (-0.27, 0.0), (0.12, 0.05), (-0.12, 0.05), (0.13, 0.5),
    (-0.13, 0.5), (0.13, 0.95), (-0.13, 0.95)], dtype=np.float32)


@dataclass
class Response:
    person_id: int
    emotion: str
    confidence: float
    gesture: str
    intensity: float
    pose: np.ndarray  # (17, 2) normalised, body-centred
    look_at: np.ndarray  # (2,) pixels


@dataclass
class ResponsePolicy:
    min_confidence: float = 0.45  # below: "attend"
    anticipation_frames: int = 10  # mirror the pose expected this many frames ahead
    sustain_s: float = 1.0  # a gesture starts after being called for this long (gesture_onset.py)
    _probs: dict[int, np.ndarray] = field(default_factory=dict)
    onset: GestureOnset = field(init=False)

    def __post_init__(self) -> None:
        self.onset = GestureOnset(self.sustain_s)

    def update_emotion(self, person_id: int, probs: np.ndarray) -> None:
        self._probs[person_id] = np.asarray(probs, dtype=np.float64)

    def forget(self, person_id: int) -> None:
        """Drop a person's emotion (they are gone): their label must not outlive them."""
        self._probs.pop(person_id, None)
        self.onset.forget(person_id)

    def emotion(self, person_id: int, labels: list[str]) -> tuple[str, float]:
        """A person's top label and its probability; ("", 0) when unknown, forgotten or mislabelled."""
        probs = self._probs.get(person_id)
        if probs is None or len(probs) != len(labels):
            return "", 0.0
        best = int(np.argmax(probs))
        return labels[best], float(probs[best])

    def idle(self, look_at: np.ndarray) -> Response:
        """Nobody to answer: rest pose, no emotion, looking at `look_at` (pixels)."""
        return Response(0, "", 0.0, IDLE, 0.0, REST_POSE.copy(), np.asarray(look_at, dtype=np.float32))

    def respond(self, person_id: int, future_px: np.ndarray, labels: list[str], t: float) -> Response:
        """The response to a person whose forecast (T_out, 17, 2, pixels) just arrived, at time t (s)."""
        emotion, confidence = self.emotion(person_id, labels)
        gesture = self.onset.update(person_id, t, wanted_gesture(emotion, confidence, self.min_confidence))
        intensity = 0.0 if gesture == ATTEND else float(np.clip((confidence - self.min_confidence)
                                                                / (1 - self.min_confidence), 0.2, 1.0))
        k = min(self.anticipation_frames, len(future_px)) - 1
        pose = normalize(future_px[k])[0][list(FLIP_ORDER)] * [-1.0, 1.0]  # face to face: a mirror image
        pose = apply_gesture(pose, gesture, intensity, t)
        return Response(person_id, emotion, confidence, gesture, intensity, pose.astype(np.float32),
                        future_px[-1].mean(axis=0).astype(np.float32))


def wanted_gesture(emotion: str, confidence: float, min_confidence: float) -> str:
    """The gesture a top label calls for: none (attend) for neutral, unknown labels or low confidence."""
    return GESTURE_FOR_EMOTION.get(emotion, ATTEND) if confidence >= min_confidence else ATTEND


def gesture_starts(stream: Iterable[tuple[float, str, float]], policy: ResponsePolicy | None = None) -> int:
    """How many gestures the avatar would start for one person's (stamp s, top label, its probability)
    stream, by the policy's own rule (confident, sustained): the figure behind `gestures_per_min`."""
    policy = policy or ResponsePolicy()
    onset = GestureOnset(policy.sustain_s)
    for t, label, confidence in stream:
        onset.update(0, t, wanted_gesture(label, confidence, policy.min_confidence))
    return onset.onsets


def apply_gesture(pose: np.ndarray, gesture: str, intensity: float, t: float) -> np.ndarray:
    """Layer a gesture over a normalised pose (y down): arms up, a wave, or laughing shakes."""
    pose = pose.copy()
    top = pose[:, 1].min()
    sh = {s: pose[INDEX[f"{s}_shoulder"]] for s in ("left", "right")}
    if gesture == "celebrate":  # both arms up, pumping
        pump = 0.1 * math.sin(2 * math.pi * 2.0 * t)
        for s, dx in (("left", 0.25), ("right", -0.25)):
            target_e = sh[s] + [dx, -0.35]
            target_w = np.array([sh[s][0] + 1.4 * dx, top - 0.15 + pump])
            pose[INDEX[f"{s}_elbow"]] += intensity * (target_e - pose[INDEX[f"{s}_elbow"]])
            pose[INDEX[f"{s}_wrist"]] += intensity * (target_w - pose[INDEX[f"{s}_wrist"]])
    elif gesture == "wave_back":  # the avatar's right arm up, waving
        swing = 0.15 * math.sin(2 * math.pi * 2.5 * t)
        target_e = sh["right"] + [-0.3, -0.15]
        target_w = sh["right"] + [-0.35 + swing, -0.55]
        pose[INDEX["right_elbow"]] += intensity * (target_e - pose[INDEX["right_elbow"]])
        pose[INDEX["right_wrist"]] += intensity * (target_w - pose[INDEX["right_wrist"]])
    elif gesture == "laugh_along":  # shoulders and head shake, head tips back
        shake = 0.03 * intensity * math.sin(2 * math.pi * 5.0 * t)
        upper = [INDEX[n] for n in ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
                                    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist")]
        pose[upper, 1] += shake
        pose[: INDEX["left_shoulder"], 1] -= 0.05 * intensity
    return pose
