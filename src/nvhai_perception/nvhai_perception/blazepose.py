"""BlazePose (MediaPipe Pose, 33 landmarks) to COCO-17: the mapping table, in one place.

training/ uses the same table when it extracts keypoints from video, so live and offline
keypoints agree.
"""

from __future__ import annotations

import numpy as np

from nvhai_common.coco17 import NUM_KEYPOINTS

NUM_BLAZEPOSE_LANDMARKS = 33

# COCO index -> BlazePose landmark index. BlazePose has every COCO joint directly (its eyes
# are the eye centres, landmarks 2 and 5; inner/outer eye corners are not used).
BLAZEPOSE_FOR_COCO: tuple[int, ...] = (
    0,   # nose            <- nose
    2,   # left_eye        <- left_eye
    5,   # right_eye       <- right_eye
    7,   # left_ear        <- left_ear
    8,   # right_ear       <- right_ear
    11,  # left_shoulder   <- left_shoulder
    12,  # right_shoulder  <- right_shoulder
    13,  # left_elbow      <- left_elbow
    14,  # right_elbow     <- right_elbow
    15,  # left_wrist      <- left_wrist
    16,  # right_wrist     <- right_wrist
    23,  # left_hip        <- left_hip
    24,  # right_hip       <- right_hip
    25,  # left_knee       <- left_knee
    26,  # right_knee      <- right_knee
    27,  # left_ankle      <- left_ankle
    28,  # right_ankle     <- right_ankle
)
assert len(BLAZEPOSE_FOR_COCO) == NUM_KEYPOINTS


def blazepose_to_coco(landmarks: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Map (33, >=3) BlazePose landmarks [x_norm, y_norm, visibility, ...] to COCO-17.

    Returns xy in pixels (17, 2) float32 and confidence (17,) float32 in [0, 1].
    """
    if landmarks.shape[0] != NUM_BLAZEPOSE_LANDMARKS or landmarks.shape[1] < 3:
        raise ValueError(f"expected (33, >=3) BlazePose landmarks, got {landmarks.shape}")
    picked = landmarks[list(BLAZEPOSE_FOR_COCO)]
    xy = (picked[:, :2] * np.array([width, height], dtype=np.float64)).astype(np.float32)
    confidence = np.clip(picked[:, 2], 0.0, 1.0).astype(np.float32)
    return xy, confidence
