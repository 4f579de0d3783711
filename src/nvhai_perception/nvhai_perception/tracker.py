"""Persistent person ids across frames: greedy matching on box IoU and keypoint distance.

Enough for the few people a robot faces; ids are never reused, so a consumer can tell a
person who left and came back (new id) from one who stayed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nvhai_common.person import PersonKeypoints


def box_iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class _Track:
    person_id: int
    person: PersonKeypoints
    missed: int = 0


class PersonTracker:
    """Assigns `person_id` to each detection, keeping it while the person stays in view.

    A track survives `max_missed` frames without a match (short occlusions, a missed
    detection) before its id is retired.
    """

    def __init__(self, max_missed: int = 15, min_similarity: float = 0.2) -> None:
        self.max_missed = max_missed
        self.min_similarity = min_similarity
        self._tracks: list[_Track] = []
        self._next_id = 0

    @staticmethod
    def similarity(a: PersonKeypoints, b: PersonKeypoints) -> float:
        """The larger of box IoU and a keypoint-distance score (1 at zero distance, 0 at one body size).

        The distance term keeps a thin person (small IoU under pose jitter) and a fast mover
        matched; greedy best-first matching keeps two neighbours apart.
        """
        box_a, box_b = a.bbox(), b.bbox()
        size = max(box_a[2] - box_a[0], box_a[3] - box_a[1], 1.0)
        dist = float(np.linalg.norm(a.xy - b.xy, axis=1).mean())
        return max(box_iou(box_a, box_b), 1.0 - dist / size)

    def update(self, people: list[PersonKeypoints]) -> list[PersonKeypoints]:
        """Set person_id on `people` (in place) and return them."""
        pairs = sorted(
            ((self.similarity(t.person, p), ti, pi) for ti, t in enumerate(self._tracks) for pi, p in enumerate(people)),
            reverse=True,
        )
        used_tracks: set[int] = set()
        used_people: set[int] = set()
        for sim, ti, pi in pairs:
            if sim < self.min_similarity or ti in used_tracks or pi in used_people:
                continue
            used_tracks.add(ti)
            used_people.add(pi)
            track = self._tracks[ti]
            track.person, track.missed = people[pi], 0
            people[pi].person_id = track.person_id
        for ti, track in enumerate(self._tracks):
            if ti not in used_tracks:
                track.missed += 1
        self._tracks = [t for t in self._tracks if t.missed <= self.max_missed]
        for pi, person in enumerate(people):
            if pi not in used_people:
                person.person_id = self._next_id
                self._tracks.append(_Track(self._next_id, person))
                self._next_id += 1
        return people

    @property
    def active_ids(self) -> list[int]:
        return [t.person_id for t in self._tracks]
