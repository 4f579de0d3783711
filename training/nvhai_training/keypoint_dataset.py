"""The keypoint dataset format used everywhere, and training windows cut from it.

Format: an .npz with one array per clip, (T, 17, 2) or (T, 17, 3) (x, y in image heights: pixels / image
height, so a square pixel is square as on a live camera; optional confidence), 30 FPS, COCO-17 order.
Files normalised per axis (x / width, y / height: the 640x480 renders in ../shared/data) come in through
`to_square_pixels`; left as they are, every pose is W/H times too narrow for the model. Emotion labels, when known, live in a
sidecar CSV `<name>.labels.csv` (`clip,emotion`), per-clip metadata (e.g. Bandai's content and
style) in `<name>.meta.json` (`{"clips": {clip: {...}}}`; `<name>_meta.json` is read too).
Windows come from nvhai_predictor's `sliding_windows`, `complete_future` (keypoints below the window's
`min_confidence` are unseen and completed, visibility.py) and `normalize`: the code the live node runs.
A training set is assembled from file specs (`load_windows`): `file.npz`, `file.npz@STRIDE` (that file's own
window stride), `file.npz:WEIGHT` (its forecast loss weight) or `file.npz@STRIDE:WEIGHT`, as `nvhai-train train
--train/--test` take them.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from nvhai_common.coco17 import NUM_KEYPOINTS
from nvhai_predictor.contract import EMOTION_LABELS
from nvhai_predictor.normalization import normalize
from nvhai_predictor.visibility import complete_future
from nvhai_predictor.window import WindowConfig, sliding_windows

UNLABELED = -1


def labels_path(npz: str | Path) -> Path:
    npz = Path(npz)
    return npz.with_name(npz.name.removesuffix(".npz") + ".labels.csv")


def meta_path(npz: str | Path) -> Path:
    npz = Path(npz)
    return npz.with_name(npz.name.removesuffix(".npz") + ".meta.json")


def load_metadata(npz: str | Path) -> dict[str, dict]:
    """clip -> metadata dict from the sidecar JSON, {} if there is none."""
    npz = Path(npz)
    for path in (meta_path(npz), npz.with_name(npz.name.removesuffix(".npz") + "_meta.json")):
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8-sig"))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}: not JSON ({e})") from None
            clips = data.get("clips", data) if isinstance(data, dict) else data
            if not isinstance(clips, dict) or not all(isinstance(v, dict) for v in clips.values()):
                raise ValueError(f"{path}: expected {{\"clips\": {{clip: {{field: value}}}}}}, found a "
                                 f"{type(clips).__name__}")
            return clips
    return {}


def load_clips(path: str | Path) -> dict[str, np.ndarray]:
    """Every clip of a keypoint .npz, refused (ValueError naming the clip) unless finite and (T, 17, 2|3)."""
    try:
        with np.load(path) as data:
            clips = {name: data[name] for name in data.files}
    except (ValueError, OSError, KeyError, EOFError, zipfile.BadZipFile) as e:  # pickled, damaged, not a zip
        raise ValueError(f"{path}: not a keypoint .npz of .npy arrays ({type(e).__name__}: "
                         f"{str(e).splitlines()[0] if str(e) else 'unreadable'})") from None
    for name, clip in clips.items():
        if not isinstance(clip, np.ndarray):  # np.load hands back the raw bytes of a member that is no .npy
            raise ValueError(f"{path}: not a keypoint .npz: member '{name}' is not an .npy array")
        if clip.ndim != 3 or clip.shape[1] != NUM_KEYPOINTS or clip.shape[2] not in (2, 3):
            raise ValueError(f"{path}: clip '{name}' has shape {clip.shape}, expected (T, 17, 2|3)")
        if not np.issubdtype(clip.dtype, np.number) or np.iscomplexobj(clip):
            raise ValueError(f"{path}: clip '{name}' has dtype {clip.dtype}, expected real numbers")
        bad = ~np.isfinite(clip)
        if bad.any():
            frame = int(np.argwhere(bad)[0][0])
            raise ValueError(f"{path}: clip '{name}' has {int(bad.sum())} NaN/inf values (first at frame {frame}): "
                             "fix or drop the clip")
    return clips


def load_labels(npz: str | Path) -> dict[str, str]:
    """clip -> emotion label from the sidecar CSV, {} if there is none."""
    path = labels_path(npz)
    if not path.exists():
        return {}
    rows = read_label_rows(path)
    unknown = set(rows.values()) - set(EMOTION_LABELS)
    if unknown:
        raise ValueError(f"{path}: unknown emotion labels {sorted(unknown)} (known: {EMOTION_LABELS})")
    return rows


def read_label_rows(path: str | Path) -> dict[str, str]:
    """clip -> label of a `clip,emotion` CSV; an Excel byte-order mark is skipped, a short row is one line naming it."""
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        if not {"clip", "emotion"} <= set(reader.fieldnames or []):
            raise ValueError(f"{path}: the first line must be the header 'clip,emotion' (found {reader.fieldnames})")
        rows = {}
        for r in reader:
            if not r["clip"] or r["emotion"] is None:
                raise ValueError(f"{path}: line {reader.line_num} has no {'clip' if not r['clip'] else 'emotion'} "
                                 f"column: {r}")
            rows[r["clip"]] = r["emotion"]
    return rows


X_SCALE = "x_scale"  # metadata field: the factor to_square_pixels applied to the clip's x


def to_square_pixels(clips: dict[str, np.ndarray], metadata: dict[str, dict], aspect: float
                     ) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
    """Clips normalised per axis (x / W, y / H) -> image heights (x * W/H), `aspect` = W/H.

    The factor is written into each clip's metadata, and a clip that already carries one is refused:
    converting twice would make every pose too wide instead of too narrow."""
    if aspect == 1.0:
        return clips, metadata
    done = sorted(k for k in clips if X_SCALE in metadata.get(k, {}))
    if done:
        raise ValueError(f"clip '{done[0]}' (and {len(done) - 1} more) is already in square pixels "
                         f"({X_SCALE} {metadata[done[0]][X_SCALE]:g} in its metadata): drop --image-aspect")
    out, meta = {}, dict(metadata)
    for name, clip in clips.items():
        clip = np.array(clip, dtype=np.float32)
        clip[..., 0] *= aspect
        out[name] = clip
        meta[name] = {**metadata.get(name, {}), X_SCALE: aspect}
    return out, meta


def save_clips(path: str | Path, clips: dict[str, np.ndarray], labels: dict[str, str] | None = None,
               metadata: dict[str, dict] | None = None) -> None:
    np.savez_compressed(path, **{k: np.asarray(v, np.float32) for k, v in clips.items()})
    if metadata:
        meta_path(path).write_text(json.dumps({"clips": {k: metadata[k] for k in sorted(clips) if k in metadata}}))
    if labels:
        with labels_path(path).open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["clip", "emotion"])
            writer.writerows(sorted(labels.items()))


@dataclass
class Windows:
    """Normalised training windows: inputs (N, T_in, 17, 2), targets (N, T_out, 17, 2), labels (N,),
    forecast_weight (N,): how much each window's forecast error counts in training (1 by default;
    0 = the window teaches the emotion head only), warp_share (N,): the chance time-warp augmentation
    slows and holds the window (NaN by default: the run's --time-warp share; 0: never), and target_seen
    (N, T_out, 17): which target keypoints the camera saw (all by default), the only ones scored."""

    inputs: np.ndarray
    targets: np.ndarray
    labels: np.ndarray
    clip_index: np.ndarray
    forecast_weight: np.ndarray | None = None
    warp_share: np.ndarray | None = None
    target_seen: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.forecast_weight is None:
            self.forecast_weight = np.ones(len(self.inputs), np.float32)
        if self.warp_share is None:
            self.warp_share = np.full(len(self.inputs), np.nan, np.float32)
        if self.target_seen is None:
            self.target_seen = np.ones(self.targets.shape[:3], bool)

    def __len__(self) -> int:
        return len(self.inputs)

    def select(self, mask: np.ndarray) -> Windows:
        return Windows(*(getattr(self, f)[mask] for f in _FIELDS))

    @staticmethod
    def concat(parts: list[Windows]) -> Windows:
        return Windows(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))


_FIELDS = ("inputs", "targets", "labels", "clip_index", "forecast_weight", "warp_share", "target_seen")


def clip_seen(clip: np.ndarray, min_confidence: float = WindowConfig.min_confidence) -> np.ndarray:
    """(T, 17) which keypoints of a (T, 17, 2|3) clip were seen: all of a clip without confidences."""
    if clip.shape[-1] < 3:
        return np.ones(clip.shape[:2], bool)
    return clip[..., 2] >= min_confidence


def window_pairs(clip: np.ndarray, t_in: int = 60, t_out: int = 30, stride: int = 1, chunk: int = 1024
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One clip -> normalised inputs (N, t_in, 17, 2), targets (N, t_out, 17, 2) and target_seen (N, t_out, 17),
    unseen keypoints completed as the live window completes them (visibility.complete_future)."""
    x, y = sliding_windows(clip[..., :2].astype(np.float32), t_in, t_out, stride)
    xs, ys = sliding_windows(clip_seen(clip), t_in, t_out, stride)
    inputs, targets = np.empty(x.shape, np.float32), np.empty(y.shape, np.float32)
    for i in range(0, len(x), chunk):  # completion works in float64 on all frames of a batch at once
        xc, yc = complete_future(x[i:i + chunk], y[i:i + chunk], xs[i:i + chunk], ys[i:i + chunk])
        inputs[i:i + chunk], targets[i:i + chunk] = normalize(xc)[0], normalize(yc)[0]
    return inputs, targets, ys


def make_windows(clips: dict[str, np.ndarray], labels: dict[str, str] | None = None, t_in: int = 60,
                 t_out: int = 30, stride: int = 1) -> Windows:
    """Cut every clip into (input, what followed) windows, each frame normalised on its own."""
    labels = labels or {}
    parts = []
    for i, (name, clip) in enumerate(sorted(clips.items())):
        x, y, seen = window_pairs(clip, t_in, t_out, stride)
        if not len(x):
            continue
        label = EMOTION_LABELS.index(labels[name]) if name in labels else UNLABELED
        parts.append(Windows(x, y, np.full(len(x), label, np.int64), np.full(len(x), i, np.int64), target_seen=seen))
    if not parts:
        return Windows(np.empty((0, t_in, NUM_KEYPOINTS, 2), np.float32),
                       np.empty((0, t_out, NUM_KEYPOINTS, 2), np.float32),
                       np.empty(0, np.int64), np.empty(0, np.int64))
    return Windows.concat(parts)


def samples_to_windows(samples: np.ndarray, label_ids: np.ndarray, t_in: int = 60, t_out: int = 30) -> Windows:
    """(N, t_in + t_out, 17, 2) generated samples (one window each) -> Windows."""
    x, y = samples[:, :t_in], samples[:, t_in:t_in + t_out]
    return Windows(normalize(x)[0].astype(np.float32), normalize(y)[0].astype(np.float32),
                   label_ids.astype(np.int64), np.arange(len(samples)))


def split_spec(text: str) -> tuple[str, str, str]:
    """`file.npz@STRIDE:WEIGHT` -> (path, stride, weight), either of the last two '' when not given."""
    spec, _, weight = text.partition(":")
    path, _, stride = spec.partition("@")
    return path, stride, weight


def load_windows(specs: list[str], stride: int, t_in: int, t_out: int, no_warp: Sequence[str] = (),
                 warp_share: Sequence[tuple[str, float]] = ()) -> Windows:
    """Windows of every file. `file.npz@4` gives that file its own stride (e.g. to thin a large set),
    `file.npz:0.2` weighs its forecast error by 0.2 (0: it trains the emotion head only); both: `f.npz@4:0.2`.
    Files whose path matches a `no_warp` pattern (fnmatch) are never time-warped; one matching a
    `warp_share` pattern is warped at that pattern's share (the first that matches) instead of the run's."""
    shares = [(pattern, 0.0) for pattern in no_warp] + list(warp_share)  # a skip is share 0, and comes first
    parts = []
    for spec in tqdm(specs, desc="load", unit="file", disable=len(specs) < 2):
        path, own, weight = split_spec(spec)
        file_stride = int(own) if own else stride
        clips = load_clips(path)
        lengths = {len(c) for c in clips.values()}
        if lengths == {t_in + t_out} and len(clips) > 1000:  # generated samples: one window each, fast path
            labels = load_labels(path)
            names = sorted(clips)
            ids = np.array([EMOTION_LABELS.index(labels[n]) if n in labels else -1 for n in names])
            parts.append(samples_to_windows(np.stack([clips[n][..., :2] for n in names]), ids, t_in, t_out))
        else:
            parts.append(make_windows(clips, load_labels(path), t_in, t_out, file_stride))
        if weight:
            parts[-1].forecast_weight[:] = float(weight)
        own_share = next((share for pattern, share in shares if fnmatch.fnmatch(path, pattern)), None)
        if own_share is not None:
            parts[-1].warp_share[:] = own_share
    return Windows.concat(parts)
