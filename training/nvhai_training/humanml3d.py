"""MotionLCM / HumanML3D joint outputs -> COCO-17 3D joints.

Text-to-motion models (MotionLCM, MDM, …) emit HumanML3D's (T, 22, 3) SMPL joint positions,
y up, metres, 20 FPS; the paper pretrains on such samples. SMPL has no face joints: nose, eyes
and ears are placed on the head from the body's facing direction.
"""

from __future__ import annotations

import numpy as np

SMPL_FPS = 20.0
# SMPL-22 indices of the COCO body joints.
SMPL_FOR_COCO_BODY = {
    "left_shoulder": 16, "right_shoulder": 17, "left_elbow": 18, "right_elbow": 19, "left_wrist": 20,
    "right_wrist": 21, "left_hip": 1, "right_hip": 2, "left_knee": 4, "right_knee": 5, "left_ankle": 7,
    "right_ankle": 8,
}
NECK, HEAD = 12, 15


def resample(motion: np.ndarray, src_fps: float, dst_fps: float) -> np.ndarray:
    """Linear interpolation of a (T, ...) sequence from src_fps to dst_fps."""
    t_src = np.arange(len(motion)) / src_fps
    t_dst = np.arange(0.0, t_src[-1] + 1e-9, 1.0 / dst_fps)
    flat = motion.reshape(len(motion), -1)
    out = np.stack([np.interp(t_dst, t_src, flat[:, k]) for k in range(flat.shape[1])], axis=1)
    return out.reshape(len(t_dst), *motion.shape[1:])


def smpl22_to_coco3d(joints: np.ndarray, fps: float = 30.0, src_fps: float = SMPL_FPS) -> np.ndarray:
    """(T, 22, 3) SMPL joints -> (T', 17, 3) COCO-17 joints at `fps`."""
    if joints.ndim != 3 or joints.shape[1:] != (22, 3):
        raise ValueError(f"expected (T, 22, 3) HumanML3D joints, got {joints.shape}")
    joints = resample(joints.astype(np.float64), src_fps, fps)
    head, neck = joints[:, HEAD], joints[:, NECK]
    across = joints[:, 16] - joints[:, 17]  # subject's left
    up = np.array([0.0, 1.0, 0.0])
    front = np.cross(across, up)
    front /= np.maximum(np.linalg.norm(front, axis=1, keepdims=True), 1e-9)
    side = across / np.maximum(np.linalg.norm(across, axis=1, keepdims=True), 1e-9)
    size = np.linalg.norm(head - neck, axis=1, keepdims=True)  # ~0.2 m
    eye_c = head + front * size * 0.45 + up * size * 0.15
    face = [
        head + front * size * 0.55 - up * size * 0.05,  # nose
        eye_c + side * size * 0.17, eye_c - side * size * 0.17,  # eyes
        head + side * size * 0.4, head - side * size * 0.4,  # ears
    ]
    body = [joints[:, SMPL_FOR_COCO_BODY[k]] for k in (
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")]
    return np.stack(face + body, axis=1)
