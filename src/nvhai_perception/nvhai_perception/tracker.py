"""Persistent person ids across frames: motion-predicted greedy matching on box IoU and keypoint distance.

Each track keeps the velocity of its body's centroid; a new frame's detections are compared with
where each track's keypoints are *expected* to be by then (constant velocity, as SORT/ByteTrack do with a
box), so a walking person is matched after a missed detection or while passing someone, and a
person in a gap of up to `max_missed` frames keeps their id. Ids are never reused, so a consumer
can tell a person who left and came back (new id) from one who stayed.

Measured on the bundled clip before choosing (benchmarks/tracking_loop.py): every id break there
was a detection gap or a walker moving away from their last position, not two people confused,
so motion prediction, not an appearance model, is what this tracker adds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nvhai_common.person import PersonKeypoints

MAX_EXTRAPOLATION_S = 0.5  # beyond this, a lost track's prediction stays where it was heading then
MAX_SPEED_SIZES_PER_S = 2.0  # body travel faster than this many box diagonals per second is not believed
ODD_SIZE_RATIO = 0.7  # a match whose box diagonal differs more than this is a partial detection
MAX_ODD_FRAMES = 3  # ...for at most this many frames in a row; then the new size is taken as real
# A confirmed person lost within max_missed frames and found again no further than this many body diagonals from
# where they were lost keeps their id (the bundled clip's jumper lands 1.6 diagonals from where the flip lost
# him, half a second later).
REACQUIRE_SIZES = 2.0


def box_iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def box_diagonal(box: tuple[float, float, float, float]) -> float:
    return float(np.hypot(box[2] - box[0], box[3] - box[1]))


def _centre(person: PersonKeypoints) -> np.ndarray:
    """The centre of a person's confidently seen keypoints."""
    x0, y0, x1, y1 = person.bbox()
    return np.array([(x0 + x1) / 2, (y0 + y1) / 2])


@dataclass
class _Track:
    person: PersonKeypoints  # the last detection that fits the track's body size
    t: float
    person_id: int = -1  # -1 while tentative
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))  # centroid, px/s
    hits: int = 1
    missed: int = 0
    odd: int = 0  # consecutive matches with an implausible size change

    def predicted(self, t: float) -> PersonKeypoints:
        dt = min(max(t - self.t, 0.0), MAX_EXTRAPOLATION_S)
        return PersonKeypoints(xy=self.person.xy + self.velocity * dt, confidence=self.person.confidence,
                               score=self.person.score, person_id=self.person_id)


