"""Videos (+ a labels CSV) -> keypoint dataset, through the shipped perception path.

Every frame goes, at its own stamp, through the perception core as the node runs it (KeypointPipeline with
the node's defaults: the lite model, `roi` for several people, One-Euro smoothing, track ids). Each tracked
person becomes clips of their own, cut where the track has a gap longer than the predictor's `max_gap_s`
(the live window restarts there too), and resampled from the camera's rate to 30 FPS by the live window's
own interpolation (`window.resample`: positions linearly, confidences by the lower neighbour). The confidence
MediaPipe gave each keypoint is kept beside it (0 outside the image, as the predictor's validation sets it),
unseen keypoints included, so training and evaluation treat them as the predictor does (visibility.py).

Resumable: each finished video is cached in `<out>.cache/` under a name that carries the settings.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from nvhai_predictor.visibility import inside_image
from nvhai_predictor.window import WindowConfig, resample
from nvhai_training.keypoint_dataset import save_clips
from nvhai_training.label_map import video_label

VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm"}


@dataclass(frozen=True)
class ExtractConfig:
    max_people: int = 1  # tracked at once: the node's default (more runs `roi`, as the node does)
    max_side: int = 0  # downscale frames whose longer side exceeds this, as the video source node can (0 = keep)
    rate_hz: float = WindowConfig.rate_hz  # the datasets' (and the model's) frame rate
    max_gap_s: float = WindowConfig.max_gap_s  # a track's clip ends at a longer gap, as the live window restarts
    min_seconds: float = 1.0  # shorter pieces of a track are left out
    min_found: float = 0.5  # a video in which someone is found in fewer of its frames is reported, not kept

    def signature(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:10]


@dataclass
class VideoPeople:
    """What perception saw in one video: per person id, stamps (N,) and [x/h, y/h, confidence] rows (N, 17, 3)."""

    tracks: dict[int, tuple[np.ndarray, np.ndarray]]
    frames: int
    found: int  # frames with at least one person
    fps: float
    width: int
    height: int


def video_people(path: str | Path, config: ExtractConfig = ExtractConfig(), progress: bool = False,
                 max_frames: int | None = None) -> VideoPeople:
    """Run the node's perception core over every frame of a video (or its first `max_frames`), at the video's
    own frame times."""
    from nvhai_perception.frame_source import FrameSource
    from nvhai_perception.pipeline import KeypointPipeline, PipelineConfig

    try:
        source = FrameSource(path, max_side=config.max_side)
    except ValueError as e:
        raise OSError(str(e)) from None
    times: dict[int, list[float]] = {}
    rows: dict[int, list[np.ndarray]] = {}
    frames = found = width = height = 0
    pipeline = KeypointPipeline(PipelineConfig(smoothing=True, max_people=config.max_people))
    try:
        for frame in tqdm(source, desc=Path(path).stem, unit="frame", leave=False, disable=not progress):
            if max_frames is not None and frames >= max_frames:
                break
            height, width = frame.rgb.shape[:2]
            people = pipeline.process(frame.rgb, frame.t)
            frames += 1
            found += bool(people)
            for p in people:  # confidence 0 outside the image, as the predictor's validation sets it
                conf = np.where(inside_image(p.xy, width, height), p.confidence, 0.0)
                times.setdefault(p.person_id, []).append(frame.t)
                rows.setdefault(p.person_id, []).append(
                    np.concatenate([p.xy / height, conf[:, None]], axis=1).astype(np.float32))
    finally:
        pipeline.close()
    if not frames:
        raise OSError(f"no frame could be decoded from {path}")
    return VideoPeople({pid: (np.asarray(times[pid]), np.stack(rows[pid])) for pid in times}, frames, found,
                       source.fps, width, height)


def track_clips(times: np.ndarray, rows: np.ndarray, config: ExtractConfig = ExtractConfig()
                ) -> list[tuple[float, np.ndarray]]:
    """One person's samples -> [(start time, (T, 17, 3) clip at rate_hz)], cut at gaps over max_gap_s. Samples with
    fewer than the window's min_visible seen keypoints are left out first, as the live window skips them."""
    window = WindowConfig()
    keep = (rows[..., 2] >= window.min_confidence).sum(-1) >= window.min_visible
    times, rows = times[keep], rows[keep]
    if not len(times):
        return []
    cuts = np.flatnonzero(np.diff(times) > config.max_gap_s) + 1
    out = []
    for t, r in zip(np.split(times, cuts), np.split(rows, cuts), strict=True):
        span = t[-1] - t[0] if len(t) > 1 else 0.0
        if span < config.min_seconds:
            continue
        grid = t[0] + np.arange(int(span * config.rate_hz + 1e-6) + 1) / config.rate_hz
        xy, conf = resample(t, r[..., :2], grid), resample(t, r[..., 2], grid, lowest=True)
        out.append((float(t[0]), np.concatenate([xy, conf[..., None]], axis=-1).astype(np.float32)))
    return out


