"""Several people per frame: MediaPipe's Tasks PoseLandmarker, built offline from installed models.

mediapipe 0.10.21 ships the BlazePose detector and full landmark model as bare .tflite files (the
lite and heavy ones are installed beside them at set-up: pose_models.py); the Tasks API wants them
in a `.task` bundle with normalisation metadata. Both are written here, in memory, at start-up
(nothing is downloaded or written to disk).
"""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np

from nvhai_common.person import PersonKeypoints
from nvhai_perception.blazepose import blazepose_to_coco
from nvhai_perception.boxes import area, covered
from nvhai_perception.pose_models import require_landmark_model

DETECTOR = "modules/pose_detection/pose_detection.tflite"  # in the wheel


def pose_landmarker_bundle(model_complexity: int = 1) -> bytes:
    """The .task bundle for PoseLandmarker: the wheel's detector and this complexity's landmark model."""
    landmarks = require_landmark_model(model_complexity)  # before MediaPipe is asked
    import mediapipe as mp
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    # (file, name in the bundle, input normalisation mean/std, number of outputs)
    models = ((os.path.join(os.path.dirname(mp.__file__), DETECTOR), "pose_detector.tflite", 127.5, 127.5, 2),
              (str(landmarks), "pose_landmarks_detector.tflite", 0.0, 255.0, 5))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bundle:
        for path, name, mean, std, outputs in models:
            with open(path, "rb") as f:
                writer = metadata_writer.MetadataWriter.create(bytearray(f.read()))
            writer.add_image_input(norm_mean=[mean], norm_std=[std])
            for i in range(outputs):
                writer.add_feature_output(name=f"output_{i}")
            bundle.writestr(name, bytes(writer.populate()[0]))
    return out.getvalue()


class MultiPoseEstimator:
    """Up to `max_people` people per RGB frame; duplicate detections of one person are merged."""

    def __init__(self, max_people: int = 3, static_image_mode: bool = False, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5, duplicate_overlap: float = 0.6,
                 model_complexity: int = 1) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        self.max_people = max_people
        self.video = not static_image_mode
        self.duplicate_overlap = duplicate_overlap
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=pose_landmarker_bundle(model_complexity)),
            running_mode=vision.RunningMode.VIDEO if self.video else vision.RunningMode.IMAGE,
            num_poses=max_people, min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_detection_confidence, min_tracking_confidence=min_tracking_confidence)
        self._landmarker = vision.PoseLandmarker.create_from_options(options)
        self._last_ms = -1

    def estimate(self, rgb: np.ndarray, t_s: float | None = None) -> list[PersonKeypoints]:
        import mediapipe as mp

        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected (H, W, 3) uint8 RGB, got {rgb.shape} {rgb.dtype}")
        height, width = rgb.shape[:2]
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self.video:  # VIDEO mode needs strictly increasing millisecond timestamps
            ms = max(self._last_ms + 1, round(1000 * t_s) if t_s is not None else self._last_ms + 33)
            self._last_ms = ms
            result = self._landmarker.detect_for_video(image, ms)
        else:
            result = self._landmarker.detect(image)
        people: list[PersonKeypoints] = []
        for pose in result.pose_landmarks:
            landmarks = np.array([(p.x, p.y, p.visibility if p.visibility is not None else 1.0) for p in pose])
            xy, confidence = blazepose_to_coco(landmarks, width, height)
            people.append(PersonKeypoints(xy=xy, confidence=confidence, score=float(confidence.mean())))
        return self._merge_duplicates(people)

    def _merge_duplicates(self, people: list[PersonKeypoints]) -> list[PersonKeypoints]:
        """Drop a detection whose box mostly covers a tighter one: a second copy of that person, or a
        'ghost' stitched from two people (one's head, the other's legs). Tightest boxes are kept."""
        kept: list[PersonKeypoints] = []
        for p in sorted(people, key=lambda q: area(q.bbox())):
            if all(covered(k.bbox(), p.bbox()) < self.duplicate_overlap for k in kept):
                kept.append(p)
        return sorted(kept, key=lambda q: q.score, reverse=True)

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> MultiPoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