class PersonTracker:
    """Assigns `person_id` to each detection, keeping it while the person stays in view.

    A new track is tentative (person_id -1) until matched in `min_hits` consecutive frames, as
    in SORT/ByteTrack: a one-frame false detection never gets an id. A confirmed track survives
    `max_missed` frames without a match (short occlusions, a missed detection) before its id
    is retired. `velocity_smoothing` is the weight of the newest frame-to-frame motion in each
    track's velocity (lower = steadier, slower to turn). A detection matched to a track but
    with a sudden change of size (the lower half of a person, a merged pair) keeps the id but
    does not move the track's body model.
    """

    def __init__(self, max_missed: int = 30, min_similarity: float = 0.2, min_hits: int = 3,
                 velocity_smoothing: float = 0.5, frame_period_s: float = 1 / 30) -> None:
        self.max_missed = max_missed
        self.min_similarity = min_similarity
        self.min_hits = max(1, min_hits)
        self.velocity_smoothing = velocity_smoothing
        self.frame_period_s = frame_period_s  # time per update() when no stamps are given
        self._tracks: list[_Track] = []
        self._next_id = 0
        self._frames = 0

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

    def update(self, people: list[PersonKeypoints], t: float | None = None) -> list[PersonKeypoints]:
        """Set person_id on `people` seen at time `t` (s; default: one frame period per call), in place.

        People on a tentative track get person_id -1; callers publish only the others.
        """
        self._frames += 1
        if t is None:
            t = self._frames * self.frame_period_s
        # Where each track is expected now, and where it was last seen: the velocity of a person who
        # stood still during a gap is noise, so whichever fits better counts.
        guesses = [(track.predicted(t), track.person) for track in self._tracks]
        pairs = sorted(
            ((max(self.similarity(g, p) for g in guess), ti, pi)
             for ti, guess in enumerate(guesses) for pi, p in enumerate(people)),
            reverse=True,
        )
        used_tracks: set[int] = set()
        used_people: set[int] = set()
        for sim, ti, pi in pairs:
            if sim < self.min_similarity or ti in used_tracks or pi in used_people:
                continue
            used_tracks.add(ti)
            used_people.add(pi)
            self._follow(self._tracks[ti], people[pi], t)
        for pi, ti in self._reacquire(people, used_people, used_tracks):
            used_tracks.add(ti)
            used_people.add(pi)
            self._follow(self._tracks[ti], people[pi], t)
        for ti, track in enumerate(self._tracks):
            if ti not in used_tracks:
                track.missed += 1
        self._tracks = [t for t in self._tracks
                        if t.missed <= (self.max_missed if t.person_id >= 0 else 0)]
        for pi, person in enumerate(people):
            if pi not in used_people:
                track = _Track(person, t)
                self._tracks.append(track)
                self._confirm(track)
                person.person_id = track.person_id
        return people

    def _reacquire(self, people: list[PersonKeypoints], used_people: set[int], used_tracks: set[int]
                   ) -> list[tuple[int, int]]:
        """(person, track) pairs for people no track matched who appear within REACQUIRE_SIZES body sizes of where
        a confirmed track, unmatched in this frame, was last seen (a jumper re-found after a flip the detector
        could not follow, someone re-found after passing behind another): they keep their id, nearest first."""
        lost = [ti for ti, track in enumerate(self._tracks) if ti not in used_tracks and track.person_id >= 0]
        pairs = []
        for pi, person in enumerate(people):
            if pi in used_people:
                continue
            centre, size = _centre(person), box_diagonal(person.bbox())
            for ti in lost:
                old = self._tracks[ti].person
                gap = float(np.linalg.norm(centre - _centre(old))) / max(size, box_diagonal(old.bbox()), 1.0)
                if gap <= REACQUIRE_SIZES:
                    pairs.append((gap, pi, ti))
        chosen, taken_people, taken_tracks = [], set(), set()
        for _, pi, ti in sorted(pairs):
            if pi not in taken_people and ti not in taken_tracks:
                chosen.append((pi, ti))
                taken_people.add(pi)
                taken_tracks.add(ti)
        return chosen

    def _confirm(self, track: _Track) -> None:
        if track.person_id < 0 and track.hits >= self.min_hits:
            track.person_id = self._next_id
            self._next_id += 1

    def _follow(self, track: _Track, person: PersonKeypoints, t: float) -> None:
        track.hits += 1
        self._confirm(track)
        person.person_id = track.person_id
        size_old, size_new = box_diagonal(track.person.bbox()), box_diagonal(person.bbox())
        odd = min(size_old, size_new) < ODD_SIZE_RATIO * max(size_old, size_new)
        track.odd = track.odd + 1 if odd else 0
        if 0 < track.odd <= MAX_ODD_FRAMES:
            track.missed = 0
            return
        dt = t - track.t
        if dt > 0:
            step = (person.xy - track.person.xy).mean(axis=0) / dt  # limbs swing; the body travels
            limit = MAX_SPEED_SIZES_PER_S * max(size_new, 1.0)
            speed = float(np.linalg.norm(step))
            if speed > limit:
                step *= limit / speed
            a = self.velocity_smoothing if track.missed == 0 else 1.0  # after a gap: the gap's mean motion
            track.velocity = a * step + (1 - a) * track.velocity
        track.person, track.t, track.missed, track.odd = person, t, 0, 0

    @property
    def active_ids(self) -> list[int]:
        return [t.person_id for t in self._tracks if t.person_id >= 0]
