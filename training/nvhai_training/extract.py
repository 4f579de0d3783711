"""Video clips (+ labels CSV) -> keypoint dataset, with MediaPipe through the perception core.

Resumable: each finished clip is cached in `<out>.cache/`, so an interrupted run picks up where
it stopped. Clips in which nobody is found in most frames are reported and left out.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from nvhai_perception.pose_estimator import PoseEstimator
from nvhai_training.keypoint_dataset import read_label_rows, save_clips

VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm"}


def video_keypoints(path: Path, fps: float = 30.0, max_frames: int | None = None) -> tuple[np.ndarray, float]:
    """(T, 17, 3) [x/height, y/height, confidence] (square pixels) at `fps` and the fraction of frames with a person."""
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise OSError(f"cannot open video {path}")
    src_fps = cap.get(cv2.CAP_PROP_FPS) or fps
    rows, found = [], 0
    last = np.zeros((17, 3), np.float32)
    next_t, i = 0.0, 0
    with PoseEstimator(static_image_mode=False) as estimator:
        while max_frames is None or len(rows) < max_frames:
            ok, bgr = cap.read()
            if not ok:
                break
            t = i / src_fps
            i += 1
            if t + 0.5 / src_fps < next_t:  # resample to `fps` by nearest frame
                continue
            next_t += 1.0 / fps
            h = bgr.shape[0]
            people = estimator.estimate(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            if people:
                p = people[0]
                last = np.concatenate([p.xy / h, p.confidence[:, None]], axis=1).astype(np.float32)
                found += 1
                rows.append(last)
            else:  # nobody: keep the last position, confidence 0
                rows.append(np.concatenate([last[:, :2], np.zeros((17, 1), np.float32)], axis=1))
    cap.release()
    return np.stack(rows) if rows else np.zeros((0, 17, 3), np.float32), found / max(len(rows), 1)


def read_labels_csv(path: str | Path) -> dict[str, str]:
    return {Path(clip).stem: label for clip, label in read_label_rows(path).items()}


def extract(videos: str | Path, out: str | Path, labels_csv: str | Path | None = None, min_found: float = 0.5,
            progress: bool = True) -> dict[str, list[str]]:
    """Extract every video under `videos`; returns {'done': [...], 'no_person': [...], 'unreadable': [...]}."""
    files = sorted(p for p in Path(videos).iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    cache = Path(str(out) + ".cache")
    cache.mkdir(parents=True, exist_ok=True)
    labels = read_labels_csv(labels_csv) if labels_csv else {}
    report: dict[str, list[str]] = {"done": [], "no_person": [], "unreadable": []}
    for path in tqdm(files, desc="extract", unit="clip", disable=not progress):
        cached = cache / f"{path.stem}.npy"
        skipped = cache / f"{path.stem}.no_person"
        if skipped.exists():
            report["no_person"].append(path.stem)
            continue
        if not cached.exists():
            try:
                keypoints, found = video_keypoints(path)
            except OSError:
                report["unreadable"].append(path.stem)
                continue
            if found < min_found:
                skipped.write_text(f"person found in {found:.0%} of frames\n")
                report["no_person"].append(path.stem)
                continue
            np.save(cached, keypoints)
        report["done"].append(path.stem)
    clips = {name: np.load(cache / f"{name}.npy") for name in report["done"]}
    if not clips:  # an empty dataset in place of a result helps nobody
        raise ValueError(f"no clip extracted from {videos} ({len(files)} videos; no person found in "
                         f"{len(report['no_person'])}, unreadable {len(report['unreadable'])}): nothing written to {out}")
    save_clips(out, clips, {k: v for k, v in labels.items() if k in clips})
    return report
