"""How often the live /emotion stream changes its top label: clips streamed through the predictor's
own Forecaster (window, validation, per-person smoothing), frame by frame at the model's rate."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, Observation
from nvhai_predictor.model_runner import ModelRunner
from nvhai_predictor.window import WindowConfig

# Keypoints are stored in [0, 1] of the image; a square "image" keeps their proportions as training saw them.
SIDE_PX = 1000
MAX_SWITCHES_PER_MIN = 6.0  # the product goal for a clip of one style


def _top_labels(runner: ModelRunner, clip: np.ndarray, smoothing: str, rate_hz: float) -> list[str]:
    window = WindowConfig(frames=runner.contract.input_frames, rate_hz=rate_hz)
    forecaster = Forecaster(runner, ForecasterConfig(window=window, emotion_smoothing=smoothing))
    conf = clip[..., 2] if clip.shape[-1] == 3 else np.ones(clip.shape[:2], np.float32)
    labels = []
    for i, (xy, c) in enumerate(zip(clip[..., :2] * SIDE_PX, conf, strict=True)):
        result = forecaster.step(i / rate_hz, [Observation(0, xy.astype(np.float32), c.astype(np.float32))],
                                 SIDE_PX, SIDE_PX)
        labels.extend(f.label for f in result.forecasts)
    return labels


def label_switches(runner: ModelRunner, clips: dict[str, np.ndarray]) -> dict[str, dict]:
    """{"ema" | "raw": {per_min, minutes, clips, clips_at_most_6_per_min}}: switches of the top label per
    minute of /emotion over all clips, and the share of clips at most MAX_SWITCHES_PER_MIN."""
    rate = runner.contract.fps
    out = {}
    for smoothing in ("ema", "raw"):
        switches, minutes, per_clip = 0, 0.0, []
        for clip in clips.values():
            labels = _top_labels(runner, clip, smoothing, rate)
            if len(labels) < 2:
                continue
            n, m = sum(a != b for a, b in pairwise(labels)), len(labels) / rate / 60
            switches, minutes = switches + n, minutes + m
            per_clip.append(n / m)
        out[smoothing] = {"per_min": switches / minutes if minutes else None, "minutes": minutes,
                          "clips": len(per_clip),
                          "clips_at_most_6_per_min": float(np.mean(np.array(per_clip) <= MAX_SWITCHES_PER_MIN))
                          if per_clip else None}
    return out
