"""`evaluate --online`: each person's clips streamed, in key order, through the live predictor core
(Forecaster: window, model, online adaptation and gate as shipped: the node's defaults, from
nvhai_predictor.settings), scored as a robot meets them.

A person keeps one track id across their clips; between clips the stream pauses longer than the
window's max_gap_s (the window restarts) but shorter than forget_after_s (the person is not
forgotten), so what the core learned about the person carries over. Every forecast whose 30-frame
future lies in its clip is scored (each person's every `stride`-th one) in the per-frame normalised space of the
offline evaluation: the same windows, so `model_only` here is the offline model's figure on them.
People are streamed side by side on one clock (one batch per frame), all forecast every frame (no load
shedding: a robot would meet them one at a time, not as a crowd of them all). Keypoints (in image heights) are
placed in an image of square pixels with a margin (the shape the model was trained on, nothing outside it).

Block keys (`online` and each `by_watch_time` / `groups` entry): windows, model_metrics (what the
predictor publishes: adapted and gated), model_only (the model alone), adapted (before the gate),
zero_velocity, constant_velocity (each {mae, mae_5, mae_10, mae_20, mae_30}),
improvement_vs_zero_velocity (of model_metrics), ratio_vs_zero_velocity ({model_metrics, model_only,
adapted}: mae / zero-velocity mae), gate_weight_mean; by_watch_time entries add people and
mean_person_ratio_vs_zero_velocity (the same ratios, averaged over the people in that bin); groups
entries add seconds (of that person streamed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, Observation
from nvhai_predictor.model_runner import ModelRunner
from nvhai_predictor.settings import forecaster_config
from nvhai_training.keypoint_dataset import window_pairs
from nvhai_training.metrics import HORIZONS
from nvhai_training.protocol import PERSON, groups

SIDE_PX = 1000.0  # image heights -> pixels, square: the proportions the model was trained and is scored on
MARGIN_PX = 1000.0  # keypoints outside the frame (x up to W/H) stay inside the image (the core would drop them)
WATCH_BINS: tuple[tuple[str, float, float], ...] = (("0-30 s", 0.0, 30.0), ("30-60 s", 30.0, 60.0),
                                                     ("> 60 s", 60.0, math.inf))
KINDS = ("model_metrics", "model_only", "adapted", "zero_velocity", "constant_velocity")


@dataclass
class Tally:
    """Sums of |error| per future frame over the seen keypoints' x and y, and how many there were, per kind."""

    t_out: int
    windows: int = 0
    weight_sum: float = 0.0
    sums: dict[str, np.ndarray] = field(default_factory=dict)
    counts: np.ndarray | None = None  # (T_out,) seen coordinates summed over

    def add(self, forecasts: dict[str, np.ndarray], target: np.ndarray, weight: float, seen: np.ndarray) -> None:
        """One scored window: (T_out, 17, 2) forecasts of each kind, the target, and which keypoints were seen."""
        self.windows += 1
        self.weight_sum += weight
        w = seen[..., None].astype(np.float64)
        errors = (np.abs(np.stack([forecasts[k] for k in KINDS]) - target) * w).sum(axis=(2, 3))
        counts = 2 * seen.sum(axis=1)
        self.counts = counts if self.counts is None else self.counts + counts
        for kind, err in zip(KINDS, errors, strict=True):
            self.sums[kind] = self.sums[kind] + err if kind in self.sums else err

    def mae(self, kind: str) -> float:
        return float(self.sums[kind].sum() / max(self.counts.sum(), 1))

    def block(self) -> dict:
        if not self.windows:
            return {"windows": 0}
        metrics = {kind: {"mae": self.mae(kind), **{f"mae_{h}": float(self.sums[kind][h - 1] / max(self.counts[h - 1], 1))
                                                    for h in HORIZONS if h <= self.t_out}} for kind in KINDS}
        zv = metrics["zero_velocity"]["mae"]
        return {"windows": self.windows, **metrics,
                "improvement_vs_zero_velocity": 1.0 - metrics["model_metrics"]["mae"] / zv if zv > 0 else None,
                "ratio_vs_zero_velocity": self.ratios(),
                "gate_weight_mean": self.weight_sum / self.windows}

    def ratios(self) -> dict[str, float | None]:
        zv = self.mae("zero_velocity") if self.windows else 0.0
        return {k: (self.mae(k) / zv if zv > 0 else None) for k in ("model_metrics", "model_only", "adapted")}


def bin_of(seconds: float) -> str:
    """The WATCH_BINS name of a moment `seconds` into watching a person."""
    return next(name for name, lo, hi in WATCH_BINS if lo <= seconds < hi)


@dataclass
class _Stream:
    """One person's clips as one stream on the shared clock: (clip, frame) at each step, gaps between."""

    clips: list[np.ndarray]
    starts: list[int]  # step of each clip's first frame
    seen: int = 0  # frames streamed so far
    current: int = 0  # the clip at or after the last step asked for (steps only go forward)

    @property
    def end(self) -> int:
        return self.starts[-1] + len(self.clips[-1])

    def at(self, step: int) -> tuple[int, int] | None:
        while self.current + 1 < len(self.clips) and step >= self.starts[self.current + 1]:
            self.current += 1
        frame = step - self.starts[self.current]
        return (self.current, frame) if 0 <= frame < len(self.clips[self.current]) else None


