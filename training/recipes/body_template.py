"""The standing body `nvhai_predictor.visibility.TEMPLATE` is: the median upright, frontal pose of the CMU, MSRC-12 and
Bandai people, in torso lengths from the shoulder midpoint (y down).

    python training/recipes/body_template.py [../shared/data]

Every 10th frame of each file (x widened to square pixels for the 640x480 renders), kept when the torso stands
within about 11 degrees of vertical and the shoulders are at least half a torso wide (facing the camera), mirrored
left to right so the body is symmetric; the three files' medians are averaged. Prints the table to paste.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from nvhai_common.coco17 import FLIP_ORDER, HIPS, SHOULDERS

FILES = (("cmu_mocap/cmu_coco17_30fps_train.npz", 1.0), ("msrc12/msrc12_coco17_30fps.npz", 4 / 3),
         ("bandai_namco/bandai_coco17_30fps.npz", 4 / 3))


def median_pose(path: Path, aspect: float) -> np.ndarray:
    with np.load(path) as data:
        frames = np.concatenate([data[k][::10] for k in data.files]).astype(np.float64)
    frames[..., 0] *= aspect
    shoulders, hips = frames[:, SHOULDERS].mean(1), frames[:, HIPS].mean(1)
    torso = hips - shoulders
    length = np.linalg.norm(torso, axis=1)
    upright = (torso[:, 1] > 0) & (np.abs(torso[:, 0]) < 0.2 * torso[:, 1])
    frontal = np.linalg.norm(frames[:, SHOULDERS[0]] - frames[:, SHOULDERS[1]], axis=1) > 0.5 * length
    keep = upright & frontal & (length > 1e-3)
    poses = (frames[keep] - shoulders[keep, None]) / length[keep, None, None]
    mirrored = poses[:, list(FLIP_ORDER)] * [-1, 1]
    return np.median(np.concatenate([poses, mirrored]), axis=0)


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    template = np.mean([median_pose(root / name, aspect) for name, aspect in FILES], axis=0)
    template[:, 0] = (template[:, 0] - template[list(FLIP_ORDER), 0]) / 2  # exactly symmetric
    print("TEMPLATE = np.array([")
    print("    " + ", ".join(f"[{x:.3f}, {y:.3f}]" for x, y in np.round(template, 3)))
    print("])")


if __name__ == "__main__":
    main()
