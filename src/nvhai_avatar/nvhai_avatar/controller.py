"""The avatar controller without ROS: people, forecasts and emotions in, one answer at a time out.

Every camera frame's people go to Attention (whom to answer); the attended person's forecast
is answered when it arrives (the anticipated pose), and until their first forecast — or when
their forecasts stop — the frame itself is answered with attention from their current pose.
With nobody to attend the avatar idles. People unseen for `forget_after_s` are forgotten with
their emotion, so a label never outlives the person it describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nvhai_avatar.attention import Attention
from nvhai_avatar.response_policy import Response, ResponsePolicy


@dataclass
class AvatarController:
    policy: ResponsePolicy = field(default_factory=ResponsePolicy)
    attention: Attention = field(default_factory=Attention)
    forecast_timeout_s: float = 0.3  # the attended person's forecasts older than this: answer from keypoints
    _labels: dict[int, list[str]] = field(default_factory=dict)
    _last_forecast: dict[int, float] = field(default_factory=dict)
    _last_pose: dict[int, np.ndarray] = field(default_factory=dict)

    def on_emotion(self, person_id: int, labels: list[str], probs: np.ndarray) -> None:
        self._labels[person_id] = list(labels)
        self.policy.update_emotion(person_id, probs)

    def emotion(self, person_id: int) -> tuple[str, float]:
        """A person's current top label and probability ("", 0 when unknown or forgotten)."""
        return self.policy.emotion(person_id, self._labels.get(person_id, []))

    def on_people(self, t: float, people: dict[int, tuple[np.ndarray, np.ndarray]], width: int,
                  height: int) -> Response | None:
        """One camera frame's people ({id: (xy px, confidence)}); the answer to publish now, if any."""
        for pid in self.attention.observe(t, people, width, height):
            self.policy.forget(pid)
            for store in (self._labels, self._last_forecast, self._last_pose):
                store.pop(pid, None)
        for pid, (xy, _) in people.items():
            self._last_pose[pid] = np.asarray(xy, dtype=np.float64)
        attended = self.attention.attended
        if attended is None:
            return self.policy.idle(np.array([width / 2, height / 2]))
        if attended in people and t - self._last_forecast.get(attended, -np.inf) <= self.forecast_timeout_s:
            return None  # their forecast for this frame will answer
        return self.policy.respond(attended, self._last_pose[attended][None], self._labels.get(attended, []), t)

    def on_forecast(self, person_id: int, t: float, future_px: np.ndarray) -> Response | None:
        """A forecast arrived; answered only if it is the attended person's."""
        self._last_forecast[person_id] = t
        if person_id != self.attention.attended:
            return None
        return self.policy.respond(person_id, future_px, self._labels.get(person_id, []), t)
