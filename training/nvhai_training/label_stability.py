"""How often the live /emotion stream changes its top label, and how often the avatar would start a
gesture: clips streamed through the predictor's own Forecaster (window, validation) frame by frame at
the model's rate, its output read raw and through the predictor's EmotionSmoother with the default time
constant, and each top label put to the avatar's own rule (a confident label, sustained: gesture_onset.py)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from nvhai_avatar.response_policy import gesture_starts
from nvhai_predictor.emotion_smoothing import EmotionSmoother
from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, Observation, PersonForecast
from nvhai_predictor.model_runner import ModelRunner
from nvhai_predictor.window import WindowConfig

# Keypoints are stored in image heights (square pixels); scaling both axes alike keeps their proportions.
SIDE_PX = 1000
WIDTH_PX = 2 * SIDE_PX  # x runs to W/H image heights (4/3 for the 640x480 renders): all of it inside the image
MAX_SWITCHES_PER_MIN = 6.0  # the product goal for a clip of one style


def _raw_forecasts(runner: ModelRunner, clip: np.ndarray, rate_hz: float) -> list[PersonForecast]:
    """The clip streamed frame by frame through a Forecaster with unsmoothed emotion."""
    window = WindowConfig(frames=runner.contract.input_frames, rate_hz=rate_hz)
    forecaster = Forecaster(runner, ForecasterConfig(window=window, emotion_smoothing="raw"))
    conf = clip[..., 2] if clip.shape[-1] == 3 else np.ones(clip.shape[:2], np.float32)
    forecasts = []
    for i, (xy, c) in enumerate(zip(clip[..., :2] * SIDE_PX, conf, strict=True)):
        result = forecaster.step(i / rate_hz, [Observation(0, xy.astype(np.float32), c.astype(np.float32))],
                                 WIDTH_PX, SIDE_PX)
        forecasts.extend(result.forecasts)
    return forecasts


def _top_labels(forecasts: list[PersonForecast]) -> dict[str, tuple[list[str], int]]:
    """(top label per forecast, gestures the avatar would start), raw and through the predictor's default
    smoothing (the model runs once)."""
    smoother = EmotionSmoother("ema", ForecasterConfig().emotion_time_constant_s)  # one clip: one person
    out = {}
    for mode in ("ema", "raw"):
        stream = []
        for f in forecasts:
            probs = smoother.update(f.stamp, f.emotion_probs) if mode == "ema" else f.emotion_probs
            best = int(np.argmax(probs))
            stream.append((f.stamp, f.labels[best], float(probs[best])))
        out[mode] = ([label for _, label, _ in stream], gesture_starts(stream))
    return out


def label_switches(runner: ModelRunner, clips: dict[str, np.ndarray]) -> dict[str, dict]:
    """{"ema" | "raw": {per_min, gestures_per_min, minutes, clips, clips_at_most_6_per_min}}: switches of the
    top label per minute of /emotion over all clips, gestures the avatar would start per minute, and the
    share of clips at most MAX_SWITCHES_PER_MIN."""
    rate = runner.contract.fps
    totals = {mode: {"switches": 0, "gestures": 0, "minutes": 0.0, "per_clip": []} for mode in ("ema", "raw")}
    for clip in clips.values():
        for mode, (labels, gestures) in _top_labels(_raw_forecasts(runner, clip, rate)).items():
            if len(labels) < 2:
                continue
            n, m = sum(a != b for a, b in pairwise(labels)), len(labels) / rate / 60
            t = totals[mode]
            t["switches"], t["gestures"], t["minutes"] = t["switches"] + n, t["gestures"] + gestures, t["minutes"] + m
            t["per_clip"].append(n / m)
    return {mode: {"per_min": t["switches"] / t["minutes"] if t["minutes"] else None,
                   "gestures_per_min": t["gestures"] / t["minutes"] if t["minutes"] else None,
                   "minutes": t["minutes"], "clips": len(t["per_clip"]),
                   "clips_at_most_6_per_min": float(np.mean(np.array(t["per_clip"]) <= MAX_SWITCHES_PER_MIN))
                   if t["per_clip"] else None}
            for mode, t in totals.items()}
