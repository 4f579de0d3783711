"""Frame in, tracked (and optionally smoothed) COCO-17 people out: the node's whole job, minus ROS."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nvhai_common.person import PersonKeypoints
from nvhai_perception.multi_pose_estimator import MultiPoseEstimator
from nvhai_perception.one_euro import OneEuroFilter
from nvhai_perception.pose_estimator import PoseEstimator
from nvhai_perception.roi_pose_estimator import RoiPoseEstimator
from nvhai_perception.tracker import PersonTracker

MULTI_PERSON_MODES = ("roi", "landmarker")


@dataclass
class PipelineConfig:
    static_image_mode: bool = False
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.3  # the lite model scores small, far people lower (node.py)
    model_complexity: int = 0  # 0 lite, 1 full, 2 heavy (pose_models.py); docs/benchmarks.md: which pose model
    max_people: int = 1
    multi_person: str = "roi"  # max_people > 1: "roi" (roi_pose_estimator.py) or "landmarker" (Tasks PoseLandmarker)
    detect_every: int = 10  # "roi": frames between searches for a newcomer while a slot is free
    refresh_every: int = 1  # "roi": frames between landmark passes per person, taken in turn (2: half the cost)
    min_person_score: float = 0.2
    smoothing: bool = False
    smoothing_min_cutoff: float = 1.0
    smoothing_beta: float = 0.05
    track_max_missed: int = 30
    track_min_hits: int = 3  # frames in a row before a new person gets an id (1 in static_image_mode)


class KeypointPipeline:
    """Pose estimation -> person tracking -> One-Euro smoothing per tracked person.

    max_people == 1 uses MediaPipe's single-person solution (fastest); more uses one single-person
    tracker per person on a crop (multi_person="roi", roi_pose_estimator.py: no detector pass while
    every slot is taken; it finds both people of the bundled clip, the landmarker one of them), or
    the Tasks PoseLandmarker (multi_person="landmarker"; also for static_image_mode).
    """

    def __init__(self, config: PipelineConfig | None = None,
                 estimator: PoseEstimator | MultiPoseEstimator | RoiPoseEstimator | None = None) -> None:
        self.config = config or PipelineConfig()
        c = self.config
        if c.multi_person not in MULTI_PERSON_MODES:
            raise ValueError(f"multi_person '{c.multi_person}' is not one of {', '.join(MULTI_PERSON_MODES)}")
        if estimator is None and c.max_people > 1 and c.multi_person == "roi" and not c.static_image_mode:
            estimator = RoiPoseEstimator(c.max_people, c.detect_every, c.min_detection_confidence,
                                         c.min_tracking_confidence, refresh_every=c.refresh_every,
                                         model_complexity=c.model_complexity)
        elif estimator is None and c.max_people > 1:
            estimator = MultiPoseEstimator(c.max_people, c.static_image_mode, c.min_detection_confidence,
                                           c.min_tracking_confidence, model_complexity=c.model_complexity)
        self.estimator = estimator or PoseEstimator(c.static_image_mode, c.min_detection_confidence,
                                                    c.min_tracking_confidence, c.model_complexity)
        self.tracker = PersonTracker(max_missed=c.track_max_missed,
                                     min_hits=1 if c.static_image_mode else c.track_min_hits)
        self._filters: dict[int, OneEuroFilter] = {}

    def process(self, rgb: np.ndarray, stamp_s: float) -> list[PersonKeypoints]:
        """People in one RGB frame taken at `stamp_s` (seconds; used by the smoother)."""
        people = [p for p in self.estimator.estimate(rgb, stamp_s) if p.score >= self.config.min_person_score]
        people = sorted(people, key=lambda p: p.score, reverse=True)[: self.config.max_people]
        people = [p for p in self.tracker.update(people, stamp_s) if p.person_id >= 0]  # not yet confirmed: left out
        if self.config.smoothing:
            self._smooth(people, stamp_s)
        return people

    def _smooth(self, people: list[PersonKeypoints], stamp_s: float) -> None:
        active = set(self.tracker.active_ids)
        self._filters = {pid: f for pid, f in self._filters.items() if pid in active}
        for person in people:
            f = self._filters.setdefault(
                person.person_id, OneEuroFilter(self.config.smoothing_min_cutoff, self.config.smoothing_beta)
            )
            person.xy = f(person.xy, stamp_s).astype(np.float32)

    def close(self) -> None:
        self.estimator.close()
