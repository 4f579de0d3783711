"""MediaPipe Pose (BlazePose) for one person: the lite, full or heavy landmark model (pose_models.py:
installed at set-up, never downloaded)."""

from __future__ import annotations

import numpy as np

from nvhai_common.person import PersonKeypoints
from nvhai_perception.blazepose import blazepose_to_coco
from nvhai_perception.pose_models import require_landmark_model


class PoseEstimator:
    """Single-person pose from RGB frames.

    `static_image_mode=False` tracks the person across frames (video: faster and steadier);
    True runs the detector on every image (independent photographs).
    MediaPipe's solutions API sees one person per frame (and is the fastest);
    MultiPoseEstimator takes over when more people are wanted. `model_complexity` 0 lite, 1 full
    (the wheel's own, and the default here: training/'s extractor uses it), 2 heavy.
    """

    max_people = 1

    def __init__(self, static_image_mode: bool = False, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5, model_complexity: int = 1) -> None:
        require_landmark_model(model_complexity)  # before MediaPipe, which would download a missing model
        import mediapipe as mp  # imported here: importing nvhai_perception must stay light

        self._pose = mp.solutions.pose.Pose(
            static_image_mode=static_image_mode,
            model_complexity=model_complexity,
            smooth_landmarks=True,
            enable_segmentation=False,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )

    def estimate(self, rgb: np.ndarray, t_s: float | None = None) -> list[PersonKeypoints]:
        """People in an (H, W, 3) uint8 RGB image, keypoints in its pixels (`t_s` is not needed here)."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected (H, W, 3) uint8 RGB, got {rgb.shape} {rgb.dtype}")
        height, width = rgb.shape[:2]
        result = self._pose.process(np.ascontiguousarray(rgb))
        if result.pose_landmarks is None:
            return []
        landmarks = np.array([(p.x, p.y, p.visibility) for p in result.pose_landmarks.landmark], dtype=np.float64)
        xy, confidence = blazepose_to_coco(landmarks, width, height)
        return [PersonKeypoints(xy=xy, confidence=confidence, score=float(confidence.mean()))]

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
