"""Do the held-out labels agree with what the training labels teach? A data study, no network.

    python training/recipes/label_conflicts.py --train runs/default/bandai_train.npz runs/default/cmu.npz \\
        --heldout runs/default/bandai_d1.npz runs/default/bandai_heldout_d2.npz [--json]

(labelled files written by default_model.sh, with their .labels.csv; .meta.json adds styles). Every
60-frame window (stride 10) is reduced to two cues a 2D skeleton shows of a greeting:
  - raised: share of its frames with a wrist above its own shoulder;
  - speed: mean over its frames of the faster wrist's motion relative to the shoulder centre, in torso
    lengths per frame.
A lookup classifier is fitted on the training windows: the (raised, speed) plane is cut into cells
(raised in 6 bins, speed in 10 training quantiles) and each cell answers its training majority
(`neutral` or a positive display). On the held-out windows it gives "not neutral" recall and
positive_rate on neutral windows, as `evaluate` defines them, and names the style groups it gets wrong.
It is no bound on a network, which sees more than two cues; it shows which held-out windows look, by
these cues, like training windows of the other label: for those, following the training labels means
getting them wrong.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from nvhai_common.coco17 import HIPS, SHOULDERS, WRISTS
from nvhai_predictor.window import sliding_windows
from nvhai_training.keypoint_dataset import load_clips, load_labels, load_metadata
from nvhai_training.label_map import NEUTRAL

T_IN, T_OUT, STRIDE = 60, 30, 10
RAISED_BINS = np.array([1e-9, 0.2, 0.4, 0.6, 0.8])  # 6 cells: exactly 0, then fifths


def cues(windows: np.ndarray) -> np.ndarray:
    """(N, T, 17, 2) image-coordinate windows (y down) -> (N, 2): raised share, wrist speed."""
    shoulders, wrists = windows[:, :, SHOULDERS], windows[:, :, WRISTS]
    centre = shoulders.mean(2, keepdims=True)
    torso = np.linalg.norm(centre[:, :, 0] - windows[:, :, HIPS].mean(2), axis=-1).mean(1)
    raised = (wrists[..., 1] < shoulders[..., 1]).any(-1).mean(1)
    relative = (wrists - centre) / np.maximum(torso, 1e-6)[:, None, None, None]
    speed = np.linalg.norm(np.diff(relative, axis=1), axis=-1).max(-1).mean(1)
    return np.stack([raised, speed], 1)


def labelled_windows(paths: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Cues, positive flag (label is not neutral) and group name (file, content/style) of every labelled
    window of the files."""
    feats, positive, groups = [], [], []
    for path in paths:
        clips, labels, meta = load_clips(path), load_labels(path), load_metadata(path)
        for name in sorted(clips):
            if name not in labels:
                continue
            x, _ = sliding_windows(clips[name][..., :2].astype(np.float32), T_IN, T_OUT, STRIDE)
            if not len(x):
                continue
            m = meta.get(name, {})
            group = f"{m['content']}/{m['style']}" if "content" in m else name.split("_", 1)[0]
            feats.append(cues(x))
            positive += [labels[name] != NEUTRAL] * len(x)
            groups += [f"{Path(path).stem}: {group}"] * len(x)
    if not feats:
        raise ValueError(f"no labelled window in {paths}")
    return np.concatenate(feats), np.array(positive), groups


class CueLookup:
    """Majority label per (raised, speed) cell of the training windows; cells without any answer neutral."""

    def __init__(self, feats: np.ndarray, positive: np.ndarray) -> None:
        self.speed_bins = np.quantile(feats[:, 1], np.linspace(0, 1, 11)[1:-1])
        cells = self._cells(feats)
        pos = np.bincount(cells, positive, minlength=60)
        total = np.bincount(cells, minlength=60)
        self.answer = pos > total - pos

    def _cells(self, feats: np.ndarray) -> np.ndarray:
        return np.digitize(feats[:, 0], RAISED_BINS) * 10 + np.digitize(feats[:, 1], self.speed_bins)

    def predict(self, feats: np.ndarray) -> np.ndarray:
        return self.answer[self._cells(feats)]


def figures(claimed: np.ndarray, positive: np.ndarray, groups: list[str]) -> dict:
    wrong = defaultdict(lambda: [0, 0])
    for c, p, g in zip(claimed, positive, groups, strict=True):
        wrong[g][0] += int(c != p)
        wrong[g][1] += 1
    return {"windows": len(positive),
            "not_neutral_recall": float(claimed[positive].mean()) if positive.any() else None,
            "neutral_positive_rate": float(claimed[~positive].mean()) if (~positive).any() else None,
            "groups_mostly_wrong": sorted(g for g, (w, n) in wrong.items() if w > n / 2)}


def study(train: list[str], heldout: list[str]) -> dict:
    feats, positive, groups = labelled_windows(train)
    lookup = CueLookup(feats, positive)
    out = {"train_in_sample": figures(lookup.predict(feats), positive, groups), "heldout": {}}
    for path in heldout:
        f, p, g = labelled_windows([path])
        out["heldout"][Path(path).stem] = figures(lookup.predict(f), p, g)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", nargs="+", required=True, help="labelled training files (.npz + .labels.csv)")
    parser.add_argument("--heldout", nargs="+", required=True, help="labelled held-out files, one set each")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = study(args.train, args.heldout)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print("| windows of | \"not neutral\" recall | positive_rate on neutral | groups mostly wrong |\n|---|---|---|---|")
    for name, r in [("training (in sample)", result["train_in_sample"]), *result["heldout"].items()]:
        def fmt(v: float | None) -> str:
            return "-" if v is None else f"{v:.3f}"
        print(f"| {name} | {fmt(r['not_neutral_recall'])} | {fmt(r['neutral_positive_rate'])} | "
              f"{'; '.join(r['groups_mostly_wrong']) or '-'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