def video_clips(path: Path, config: ExtractConfig, progress: bool = False) -> tuple[dict[str, np.ndarray],
                                                                                    dict[str, dict], float]:
    """Clips named `<video>_p<id>` (then `_<k>` for a track's later pieces), their metadata, and the share of
    frames in which someone was found."""
    seen = video_people(path, config, progress)
    clips, meta = {}, {}
    for pid, (times, rows) in sorted(seen.tracks.items()):
        for k, (start, clip) in enumerate(track_clips(times, rows, config)):
            name = f"{path.stem}_p{pid}" + (f"_{k}" if k else "")
            clips[name] = clip
            meta[name] = {"video": path.stem, "person": f"{path.stem}_p{pid}", "person_id": pid,
                          "start_s": round(start, 4), "source_fps": round(seen.fps, 3),
                          "image_width": seen.width, "image_height": seen.height}
    return clips, meta, seen.found / seen.frames


def read_video_labels(path: str | Path) -> tuple[dict[str, str], dict[str, dict]]:
    """A labels CSV -> (video stem -> emotion label, video stem -> its other columns).

    Either `clip,emotion` (emotion one of the model's labels) or `file,label[,...]` as in
    ../shared/data/real_video/labels.csv (label mapped by label_map.VIDEO_LABELS; framing, source and the
    other columns become each clip's metadata, so `evaluate --group-by framing` works)."""
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        columns = set(reader.fieldnames or [])
        if {"clip", "emotion"} <= columns:
            key, value, mapped = "clip", "emotion", False
        elif {"file", "label"} <= columns:
            key, value, mapped = "file", "label", True
        else:
            raise ValueError(f"{path}: the first line must name the columns clip,emotion or file,label "
                             f"(found {reader.fieldnames})")
        labels, meta = {}, {}
        for r in reader:
            if not r[key] or r[value] is None:
                raise ValueError(f"{path}: line {reader.line_num} has no {key if not r[key] else value} column: {r}")
            stem = Path(r[key]).stem
            try:
                label = video_label(r[value]) if mapped else r[value]
            except ValueError as e:
                raise ValueError(f"{path}: line {reader.line_num}: {e}") from None
            if label is not None:
                labels[stem] = label
            meta[stem] = {k: v for k, v in r.items() if k not in (key, value) and k is not None and v is not None}
            if mapped:
                meta[stem]["video_label"] = r[value]
    return labels, meta


def extract(videos: str | Path, out: str | Path, labels_csv: str | Path | None = None,
            config: ExtractConfig = ExtractConfig(), progress: bool = True) -> dict[str, list[str]]:
    """Extract every video under `videos`; returns {'done': [...], 'no_person': [...], 'unreadable': [...]}
    (video stems) and writes the clips, their labels and metadata to `out`."""
    files = sorted(p for p in Path(videos).iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    labels, video_meta = read_video_labels(labels_csv) if labels_csv else ({}, {})
    cache = Path(str(out) + ".cache")
    cache.mkdir(parents=True, exist_ok=True)
    sig = config.signature()
    report: dict[str, list[str]] = {"done": [], "no_person": [], "unreadable": []}
    clips: dict[str, np.ndarray] = {}
    metadata: dict[str, dict] = {}
    for path in tqdm(files, desc="extract", unit="video", disable=not progress):
        cached, skipped = cache / f"{path.stem}.{sig}.npz", cache / f"{path.stem}.{sig}.no_person"
        if skipped.exists():
            report["no_person"].append(path.stem)
            continue
        if not cached.exists():
            try:
                found_clips, found_meta, found = video_clips(path, config, progress)
            except OSError:
                report["unreadable"].append(path.stem)
                continue
            if found < config.min_found or not found_clips:
                skipped.write_text(f"a person found in {found:.0%} of frames, {len(found_clips)} clips of "
                                   f">= {config.min_seconds} s\n")
                report["no_person"].append(path.stem)
                continue
            np.savez_compressed(cached, **found_clips)
            cached.with_suffix(".json").write_text(json.dumps(found_meta))
        with np.load(cached) as data:
            video = {k: data[k] for k in data.files}
        for name, meta in json.loads(cached.with_suffix(".json").read_text()).items():
            metadata[name] = {**video_meta.get(path.stem, {}), **meta}
        clips.update(video)
        report["done"].append(path.stem)
    if not clips:  # an empty dataset in place of a result helps nobody
        raise ValueError(f"no clip extracted from {videos} ({len(files)} videos; no person found in "
                         f"{len(report['no_person'])}, unreadable {len(report['unreadable'])}): nothing written to {out}")
    clip_labels = {name: labels[m["video"]] for name, m in metadata.items() if m["video"] in labels}
    save_clips(out, clips, clip_labels, metadata)
    return report
