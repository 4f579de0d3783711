"""Several people for the price of one tracker each: every tracked person gets MediaPipe's
single-person Pose on a crop around them (landmark model only, once it tracks), and the rest of
the frame is searched for a newcomer while a slot is free: every frame while nobody is tracked, on
the next frame after a newcomer or a loss, then at doubling gaps up to every `detect_every` frames
(a person who left the view costs little; one lost for a frame is found again within a frame or two).
A lost person is looked for, at every other search for a second, where they were: in a crop around
their last box, where they are large enough for the lite model even when small in the whole frame.
A newcomer's tracker takes a graph started ahead in the background (warm_poses.py), so no frame
stalls on MediaPipe's start-up.

With `refresh_every` N > 1 each person's landmarks are refreshed every N frames, in turn, and in
between their last keypoints move on at their last velocity: two people at N = 2 cost one
landmark pass per frame, each person measured at half the frame rate (benchmarks/multi_person.py measures
the agreement this costs).

The Tasks PoseLandmarker (multi_pose_estimator.py) runs its person detector on every frame in
which it tracks fewer than `num_poses` people, the usual case (max_people is an upper bound):
that detector pass is most of the extra cost of max_people > 1.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from nvhai_common.person import PersonKeypoints
from nvhai_perception.blazepose import blazepose_to_coco
from nvhai_perception.boxes import Box, area, covered
from nvhai_perception.pose_models import require_landmark_model
from nvhai_perception.warm_poses import WarmPoses


def _pose(static_image_mode: bool, min_detection_confidence: float, min_tracking_confidence: float,
          model_complexity: int):
    require_landmark_model(model_complexity)  # before MediaPipe, which would download a missing model
    import mediapipe as mp  # imported here: importing nvhai_perception must stay light

    return mp.solutions.pose.Pose(static_image_mode=static_image_mode, model_complexity=model_complexity,
                                  smooth_landmarks=False,  # crops move; the pipeline smooths in frame pixels
                                  enable_segmentation=False, min_detection_confidence=min_detection_confidence,
                                  min_tracking_confidence=min_tracking_confidence)


def _person(result, x0: int, y0: int, width: int, height: int) -> PersonKeypoints | None:
    if result.pose_landmarks is None:
        return None
    landmarks = np.array([(p.x, p.y, p.visibility) for p in result.pose_landmarks.landmark], dtype=np.float64)
    xy, confidence = blazepose_to_coco(landmarks, width, height)
    xy += np.array([x0, y0], dtype=np.float32)
    return PersonKeypoints(xy=xy, confidence=confidence, score=float(confidence.mean()))


class _Track:
    """One person: a tracking Pose on a square crop that follows them (re-centred with hysteresis,
    so MediaPipe's own frame-to-frame region stays valid most frames)."""

    def __init__(self, box: Box, frame_shape: tuple[int, ...], margin: float) -> None:
        self.pose = None  # a started graph from WarmPoses, given once the track is kept
        self.margin = margin
        self.crop = self._crop_around(box, frame_shape)
        self.missed = 0
        self.box = box
        self.last: PersonKeypoints | None = None  # the last measured keypoints, and their age in frames
        self.age = 0
        self.velocity = np.zeros((17, 2), dtype=np.float32)  # pixels per frame, from the last two measurements

    def _crop_around(self, box: Box, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
        height, width = shape[:2]
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        side = max(box[2] - box[0], box[3] - box[1]) * (1 + 2 * self.margin)
        side = min(max(side, 96.0), float(max(width, height)))
        x0 = int(np.clip(cx - side / 2, 0, max(0, width - side)))
        y0 = int(np.clip(cy - side / 2, 0, max(0, height - side)))
        return x0, y0, min(width, int(x0 + side)), min(height, int(y0 + side))

    def step(self, rgb: np.ndarray) -> PersonKeypoints | None:
        x0, y0, x1, y1 = self.crop
        person = _person(self.pose.process(np.ascontiguousarray(rgb[y0:y1, x0:x1])), x0, y0, x1 - x0, y1 - y0)
        if person is None:
            self.missed += 1
            self.last = None
            return None
        self.missed = 0
        if self.last is not None:
            self.velocity = ((person.xy - self.last.xy) / max(1, self.age)).astype(np.float32)
        else:
            self.velocity[:] = 0.0
        self.last, self.age = person, 0
        self.box = person.bbox()
        inner = self.margin / (1 + 2 * self.margin) * (x1 - x0) / 2  # half the margin, in crop pixels
        size = max(self.box[2] - self.box[0], self.box[3] - self.box[1]) * (1 + 2 * self.margin)
        if (self.box[0] < x0 + inner or self.box[1] < y0 + inner or self.box[2] > x1 - inner or self.box[3] > y1 - inner
                or not 0.7 < size / max(x1 - x0, y1 - y0) < 1.3):
            self.crop = self._crop_around(self.box, rgb.shape)
        return person

    def carry(self) -> PersonKeypoints | None:
        """This frame's keypoints without a landmark pass: the last measured ones moved on at their velocity."""
        if self.last is None:
            return None
        self.age += 1
        return PersonKeypoints(xy=(self.last.xy + self.age * self.velocity).astype(np.float32),
                               confidence=self.last.confidence.copy(), score=self.last.score)



RECENT_LOSS = 30  # frames (1 s at 30 FPS) in which a lost person is looked for at every other search, where they were


class RoiPoseEstimator:
    """Up to `max_people` people per RGB frame of a video, one cropped tracker each; with `parallel`
    the trackers of one frame run in threads (on two cores, two people cost about one); with
    `refresh_every` N each tracker runs every Nth frame, in turn, and is carried forward between."""

    def __init__(self, max_people: int = 2, detect_every: int = 10, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5, margin: float = 0.25, lost_after: int = 2,
                 duplicate_overlap: float = 0.5, newcomer_overlap: float = 0.3, parallel: bool = True,
                 refresh_every: int = 1, model_complexity: int = 1) -> None:
        self.max_people = max_people
        self.refresh_every = max(1, refresh_every)
        self._frame = 0
        self.detect_every = max(1, detect_every)
        self.margin = margin
        self.lost_after = lost_after
        self.duplicate_overlap = duplicate_overlap
        self.newcomer_overlap = newcomer_overlap
        self.parallel = parallel
        self._pool: ThreadPoolExecutor | None = None
        args = (min_detection_confidence, min_tracking_confidence, model_complexity)
        self._search = _pose(True, *args)
        self._poses = WarmPoses(lambda: _pose(False, *args), max_people)  # trackers' graphs, started ahead
        self._tracks: list[_Track] = []
        self._since_search = 0
        self._search_gap = 1  # frames until the next search: 1 after a start or a loss, doubling up to detect_every
        self._searches = 0
        self._lost: tuple[int, int, int, int] | None = None  # the crop of the person lost last, and
        self._since_loss = 0  # frames since: every other search looks there for RECENT_LOSS frames
        self._lost_turn = False

    @property
    def tracked(self) -> int:
        """People with a tracker now."""
        return len(self._tracks)

    def estimate(self, rgb: np.ndarray, t_s: float | None = None) -> list[PersonKeypoints]:
        """People in an (H, W, 3) uint8 RGB video frame, keypoints in its pixels."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected (H, W, 3) uint8 RGB, got {rgb.shape} {rgb.dtype}")
        tracks = list(self._tracks)
        self._since_search += 1
        self._since_loss += 1
        search = not tracks or (len(tracks) < self.max_people and self._since_search >= self._search_gap)
        if search:
            self._since_search = 0
        self._frame += 1
        due = [t for i, t in enumerate(tracks) if self._due(t, i)]
        jobs = [lambda t=t: t.step(rgb) for t in due] + ([lambda: self._search_frame(rgb)] if search else [])
        results = self._run(jobs)
        measured = dict(zip(map(id, due), results, strict=False))
        found: list[tuple[PersonKeypoints, _Track]] = []
        for track in tracks:
            person = measured[id(track)] if id(track) in measured else track.carry()
            if person is not None:
                found.append((person, track))
            elif track.missed > self.lost_after:
                self._drop(track, lost=True)
        people = self._merge_duplicates(found)
        if search:
            if results[-1] is not None and self._adopt(results[-1], rgb.shape):
                people.append(results[-1])
                self._search_gap = 1  # someone else may be in view: look again next frame
            else:
                cap = 2 if self._recently_lost else self.detect_every
                self._search_gap = min(2 * self._search_gap, cap)
        return sorted(people, key=lambda p: p.score, reverse=True)

    @property
    def _recently_lost(self) -> bool:
        """Someone was lost within RECENT_LOSS frames: searches look where they were every other time."""
        return self._lost is not None and self._since_loss <= RECENT_LOSS

    def _due(self, track: _Track, index: int) -> bool:
        """Whether a tracker runs this frame: every frame at refresh_every 1; otherwise in turn, and
        always while it has nothing measured to carry forward."""
        return self.refresh_every == 1 or track.last is None or (self._frame + index) % self.refresh_every == 0

    def _run(self, jobs: list) -> list:
        """The per-person trackers (and a search) side by side: MediaPipe releases the GIL while it runs."""
        if len(jobs) < 2 or not self.parallel:
            return [job() for job in jobs]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.max_people + 1, thread_name_prefix="nvhai_roi")
        return list(self._pool.map(lambda job: job(), jobs))

    def _search_frame(self, rgb: np.ndarray) -> PersonKeypoints | None:
        """One person outside every tracked box (those are blanked), with detector + landmarks, in the
        crop of a person just lost if there is one, else the next of three regions: the whole frame, its
        left and its right 60 %. MediaPipe's detector sees a 224-pixel image, so a person far from the
        camera is found in a half-frame or their own crop, not the whole."""
        height, width = rgb.shape[:2]
        self._lost_turn = self._recently_lost and not self._lost_turn
        if self._lost_turn:
            x0, y0, x1, y1 = self._lost
        else:
            regions = ((0, width), (0, round(0.6 * width)), (round(0.4 * width), width))
            (x0, x1), y0, y1 = regions[self._searches % len(regions)], 0, height
            self._searches += 1
        masked = rgb[y0:y1, x0:x1].copy()
        for track in self._tracks:
            bx0, by0, bx1, by1 = (int(v) for v in track.box)
            masked[max(0, by0 - y0):max(0, by1 - y0), max(0, bx0 - x0):max(0, bx1 - x0)] = 0
        return _person(self._search.process(masked), x0, y0, x1 - x0, y1 - y0)

    def _adopt(self, person: PersonKeypoints, shape: tuple[int, ...]) -> bool:
        """Start tracking a found person unless they are someone tracked already."""
        box = person.bbox()
        # the search can stitch a 'ghost' from a blanked person's edges and a limb: a box that overlaps
        # a tracked one by a third, either way round, is no newcomer
        if any(max(covered(box, t.box), covered(t.box, box)) >= self.newcomer_overlap for t in self._tracks):
            return False
        track = _Track(box, shape, self.margin)
        if any(covered(t.crop, track.crop) >= 0.8 for t in self._tracks):  # a part of someone tracked
            return False
        track.pose = self._poses.take()
        self._tracks.append(track)
        return True

    def _merge_duplicates(self, found: list[tuple[PersonKeypoints, _Track]]) -> list[PersonKeypoints]:
        """Two trackers on one person (converged crops, or one box mostly inside another: a copy, or a
        ghost made of two people's parts): keep the tighter box, retire the other tracker."""
        kept: list[tuple[PersonKeypoints, _Track]] = []
        for person, track in sorted(found, key=lambda pt: area(pt[0].bbox())):
            if all(covered(k.bbox(), person.bbox()) < self.duplicate_overlap and covered(kt.crop, track.crop) < 0.8
                   for k, kt in kept):
                kept.append((person, track))
            else:
                self._drop(track)
        return [p for p, _ in kept]

    def _drop(self, track: _Track, lost: bool = False) -> None:
        self._poses.give(track.pose)
        self._tracks.remove(track)
        if lost:  # not a duplicate: look for them where they were, from the next frame
            self._lost, self._since_loss, self._lost_turn = track.crop, 0, False
            self._search_gap, self._since_search = 1, 0

    def close(self) -> None:
        for track in list(self._tracks):
            self._drop(track)
        self._poses.close()
        self._search.close()
        if self._pool is not None:
            self._pool.shutdown()

    def __enter__(self) -> RoiPoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
