"""Score an exported model on any keypoint set, through the predictor's own onnxruntime runner.

JSON keys (stable, documented in docs/training.md):
  model, keypoints, clips, windows, stride,
  model_metrics / zero_velocity / constant_velocity: {mae, mae_5, mae_10, mae_20, mae_30},
  model_metrics.accuracy (null without labels), improvement_vs_zero_velocity (1 - mae/mae_zv; null when mae_zv is 0),
  labels, emotion_distribution (share of windows per argmax label), confident_distribution (share of windows
  per argmax label with probability >= 0.5), positive_rate (share of windows
  whose top label is not "neutral" with probability >= 0.5), emotion: {recall per label, confusion
  (rows: true label, columns: predicted; [] without labels), not_neutral_recall (share of windows labelled
  with a positive display whose top label is a positive display with p >= 0.5), neutral_positive_rate
  (positive_rate over the windows labelled neutral)},
  groups (with --group-by): per group the same forecast metrics, windows, emotion_distribution, positive_rate,
  label_switches (with --label-switches): {ema | raw: {per_min, minutes, clips, clips_at_most_6_per_min}},
  online (with --online): each person's clips streamed through the live predictor core, the same forecast keys
  plus by_watch_time and groups per person (online_eval.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from nvhai_predictor.contract import NEUTRAL_LABEL
from nvhai_predictor.model_runner import ModelRunner
from nvhai_training.keypoint_dataset import Windows, load_clips, load_labels, load_metadata, make_windows
from nvhai_training.label_stability import label_switches
from nvhai_training.metrics import accuracy, constant_velocity, forecast_metrics, zero_velocity
from nvhai_training.protocol import check_grouping, group_of

POSITIVE_THRESHOLD = 0.5


def run_onnx(runner: ModelRunner, windows: Windows, batch: int = 256,
             progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    futures, probs = [], []
    for i in tqdm(range(0, len(windows), batch), desc="evaluate", unit="batch", disable=not progress):
        preds = runner.run(windows.inputs[i:i + batch])
        bad = [p.problem for p in preds if p.problem]
        if bad:
            raise ValueError(f"model {runner.path} gave unusable output for {len(bad)} window(s): {bad[0]}")
        futures.append(np.stack([p.future for p in preds]))
        probs.append(np.stack([p.emotion_probs for p in preds]))
    return np.concatenate(futures), np.concatenate(probs)


def positive_display(probs: np.ndarray, labels: list[str]) -> np.ndarray:
    """Per window, whether a positive display is claimed: the top label is not neutral, with p >= 0.5."""
    confident = probs.max(axis=1) >= POSITIVE_THRESHOLD
    if NEUTRAL_LABEL not in labels:
        return confident
    return (probs.argmax(axis=1) != labels.index(NEUTRAL_LABEL)) & confident


def emotion_figures(probs: np.ndarray, labels: list[str]) -> dict:
    """The product figures: how often each label is on top (and on top with p >= 0.5: what the avatar answers),
    and how often a positive display is claimed."""
    top = probs.argmax(axis=1)
    confident = probs.max(axis=1) >= POSITIVE_THRESHOLD
    return {"emotion_distribution": {lab: float((top == i).mean()) for i, lab in enumerate(labels)},
            "confident_distribution": {lab: float(((top == i) & confident).mean()) for i, lab in enumerate(labels)},
            "positive_rate": float(positive_display(probs, labels).mean())}


def recall_figures(probs: np.ndarray, truth: np.ndarray, labels: list[str],
                   train_labels: tuple[str, ...]) -> dict:
    """Per-label recall and the confusion matrix over labelled windows (truth indexes `train_labels`)."""
    known = truth >= 0
    if not known.any():
        return {"recall": {}, "confusion": [], "not_neutral_recall": None, "neutral_positive_rate": None}
    names = [train_labels[i] for i in truth[known]]
    if any(n not in labels for n in names):
        missing = sorted({n for n in names if n not in labels})
        raise ValueError(f"the data is labelled {missing}, which the model does not know (its labels: {labels})")
    t = np.array([labels.index(n) for n in names])
    p = probs[known].argmax(axis=1)
    confusion = np.zeros((len(labels), len(labels)), int)
    np.add.at(confusion, (t, p), 1)
    recall = {lab: (float(confusion[i, i] / confusion[i].sum()) if confusion[i].sum() else None)
              for i, lab in enumerate(labels)}
    out = {"recall": recall, "confusion": confusion.tolist(), "not_neutral_recall": None,
           "neutral_positive_rate": None}
    if NEUTRAL_LABEL in labels:
        n = labels.index(NEUTRAL_LABEL)
        claimed = positive_display(probs[known], labels)
        if (t != n).any():
            out["not_neutral_recall"] = float(claimed[t != n].mean())
        if (t == n).any():
            out["neutral_positive_rate"] = float(claimed[t == n].mean())
    return out


def _forecast_block(future: np.ndarray, windows: Windows, t_out: int) -> dict:
    seen = windows.target_seen
    model_metrics: dict = dict(forecast_metrics(future, windows.targets, seen))
    zv = forecast_metrics(zero_velocity(windows.inputs, t_out), windows.targets, seen)
    cv = forecast_metrics(constant_velocity(windows.inputs, t_out), windows.targets, seen)
    return {"windows": len(windows), "model_metrics": model_metrics, "zero_velocity": zv, "constant_velocity": cv,
            # null when zero-velocity is exact (nobody moved): there is nothing to improve on
            "improvement_vs_zero_velocity": 1.0 - model_metrics["mae"] / zv["mae"] if zv["mae"] > 0 else None}


def evaluate(model_path: str | Path, keypoints: str | Path, stride: int = 1, clips: list[str] | None = None,
             progress: bool = True, group_by: str | None = None, switches: bool = False, online: bool = False) -> dict:
    """`switches`: also stream every clip through the live predictor (label_stability.py); `online`: stream
    each person's clips through it with online adaptation and gate, scoring every `stride`-th forecast."""
    from nvhai_predictor.contract import EMOTION_LABELS

    runner = ModelRunner(str(model_path), threads=0)
    c = runner.contract
    data = load_clips(keypoints)
    if clips:
        missing = sorted(set(clips) - set(data))
        if missing:
            raise ValueError(f"clips not in {keypoints}: {missing}")
        data = {k: data[k] for k in clips}
    if group_by is not None:
        check_grouping(group_by, load_metadata(keypoints), "--group-by")
    windows = make_windows(data, load_labels(keypoints), c.input_frames, c.output_frames, stride)
    if not len(windows):
        raise ValueError(f"no clip in {keypoints} is long enough for {c.input_frames}+{c.output_frames} frames")
    if not (np.isfinite(windows.inputs).all() and np.isfinite(windows.targets).all()):
        raise ValueError(f"{keypoints} has NaN/inf keypoints: clean them before scoring")
    future, probs = run_onnx(runner, windows, progress=progress)
    result = {"model": c.model_name, "keypoints": str(keypoints), "clips": len(data), "stride": stride,
              **_forecast_block(future, windows, c.output_frames), "labels": list(c.labels)}
    result["model_metrics"]["accuracy"] = accuracy_by_name(probs, windows.labels, list(c.labels), EMOTION_LABELS)
    result.update(emotion_figures(probs, list(c.labels)))
    result["emotion"] = recall_figures(probs, windows.labels, list(c.labels), EMOTION_LABELS)
    if switches:
        result["label_switches"] = label_switches(runner, data)
    if online:
        from nvhai_training.online_eval import online_evaluate

        result["online"] = online_evaluate(runner, data, load_metadata(keypoints), stride, progress=progress)
    if group_by:
        metadata = load_metadata(keypoints)
        names = sorted(data)
        group = np.array([group_of(names[i], group_by, metadata) for i in windows.clip_index])
        result["group_by"] = group_by
        result["groups"] = {}
        for g in sorted(set(group.tolist())):
            sel = group == g
            part = windows.select(sel)
            block = _forecast_block(future[sel], part, c.output_frames)
            block.update(emotion_figures(probs[sel], list(c.labels)))
            result["groups"][g] = block
    return result


def accuracy_by_name(probs: np.ndarray, truth: np.ndarray, labels: list[str], train_labels: tuple[str, ...]) -> float | None:
    """Accuracy where truth indexes `train_labels` and the model's columns are `labels` (they may differ)."""
    known = truth >= 0
    if not known.any():
        return None
    remap = np.array([labels.index(n) if n in labels else -2 for n in train_labels])
    return accuracy(probs, np.where(known, remap[np.maximum(truth, 0)], -1))
