"""BVH motion capture -> COCO-17 3D joints (forward kinematics), e.g. the CMU clips in ../shared/data.

The CMU files are retargeted to a Character Creator rig (`CC_Base_*` joints); other rigs map by
passing their own joint names. The rig has no nose or ears: they are placed from the eyes and
the head joint, as in the projected CMU set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

CC_BASE_JOINTS = {
    "head": "CC_Base_Head", "left_eye": "CC_Base_L_Eye", "right_eye": "CC_Base_R_Eye",
    "left_shoulder": "CC_Base_L_Upperarm", "right_shoulder": "CC_Base_R_Upperarm",
    "left_elbow": "CC_Base_L_Forearm", "right_elbow": "CC_Base_R_Forearm",
    "left_wrist": "CC_Base_L_Hand", "right_wrist": "CC_Base_R_Hand",
    "left_hip": "CC_Base_L_Thigh", "right_hip": "CC_Base_R_Thigh",
    "left_knee": "CC_Base_L_Calf", "right_knee": "CC_Base_R_Calf",
    "left_ankle": "CC_Base_L_Foot", "right_ankle": "CC_Base_R_Foot",
}


@dataclass
class Joint:
    name: str
    parent: int
    offset: np.ndarray
    channels: list[str] = field(default_factory=list)


@dataclass
class BVHMotion:
    joints: list[Joint]
    frame_time: float
    data: np.ndarray  # (frames, channels)

    def index(self, name: str) -> int:
        for i, j in enumerate(self.joints):
            if j.name == name:
                return i
        raise BVHError(f"joint '{name}' not in BVH (has {len(self.joints)} joints)")


class BVHError(ValueError):
    """A BVH file this parser cannot use; the message says what is wrong with it."""


def parse_bvh(text: str) -> BVHMotion:
    """HIERARCHY and MOTION of a BVH file; BVHError (one line) for an empty, cut-short or non-finite one."""
    tokens = text.split()
    if not tokens:
        raise BVHError("empty file")
    if "MOTION" not in tokens:
        raise BVHError("no MOTION section (not a BVH file, or cut short in its HIERARCHY)")
    joints: list[Joint] = []
    stack: list[int] = []
    i = 0
    try:
        while tokens[i] != "MOTION":
            tok = tokens[i]
            if tok in ("ROOT", "JOINT"):
                joints.append(Joint(tokens[i + 1], stack[-1] if stack else -1, np.zeros(3)))
                i += 2
            elif tok == "End":  # End Site: a leaf with an offset only
                joints.append(Joint(f"{joints[stack[-1]].name}_end", stack[-1], np.zeros(3)))
                i += 2
            elif tok == "{":
                stack.append(len(joints) - 1)
                i += 1
            elif tok == "}":
                stack.pop()
                i += 1
            elif tok == "OFFSET":
                joints[stack[-1]].offset = np.array([float(v) for v in tokens[i + 1:i + 4]])
                i += 4
            elif tok == "CHANNELS":
                n = int(tokens[i + 1])
                joints[stack[-1]].channels = tokens[i + 2:i + 2 + n]
                i += 2 + n
            else:
                i += 1
        if tokens[i + 1:i + 2] != ["Frames:"] or tokens[i + 3:i + 5] != ["Frame", "Time:"]:
            raise BVHError("MOTION must begin 'Frames: N' and 'Frame Time: S'")
        frames = int(tokens[i + 2])
        frame_time = float(tokens[i + 5])
        values = np.array(tokens[i + 6:], dtype=np.float64)
    except (IndexError, ValueError) as e:
        if isinstance(e, BVHError):
            raise
        raise BVHError(f"malformed HIERARCHY or MOTION header ({e or type(e).__name__})") from None
    if not joints:
        raise BVHError("no ROOT joint in the HIERARCHY")
    if not (np.isfinite(frame_time) and frame_time > 0):
        raise BVHError(f"Frame Time: {tokens[i + 5]}: must be a positive number of seconds")
    n_channels = sum(len(j.channels) for j in joints)
    if frames < 1 or len(values) < frames * n_channels:
        raise BVHError(f"MOTION declares {frames} frames of {n_channels} channels but holds "
                       f"{len(values) // max(n_channels, 1)} complete frames")
    data = values[: frames * n_channels].reshape(frames, n_channels)
    bad = ~np.isfinite(data)
    if bad.any():
        frame, channel = (int(v) for v in np.argwhere(bad)[0])
        raise BVHError(f"{int(bad.sum())} NaN/inf channel values in MOTION (first: frame {frame}, channel {channel})")
    return BVHMotion(joints, frame_time, data)


def forward_kinematics(motion: BVHMotion) -> np.ndarray:
    """World positions (frames, joints, 3) of every joint."""
    frames = motion.data.shape[0]
    positions = np.zeros((frames, len(motion.joints), 3))
    rotations: list[Rotation] = []
    col = 0
    for j, joint in enumerate(motion.joints):
        local_pos = np.tile(joint.offset, (frames, 1))
        rot_axes, rot_cols = "", []
        for c, name in enumerate(joint.channels):
            if name.endswith("position"):
                local_pos[:, "XYZ".index(name[0])] += motion.data[:, col + c] - (joint.offset["XYZ".index(name[0])])
            else:
                rot_axes += name[0]
                rot_cols.append(col + c)
        col += len(joint.channels)
        local_rot = (Rotation.from_euler(rot_axes, motion.data[:, rot_cols], degrees=True) if rot_axes
                     else Rotation.identity(frames))
        if joint.parent < 0:
            positions[:, j] = local_pos
            rotations.append(local_rot)
        else:
            parent_rot = rotations[joint.parent]
            positions[:, j] = positions[:, joint.parent] + parent_rot.apply(local_pos)
            rotations.append(parent_rot * local_rot)
    return positions


def bvh_to_coco3d(text: str, fps: float = 30.0, names: dict[str, str] | None = None) -> np.ndarray:
    """(T, 17, 3) COCO-17 joints resampled (nearest frame) to `fps`, y up, in the file's units."""
    names = names or CC_BASE_JOINTS
    motion = parse_bvh(text)
    have = {j.name for j in motion.joints}
    missing = [v for v in names.values() if v not in have]
    if missing:
        raise BVHError(f"another rig: joints {', '.join(missing[:3])}{' …' if len(missing) > 3 else ''} that map to "
                       f"COCO-17 are not in the file (its joints: {', '.join(sorted(have)[:3])} …)")
    world = forward_kinematics(motion)
    step = max(1, round(1.0 / (fps * motion.frame_time)))
    world = world[::step]
    j = {k: world[:, motion.index(v)] for k, v in names.items()}
    eye_mid = (j["left_eye"] + j["right_eye"]) / 2
    across = j["left_eye"] - j["right_eye"]
    front = eye_mid - j["head"]
    front[:, 1] = 0.0
    front /= np.maximum(np.linalg.norm(front, axis=1, keepdims=True), 1e-9)
    eye_gap = np.linalg.norm(across, axis=1, keepdims=True)
    nose = eye_mid + front * eye_gap * 0.6 - np.array([0.0, 1.0, 0.0]) * eye_gap * 0.5
    ear_l = j["head"] + across * 1.1 + (eye_mid - j["head"]) * 0.2
    ear_r = j["head"] - across * 1.1 + (eye_mid - j["head"]) * 0.2
    order = [nose, j["left_eye"], j["right_eye"], ear_l, ear_r] + [
        j[k] for k in ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
                       "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")]
    return np.stack(order, axis=1)
