"""Random pinhole cameras: 3D COCO-17 motion (y up, subject near the origin) -> 2D in image heights.

Shared by every 3D source (procedural, BVH, HumanML3D) so that synthetic and real data see the
same camera distribution.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm


@dataclass
class CameraRange:
    yaw_deg: tuple[float, float] = (-60.0, 60.0)  # around the subject; 0 = in front (+z side)
    distance_heights: tuple[float, float] = (1.8, 3.0)  # camera distance in body heights
    height_ratio: tuple[float, float] = (0.5, 1.1)  # camera height as a fraction of body height
    focal: tuple[float, float] = (0.9, 1.4)  # focal length in image widths
    aspect: float = 4 / 3  # width / height


def look_at(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    """World->camera rotation (rows: camera x right, y down, z forward)."""
    z = target - eye
    z /= np.linalg.norm(z)
    x = np.cross(z, [0.0, 1.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    return np.stack([x, y, z])


def project(points: np.ndarray, rotation: np.ndarray, eye: np.ndarray, focal: float, aspect: float) -> np.ndarray:
    """(..., 3) world points -> (..., 2) image coordinates in image heights (x right in [0, aspect], y down
    in [0, 1]): square pixels, as a live camera's keypoints are, so that a body keeps its proportions."""
    cam = (points - eye) @ rotation.T
    z = np.maximum(cam[..., 2:3], 1e-3)
    uv = focal * aspect * cam[..., :2] / z  # focal is in image widths
    return np.concatenate([0.5 * aspect + uv[..., :1], 0.5 + uv[..., 1:]], axis=-1)


def random_view(motion: np.ndarray, rng: np.random.Generator, cams: CameraRange | None = None) -> np.ndarray:
    """Project a (T, 17, 3) motion (metres or any unit, y up) through a random camera -> (T, 17, 2)."""
    cams = cams or CameraRange()
    first = motion[0]
    height = max(float(np.ptp(first[:, 1])), 1e-6)
    centre = motion.reshape(-1, 3).mean(axis=0)
    yaw = np.deg2rad(rng.uniform(*cams.yaw_deg))
    # Keep the camera outside the area the subject moves in (a walk must not run into the lens).
    reach = float(np.linalg.norm((motion - centre)[..., [0, 2]], axis=-1).max())
    dist = reach + height * rng.uniform(*cams.distance_heights)
    floor = float(motion[..., 1].min())
    eye = centre + np.array([dist * np.sin(yaw), 0.0, dist * np.cos(yaw)])
    eye[1] = floor + height * rng.uniform(*cams.height_ratio)
    rotation = look_at(eye, centre)
    return project(motion, rotation, eye, rng.uniform(*cams.focal), cams.aspect).astype(np.float32)


def face_forward(motion: np.ndarray) -> np.ndarray:
    """Rotate a (T, 17, 3) motion about the vertical so that its first frame faces +z.

    Facing +z with y up puts the subject's left on +x; this is read off the hips (COCO 11, 12).
    """
    across = motion[0, 11] - motion[0, 12]
    angle = np.arctan2(across[2], across[0])  # rotate `across` onto +x
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
    return motion @ rot.T


def camera_views(files: Sequence[Path], to_coco3d: Callable[[Path], np.ndarray], views: int, seed: int,
                 exclude: Collection[str] = ()) -> dict[str, np.ndarray]:
    """3D motion files -> 2D clips `<stem>_v<k>`: each file (its stem not in `exclude`) read by `to_coco3d`,
    turned to face forward and seen by `views` random cameras (one random stream from `seed`, in file order).
    A file `to_coco3d` refuses (ValueError: a bad BVH, a bad .npy) is named in the error."""
    rng = np.random.default_rng(seed)
    clips = {}
    for path in tqdm(files, desc="import", unit="clip"):
        if path.stem in exclude:
            continue
        try:
            motion = face_forward(to_coco3d(path))
        except ValueError as e:  # BVHError, a bad .npy: one line naming the file
            raise ValueError(f"{path}: {e}") from None
        for v in range(views):
            clips[f"{path.stem}_v{v}"] = random_view(motion, rng)
    return clips
