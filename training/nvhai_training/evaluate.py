"""Score an exported model on any keypoint set, through the predictor's own onnxruntime runner.

JSON keys (stable, documented in README.md):
  model, keypoints, clips, windows, stride,
  model_metrics / zero_velocity / constant_velocity: {mae, mae_5, mae_10, mae_20, mae_30},
  model_metrics.accuracy (null without labels), improvement_vs_zero_velocity (1 - mae/mae_zv).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from nvhai_predictor.model_runner import ModelRunner
from nvhai_training.keypoint_dataset import Windows, load_clips, load_labels, make_windows
from nvhai_training.metrics import accuracy, constant_velocity, forecast_metrics, zero_velocity


def run_onnx(runner: ModelRunner, windows: Windows, batch: int = 256,
             progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    futures, probs = [], []
    for i in tqdm(range(0, len(windows), batch), desc="evaluate", unit="batch", disable=not progress):
        preds = runner.run(windows.inputs[i:i + batch])
        futures.append(np.stack([p.future for p in preds]))
        probs.append(np.stack([p.emotion_probs for p in preds]))
    return np.concatenate(futures), np.concatenate(probs)


def evaluate(model_path: str | Path, keypoints: str | Path, stride: int = 1, clips: list[str] | None = None,
             progress: bool = True) -> dict:
    runner = ModelRunner(str(model_path), threads=0)
    c = runner.contract
    data = load_clips(keypoints)
    if clips:
        missing = sorted(set(clips) - set(data))
        if missing:
            raise ValueError(f"clips not in {keypoints}: {missing}")
        data = {k: data[k] for k in clips}
    windows = make_windows(data, load_labels(keypoints), c.input_frames, c.output_frames, stride)
    if not len(windows):
        raise ValueError(f"no clip in {keypoints} is long enough for {c.input_frames}+{c.output_frames} frames")
    future, probs = run_onnx(runner, windows, progress=progress)
    model_metrics: dict = dict(forecast_metrics(future, windows.targets))
    model_metrics["accuracy"] = accuracy(probs, windows.labels)
    zv = forecast_metrics(zero_velocity(windows.inputs, c.output_frames), windows.targets)
    cv = forecast_metrics(constant_velocity(windows.inputs, c.output_frames), windows.targets)
    return {
        "model": c.model_name, "keypoints": str(keypoints), "clips": len(data), "windows": len(windows),
        "stride": stride, "model_metrics": model_metrics, "zero_velocity": zv, "constant_velocity": cv,
        "improvement_vs_zero_velocity": 1.0 - model_metrics["mae"] / zv["mae"],
    }
