"""How far below zero-velocity can a forecaster get on each CMU subject? Ceilings, not results.

    python training/recipes/forecast_ceiling.py runs/default/cmu.npz [--json]

For every subject (clip-name prefix) this fits forecasters on *that subject's own clips* — the
opposite of the protocol — so each figure is an upper bound for its model class, not a result:
  - shared_linear_in_sample: the shipped forecast's class (last frame + one linear 60 -> 30 map
    shared by all coordinates), least squares on every window of the subject, scored on the same windows;
  - shared_linear_all_subjects_in_sample: one such map fitted on every subject's windows together
    (the best single model of the class for these four people, scored on data it was fitted to);
  - full_pose_ridge_leave_one_clip_out: a ridge map from the whole pose's last 10 frames to its next
    30, trained on the subject's other clips (the same person, unseen clips; ridge 100).
Figures are 1 - MAE / MAE(zero-velocity) over the second, in the per-frame normalised space of
`nvhai-train evaluate`. A cross-subject model of these classes can only do worse.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from nvhai_training.keypoint_dataset import Windows, load_clips, make_windows
from nvhai_training.metrics import forecast_metrics, zero_velocity
from nvhai_training.protocol import groups


def _mae(pred: np.ndarray, truth: np.ndarray) -> float:
    return forecast_metrics(pred, truth)["mae"]


def _per_coordinate(w: Windows) -> tuple[np.ndarray, np.ndarray]:
    """Each coordinate's 60-frame history and 30-frame future, relative to its last observed value."""
    last = w.inputs[:, -1:]
    return ((w.inputs - last).transpose(0, 2, 3, 1).reshape(-1, w.inputs.shape[1]),
            (w.targets - last).transpose(0, 2, 3, 1).reshape(-1, w.targets.shape[1]))


def fit_shared_linear(w: Windows, ridge: float = 1e-3) -> np.ndarray:
    x, y = _per_coordinate(w)
    return np.linalg.solve(x.T @ x + ridge * np.eye(x.shape[1]), x.T @ y)


def apply_shared_linear(w: Windows, a: np.ndarray) -> np.ndarray:
    x, _ = _per_coordinate(w)
    t_out = a.shape[1]
    return (x @ a).reshape(len(w), *w.targets.shape[2:], t_out).transpose(0, 3, 1, 2) + w.inputs[:, -1:]


def full_pose_ridge_leave_one_clip_out(w: Windows, ridge: float = 100.0, frames: int = 10) -> np.ndarray:
    last = w.inputs[:, -1:]
    feats = np.concatenate([(w.inputs[:, -frames:] - last).reshape(len(w), -1), last.reshape(len(w), -1)], axis=1)
    target = (w.targets - last).reshape(len(w), -1)
    pred = np.empty_like(target)
    eye = ridge * np.eye(feats.shape[1])
    for clip in np.unique(w.clip_index):
        train, test = w.clip_index != clip, w.clip_index == clip
        if not train.any():  # a subject with one clip has nothing to learn from
            pred[test] = 0.0
            continue
        b = np.linalg.solve(feats[train].T @ feats[train] + eye, feats[train].T @ target[train])
        pred[test] = feats[test] @ b
    return pred.reshape(w.targets.shape) + last


def ceilings(clips: dict[str, np.ndarray]) -> dict[str, dict]:
    shared = fit_shared_linear(make_windows(clips))
    out = {}
    for s, names in groups(list(clips), "prefix").items():
        w = make_windows({k: clips[k] for k in names})
        if not len(w):
            continue
        zv = _mae(zero_velocity(w.inputs, w.targets.shape[1]), w.targets)
        out[s] = {"windows": len(w), "clips": len(np.unique(w.clip_index)), "zero_velocity_mae": zv,
                  "shared_linear_in_sample": 1 - _mae(apply_shared_linear(w, fit_shared_linear(w)), w.targets) / zv,
                  "shared_linear_all_subjects_in_sample": 1 - _mae(apply_shared_linear(w, shared), w.targets) / zv,
                  "full_pose_ridge_leave_one_clip_out":
                      1 - _mae(full_pose_ridge_leave_one_clip_out(w), w.targets) / zv}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("keypoints", type=Path, help="CMU keypoint .npz (clip names start with the subject)")
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args()
    result = ceilings(load_clips(a.keypoints))
    if a.json:
        print(json.dumps(result, indent=2))
        return
    keys = ("shared_linear_in_sample", "shared_linear_all_subjects_in_sample", "full_pose_ridge_leave_one_clip_out")
    print("| subject | windows | clips | shared linear map fitted on the subject | one shared map fitted on all "
          "subjects | full-pose ridge, the subject's other clips |\n|---|---|---|---|---|---|")
    for s, r in result.items():
        print(f"| {s} | {r['windows']:,} | {r['clips']} | " + " | ".join(f"{-100 * r[k]:+.1f} %" for k in keys) + " |")
    print("| **mean** | | | " + " | ".join(f"**{-100 * np.mean([r[k] for r in result.values()]):+.1f} %**"
                                          for k in keys) + " |")
    print("(MAE over the second vs zero-velocity; negative = better than zero-velocity. Every figure is fitted on "
          "the person it is scored on: an upper bound, not a result.)")


if __name__ == "__main__":
    main()
