"""COCO-17 body keypoint layout: the one definition every nvhai package and training/ imports.

nvhai_msgs/BodyKeypoints.msg mirrors the indices as constants; a test keeps the two in step.
"""

from __future__ import annotations

KEYPOINT_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
NUM_KEYPOINTS = len(KEYPOINT_NAMES)
INDEX: dict[str, int] = {name: i for i, name in enumerate(KEYPOINT_NAMES)}

# Left and right of the joints the studies and augmentations measure a body by. Lists, to index keypoint
# rows (xy[WRISTS]); a tuple would index dimensions instead.
SHOULDERS: list[int] = [INDEX["left_shoulder"], INDEX["right_shoulder"]]
WRISTS: list[int] = [INDEX["left_wrist"], INDEX["right_wrist"]]
HIPS: list[int] = [INDEX["left_hip"], INDEX["right_hip"]]

# Limbs drawn between keypoints (the COCO skeleton, 0-based).
SKELETON: tuple[tuple[int, int], ...] = (
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6),
    (5, 7), (6, 8), (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
)

# Left/right pairs, swapped when a pose is mirrored horizontally (data augmentation).
FLIP_PAIRS: tuple[tuple[int, int], ...] = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16))

# Keypoint order of the mirrored pose: FLIP_ORDER[j] is the keypoint that takes j's place.
FLIP_ORDER: tuple[int, ...] = tuple(
    next((b if j == a else a for a, b in FLIP_PAIRS if j in (a, b)), j) for j in range(NUM_KEYPOINTS))
