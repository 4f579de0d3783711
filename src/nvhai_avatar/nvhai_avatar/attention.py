"""Whom the avatar answers when several people are in view. No ROS.

Each person in a frame gets an engagement score in [0, 1], a weighted sum of four cues that
need nothing but the 2D keypoints:

  facing      shoulders as wide as a frontal torso is (≥ 0.6 × shoulder-to-hip length: 1; seen from
              the side: 0), times the share of nose and eyes seen — a person turned to the camera;
  size        box height / image height, capped at 1 — a person close to the camera;
  centrality  1 at the image centre, 0 at the left or right edge — a person in front of the robot;
  presence    time since the person was first seen / presence_full_s, capped at 1 — someone who
              stays, not someone passing through.

The weights are parameters (they are renormalised to sum to 1). Hysteresis keeps the avatar from
hopping between people: another person takes over only when their score has stayed more than
`switch_margin` above the attended person's for `switch_after_s` seconds. A person unseen for
`forget_after_s` is forgotten (the caller drops their emotion); the attended person counts as
score 0 while out of view, so someone else present takes over after `switch_after_s`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nvhai_common.coco17 import INDEX

FACE = [INDEX[n] for n in ("nose", "left_eye", "right_eye")]
MIN_CONFIDENCE = 0.3


@dataclass
class AttentionConfig:
    weight_facing: float = 0.4
    weight_size: float = 0.3
    weight_centrality: float = 0.15
    weight_presence: float = 0.15
    presence_full_s: float = 3.0
    switch_margin: float = 0.1
    switch_after_s: float = 1.0
    forget_after_s: float = 2.0


def engagement_cues(xy: np.ndarray, confidence: np.ndarray, width: int, height: int) -> dict[str, float]:
    """The facing, size and centrality cues of one person (see the module docstring), each 0..1."""
    seen = confidence >= MIN_CONFIDENCE
    pts = xy[seen] if seen.any() else xy
    shoulders = xy[INDEX["left_shoulder"]] - xy[INDEX["right_shoulder"]]
    torso = (xy[INDEX["left_hip"]] + xy[INDEX["right_hip"]]) / 2 - (xy[INDEX["left_shoulder"]]
                                                                     + xy[INDEX["right_shoulder"]]) / 2
    torso_len = float(np.linalg.norm(torso))
    frontal = min(1.0, abs(float(shoulders[0])) / (0.6 * torso_len)) if torso_len > 1e-6 else 0.0
    facing = frontal * float(seen[FACE].mean())
    size = min(1.0, float(np.ptp(pts[:, 1])) / max(height, 1))
    centrality = max(0.0, 1.0 - abs(float(pts[:, 0].mean()) - width / 2) / max(width / 2, 1))
    return {"facing": facing, "size": size, "centrality": centrality}


@dataclass
class _Person:
    first_t: float
    last_t: float
    score: float = 0.0


@dataclass
class Attention:
    """Keeps the engagement of everyone in view and chooses the one person to attend."""

    config: AttentionConfig = field(default_factory=AttentionConfig)
    attended: int | None = None
    _people: dict[int, _Person] = field(default_factory=dict)
    _challenger: tuple[int, float] | None = None  # (person_id, since when it has led by the margin)

    def score(self, person_id: int, cues: dict[str, float], t: float) -> float:
        c = self.config
        p = self._people[person_id]
        presence = min(1.0, (t - p.first_t) / c.presence_full_s) if c.presence_full_s > 0 else 1.0
        weights = np.array([c.weight_facing, c.weight_size, c.weight_centrality, c.weight_presence])
        values = np.array([cues["facing"], cues["size"], cues["centrality"], presence])
        return float(weights @ values / weights.sum()) if weights.sum() > 0 else 0.0

    def observe(self, t: float, people: dict[int, tuple[np.ndarray, np.ndarray]], width: int,
                height: int) -> list[int]:
        """Feed one frame's people ({id: (xy (17, 2) px, confidence (17,))}); returns the ids forgotten."""
        for pid, (xy, conf) in people.items():
            p = self._people.setdefault(pid, _Person(t, t))
            p.last_t = t
            p.score = self.score(pid, engagement_cues(np.asarray(xy), np.asarray(conf), width, height), t)
        gone = [pid for pid, p in self._people.items() if t - p.last_t > self.config.forget_after_s or t < p.last_t]
        for pid in gone:
            del self._people[pid]
        self._choose(t, set(people))
        return gone

    def _choose(self, t: float, present: set[int]) -> None:
        if self.attended not in self._people:
            self.attended, self._challenger = None, None
        scores = {pid: p.score for pid, p in self._people.items() if pid in present}
        if not scores:
            return
        best = max(scores, key=scores.__getitem__)
        if self.attended is None:
            self.attended, self._challenger = best, None
            return
        current = scores.get(self.attended, 0.0)  # out of view: anyone present may take over
        if best == self.attended or scores[best] <= current + self.config.switch_margin:
            self._challenger = None
            return
        if self._challenger is None or self._challenger[0] != best:
            self._challenger = (best, t)
        if t - self._challenger[1] >= self.config.switch_after_s:
            self.attended, self._challenger = best, None

    def scores(self) -> dict[int, float]:
        return {pid: p.score for pid, p in self._people.items()}
