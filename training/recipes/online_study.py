"""Which online adaptation and gate? A fast replay of `evaluate --online` for comparing settings.

    python training/recipes/online_study.py KEYPOINTS.npz [--model M.onnx] [--max-seconds 240] [--stride 1]
        [--variant NAME:key=value,...] ... [--json]

Each person's clips are streamed in key order through their own nvhai_predictor.online.OnlineCorrection
(the live core's adaptation, self-scoring and gate, as each PersonState holds one) exactly as the
Forecaster calls it, but the windows
come straight from the clip's per-frame normalised frames and the model runs once per clip in one
batch: no PoseWindow and no per-frame inference, so a setting costs seconds, not minutes. With the
default settings the figures equal `evaluate --online`'s (same windows, same core). Keys of a
variant: the AdaptationConfig / ScoringConfig fields (enabled, strength, history, refit_every,
memory_s, axis_strength, gate, time_constant_s, min_scored), `basis` (k: past and forecast features
projected on their k lowest DCT components; 0 = raw frames) and `diag` (true: each feature ridged by
its own energy); both use the shared map alone (no per-axis maps). Prints, per variant, model /
adapted / published MAE relative to zero-velocity as the mean over people, per watch-time bin
(--json: everything).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import fields, replace

import numpy as np

from nvhai_common.coco17 import NUM_KEYPOINTS
from nvhai_predictor.frame_grid import FrameGrid
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.normalization import normalize
from nvhai_predictor.online import OnlineConfig, OnlineCorrection
from nvhai_predictor.online_adaptation import AdaptationConfig, RidgeCorrection
from nvhai_predictor.self_scoring import ScoringConfig
from nvhai_training.keypoint_dataset import load_clips, load_metadata
from nvhai_training.online_eval import WATCH_BINS, Tally, bin_block, bin_of
from nvhai_training.protocol import PERSON, groups

GAP_S = 1.375  # between a person's clips, as evaluate --online: (max_gap_s + forget_after_s) / 2


def dct_basis(n: int, k: int) -> np.ndarray:
    """(n, k) orthonormal DCT-II basis, lowest frequencies first."""
    t = np.arange(n)
    b = np.cos(np.pi * (t[:, None] + 0.5) * np.arange(k)[None] / n)
    return b / np.linalg.norm(b, axis=0)


class StudyRidge(RidgeCorrection):
    """The ridge map on features projected to a low-dimensional basis (fewer parameters, faster solve),
    and/or with each feature ridged by its own energy (`diag`) instead of the mean energy of all."""

    def __init__(self, config: AdaptationConfig, grid: FrameGrid, basis: np.ndarray | None, diag: bool) -> None:
        # the shared map alone, its statistics in the basis
        super().__init__(replace(config, axis_strength=0.0), grid, None if basis is None else basis.shape[1])
        self.basis, self.diag = basis, diag

    def correction(self, phi: np.ndarray) -> np.ndarray:
        return super().correction(phi if self.basis is None else phi @ self.basis)

    def observe(self, phi: np.ndarray, model_error: np.ndarray, rows: np.ndarray | None = None) -> None:
        super().observe(phi if self.basis is None else phi @ self.basis, model_error, rows)

    def fit(self) -> None:
        if not self.diag:
            return super().fit()
        xtx, xty = self.statistics()
        energy = np.diag(xtx) / max(self.windows, 1e-12)
        if self.windows > 0 and energy.sum() > 0:
            reg = self.config.strength * np.maximum(energy, 1e-6 * energy.max())
            self.weights = np.linalg.solve(xtx + np.diag(reg), xty)
        return None


def make_config(spec: str) -> tuple[str, OnlineConfig, int, bool]:
    name, _, body = spec.partition(":")
    adaptation, scoring, basis, diag = AdaptationConfig(), ScoringConfig(), 0, False
    a_keys, s_keys = {f.name for f in fields(AdaptationConfig)}, {f.name for f in fields(ScoringConfig)}
    for item in filter(None, body.split(",")):
        key, _, value = item.partition("=")
        parsed = value.lower() == "true" if value.lower() in ("true", "false") else float(value)
        if key == "basis":
            basis = int(parsed)
        elif key == "diag":
            diag = bool(parsed)
        elif key in a_keys:
            adaptation = replace(adaptation, **{key: type(getattr(adaptation, key))(parsed)})
        elif key in s_keys:
            scoring = replace(scoring, **{key: type(getattr(scoring, key))(parsed)})
        else:
            raise SystemExit(f"unknown key {key}")
    return name or "default", OnlineConfig(adaptation, scoring), basis, diag


def replay(runner: ModelRunner, people: dict[str, list[np.ndarray]], config: OnlineConfig, basis: int,
           diag: bool, max_seconds: float, stride: int = 1) -> dict:
    c = runner.contract
    t_in, t_out, rate = c.input_frames, c.output_frames, c.fps
    grid = FrameGrid(rate, t_out)
    proj = None
    if basis:
        h = config.adaptation.history - 1
        proj = np.zeros((h + t_out, 2 * basis))
        proj[:h, :basis], proj[h:, basis:] = dct_basis(h, basis), dct_basis(t_out, basis)
    bins: dict[str, dict[str, Tally]] = {name: {} for name, _, _ in WATCH_BINS}
    total = Tally(t_out)
    all_seen = np.ones((t_out, NUM_KEYPOINTS), bool)  # the study replays whole mocap people: every keypoint seen
    for person, clips in people.items():
        ridge = StudyRidge(config.adaptation, grid, proj, diag) if basis or diag else None
        core = OnlineCorrection(config, grid, ridge)  # this person's, as their PersonState holds it
        t, seen = 0.0, 0
        for frames in clips:
            n = len(frames) - t_in + 1
            if n <= 0:
                t += (len(frames) + GAP_S * rate) / rate
                seen += len(frames)
                continue
            windows = np.lib.stride_tricks.sliding_window_view(frames, t_in, axis=0).transpose(0, 3, 1, 2)
            model = np.stack([p.future for p in runner.run(windows.astype(np.float32))]).astype(np.float64)
            for i in range(n):
                frame = t_in - 1 + i
                seconds = (seen + frame + 1) / rate
                if seconds > max_seconds:
                    break
                f = core.forecast(t + frame / rate, windows[i], model[i])
                if frame + t_out >= len(frames) or i % stride:
                    continue
                past = frames[frame - 1:frame + 1]
                kinds = {"model_metrics": f.published, "model_only": f.model, "adapted": f.adapted,
                         "zero_velocity": np.repeat(past[-1:], t_out, axis=0),
                         "constant_velocity": past[-1] + (past[-1] - past[0]) * np.arange(1, t_out + 1)[:, None, None]}
                target = frames[frame + 1:frame + 1 + t_out]
                for tally in (total, bins[bin_of(seconds)].setdefault(person, Tally(t_out))):
                    tally.add(kinds, target, f.weight, all_seen)
            seen += len(frames)
            t += (len(frames) + GAP_S * rate) / rate
    return {"total": total.block(), "by_watch_time": {k: bin_block(v) for k, v in bins.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("keypoints")
    parser.add_argument("--model", default=default_model_path())
    parser.add_argument("--max-seconds", type=float, default=240.0, help="stop each person after this long")
    parser.add_argument("--stride", type=int, default=1, help="score every Nth forecast (all are made)")
    parser.add_argument("--variant", action="append", default=[], help="NAME:key=value,... (repeatable)")
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args()
    runner = ModelRunner(a.model, threads=1)
    clips = load_clips(a.keypoints)
    people = {p: [normalize(clips[n][..., :2].astype(np.float64))[0] for n in names]
              for p, names in groups(list(clips), PERSON, load_metadata(a.keypoints)).items()}
    results = {}
    for spec in a.variant or ["default:"]:
        name, config, basis, diag = make_config(spec)
        t0 = time.perf_counter()
        results[name] = replay(runner, people, config, basis, diag, a.max_seconds, a.stride)
        results[name]["seconds"] = time.perf_counter() - t0
        if not a.json:
            row = [f"{name:28s}"]
            for b, block in results[name]["by_watch_time"].items():
                if block["windows"]:
                    m = block["mean_person_ratio_vs_zero_velocity"]
                    row.append(f"{b}: model {m['model_only']:.3f} adapted {m['adapted']:.3f} "
                               f"published {m['model_metrics']:.3f} (w {block['gate_weight_mean']:.2f})")
            print(" | ".join(row) + f"  [{results[name]['seconds']:.0f} s]", flush=True)
    if a.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