def shipped_config(runner: ModelRunner) -> ForecasterConfig:
    """The live node's settings (its parameters' defaults) for this model's window, every person forecast each
    frame (see the module docstring)."""
    c = runner.contract
    return forecaster_config(input_frames=c.input_frames, rate_hz=c.fps, max_people_per_step=0)


def _streams(clips: dict[str, np.ndarray], metadata: dict[str, dict], gap_steps: int) -> dict[str, _Stream]:
    out = {}
    for person, names in groups(list(clips), PERSON, metadata).items():
        starts, step = [], 0
        for name in names:
            starts.append(step)
            step += len(clips[name]) + gap_steps
        out[person] = _Stream([clips[n] for n in names], starts)
    return out


def online_evaluate(runner: ModelRunner, clips: dict[str, np.ndarray], metadata: dict[str, dict] | None = None,
                    stride: int = 1, config: ForecasterConfig | None = None, progress: bool = True) -> dict:
    """The `online` block of `evaluate --json` (keys in the module docstring); `config`: default shipped_config."""
    c = runner.contract
    config = config or shipped_config(runner)
    rate, t_out = config.window.rate_hz, c.output_frames
    gap_s = (config.window.max_gap_s + config.forget_after_s) / 2  # restarts the window, keeps the person
    streams = _streams(clips, metadata or {}, max(1, round(gap_s * rate)))
    ids = {person: i for i, person in enumerate(streams)}
    forecaster = Forecaster(runner, config)
    total, bins = Tally(t_out), {name: {} for name, _, _ in WATCH_BINS}
    per_person = {person: Tally(t_out) for person in streams}
    forecasts_made: dict[str, int] = {}  # per person: the stride counts each person's own forecasts
    side = SIDE_PX + 2 * MARGIN_PX
    for step in tqdm(range(max(s.end for s in streams.values())), desc="online", unit="frame", disable=not progress):
        observations, where = [], {}
        for person, s in streams.items():
            at = s.at(step)
            if at is None:
                continue
            ci, frame = at
            clip = s.clips[ci]
            conf = clip[frame, :, 2] if clip.shape[-1] == 3 else np.ones(clip.shape[1], np.float32)
            observations.append(Observation(ids[person], clip[frame, :, :2] * SIDE_PX + MARGIN_PX, conf))
            s.seen += 1
            where[ids[person]] = (person, ci, frame, s.seen / rate)
        result = forecaster.step(step / rate, observations, int(side), int(side))
        for f in result.forecasts:
            person, ci, frame, seconds = where[f.person_id]
            clip = streams[person].clips[ci]
            if frame + t_out >= len(clip) or f.online is None:
                continue  # its future is not in the clip
            forecasts_made[person] = forecasts_made.get(person, 0) + 1
            if (forecasts_made[person] - 1) % stride:
                continue
            # The window the forecaster read and what followed, completed and normalised as offline windows are.
            x, y, seen = window_pairs(clip[frame + 1 - c.input_frames:frame + 1 + t_out], c.input_frames, t_out)
            past, target = x[0, -2:], y[0]
            zv = np.repeat(past[-1:], t_out, axis=0)
            cv = past[-1] + (past[-1] - past[0]) * np.arange(1, t_out + 1)[:, None, None]
            kinds = {"model_metrics": f.online.published, "model_only": f.online.model, "adapted": f.online.adapted,
                     "zero_velocity": zv, "constant_velocity": cv}
            for tally in (total, per_person[person], bins[bin_of(seconds)].setdefault(person, Tally(t_out))):
                tally.add(kinds, target, f.online.weight, seen[0])
    out = total.block()
    out["by_watch_time"] = {name: bin_block(people) for name, people in bins.items()}
    out["groups"] = {p: {**t.block(), "seconds": sum(len(c) for c in streams[p].clips) / rate}
                     for p, t in per_person.items()}
    out["stride"], out["people"] = stride, len(streams)
    return out


def bin_block(people: dict[str, Tally]) -> dict:
    """Pooled over the people in a watch-time bin, plus the mean of their own ratios to zero-velocity."""
    if not people:
        return {"windows": 0, "people": 0}
    pooled = Tally(next(iter(people.values())).t_out)
    for t in people.values():
        pooled.windows += t.windows
        pooled.weight_sum += t.weight_sum
        pooled.counts = t.counts if pooled.counts is None else pooled.counts + t.counts
        for k, v in t.sums.items():
            pooled.sums[k] = pooled.sums[k] + v if k in pooled.sums else v.copy()
    ratios = [t.ratios() for t in people.values() if t.windows]
    known = {k: [r[k] for r in ratios if r[k] is not None] for k in ("model_metrics", "model_only", "adapted")}
    mean = {k: float(np.mean(v)) if v else None for k, v in known.items()}  # None: nobody moved (no zero-velocity error)
    return {**pooled.block(), "people": len(people), "mean_person_ratio_vs_zero_velocity": mean}
