"""Figures of the interaction loop over a run, per person: how long ids last, how often a person
has a fresh forecast, how often their top emotion label changes, how many gestures the avatar would
start for them (response_policy's rule: confident and sustained), how much forecasts jitter. No ROS.

Shared by the demo's summary, `nvhai-bag evaluate` and benchmarks/tracking_loop.py, so the
three report the same quantities the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from nvhai_avatar.response_policy import gesture_starts
from nvhai_predictor.normalization import normalize

WARMUP_S = 2.0  # a window needs this long before the first forecast: frames before it are not counted
JITTER_HORIZONS = (10, 29)


@dataclass
class ForecastSeen:
    """What these figures need of a forecast (nvhai_predictor's PersonForecast has the same fields)."""

    stamp: float
    future_px: np.ndarray  # (T_out, 17, 2)
    label: str  # top emotion label
    confidence: float = 1.0  # its probability


@dataclass
class FrameRecord:
    t: float
    person_ids: list[int]  # people detected in the frame
    forecasts: dict = field(default_factory=dict)  # person_id -> ForecastSeen / PersonForecast made at this frame


def label_switches(labels: list[str]) -> int:
    """How many times a sequence of top labels changes value."""
    return sum(1 for a, b in pairwise(labels) if a != b)


def forecast_jitter(stamps: list[float], futures: list[np.ndarray], rate_hz: float, horizon: int) -> float | None:
    """Mean revision between consecutive forecasts of the same future moment (normalised space).

    Forecast k+1 made one frame after forecast k predicts the moment k predicted at `horizon`
    frames ahead at `horizon - 1` frames; a stable forecaster revises it little. Pairs further
    apart than one frame (a dropped frame, a gap) are skipped.
    """
    revisions = []
    for (t0, f0), (t1, f1) in pairwise(zip(stamps, futures, strict=True)):
        if abs((t1 - t0) * rate_hz - 1) > 0.25 or horizon >= len(f0):
            continue
        revisions.append(np.abs(normalize(f0[horizon])[0] - normalize(f1[horizon - 1])[0]).mean())
    return float(np.mean(revisions)) if revisions else None


def person_summary(records: list[FrameRecord], person_id: int, rate_hz: float = 30.0) -> dict:
    seen = [r for r in records if person_id in r.person_ids]
    first = seen[0].t
    counted = [r for r in seen if r.t - first >= WARMUP_S - 1e-6]
    made = [r.forecasts[person_id] for r in records if person_id in r.forecasts]
    labels = [f.label for f in made]
    minutes = (made[-1].stamp - made[0].stamp) / 60 if len(made) > 1 else 0.0
    switches = label_switches(labels)
    gestures = gesture_starts((f.stamp, f.label, f.confidence) for f in made)
    return {
        "first_s": round(first - records[0].t, 3), "last_s": round(seen[-1].t - records[0].t, 3),
        "frames": len(seen), "frames_after_warmup": len(counted),
        "forecast_frames": sum(1 for r in counted if person_id in r.forecasts),
        "forecast_share": (sum(1 for r in counted if person_id in r.forecasts) / len(counted)) if counted else None,
        "emotion_counts": {lab: labels.count(lab) for lab in sorted(set(labels))},
        "emotion_switches": switches,
        "emotion_minutes": minutes,
        "emotion_switches_per_min": switches / minutes if minutes > 0 else None,
        "gestures": gestures,
        "gestures_per_min": gestures / minutes if minutes > 0 else None,
        **{f"jitter_{h}": forecast_jitter([f.stamp for f in made], [f.future_px for f in made], rate_hz, h)
           for h in JITTER_HORIZONS},
    }


def loop_summary(records: list[FrameRecord], appearance_s: float | None = None, rate_hz: float = 30.0) -> dict:
    """Whole-run figures plus one entry per person id; `appearance_s`: a looped clip's length, to
    count how many new ids each pass of the loop started."""
    ids = sorted({pid for r in records for pid in r.person_ids})
    people = {pid: person_summary(records, pid, rate_hz) for pid in ids}
    counted = sum(p["frames_after_warmup"] for p in people.values())
    with_forecast = sum(p["forecast_frames"] for p in people.values())
    minutes = sum(p["emotion_minutes"] for p in people.values())
    switches = sum(p["emotion_switches"] for p in people.values())
    gestures = sum(p["gestures"] for p in people.values())
    out = {
        "frames": len(records),
        "frames_with_person": sum(1 for r in records if r.person_ids),
        "ids_seen": len(ids),
        "forecast_share": with_forecast / counted if counted else None,
        "observation_forecast_share": (sum(len(r.forecasts) for r in records)
                                       / max(1, sum(len(r.person_ids) for r in records))),
        "emotion_switches": switches,
        "emotion_switches_per_min": switches / minutes if minutes else None,
        "gestures_per_min": gestures / minutes if minutes else None,
        **{f"jitter_{h}": _mean([p[f"jitter_{h}"] for p in people.values()]) for h in JITTER_HORIZONS},
    }
    if appearance_s and records:
        passes = int((records[-1].t - records[0].t) // appearance_s) + 1
        new_ids = np.zeros(passes, dtype=int)
        for p in people.values():
            new_ids[min(passes - 1, int(p["first_s"] // appearance_s))] += 1
        out["new_ids_per_pass"] = {"passes": passes, "mean": float(new_ids.mean()), "max": int(new_ids.max())}
    out["people"] = {str(pid): p for pid, p in people.items()}
    return out


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None
