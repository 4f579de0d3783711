"""How much of the model's move to publish for a person the gate has no evidence of yet (`new_person_prior`).

For each candidate share the predictor core streams every person of KEYPOINTS as shipped (`evaluate --online`,
only the prior changed) and reports, next to zero-velocity on the same windows: the pooled ratio, each person's
(each clip's, for camera footage) and the worst. Then the choice two ways: the largest share whose worst person
stays at or under --worst-goal, and leave-one-person-out by the worst person (for each person, the share that
keeps the worst of the *others* lowest, ties to the larger share; that person's ratio at it). The second says
whether the first was set by one person alone.

    python training/recipes/new_person_prior_study.py runs/v7_default.onnx runs/real_footage/real_video.npz \\
        [--stride 1] [--priors 1,0.8,...] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from nvhai_predictor.model_runner import ModelRunner
from nvhai_training.keypoint_dataset import load_clips, load_metadata
from nvhai_training.online_eval import online_evaluate, shipped_config

PRIORS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0)


def sweep(runner: ModelRunner, clips: dict, metadata: dict, priors: tuple[float, ...], stride: int = 1) -> dict:
    """{prior: {"pooled": ratio, "people": {person: ratio}, "first_30_s": ratio}} (published / zero-velocity)."""
    out = {}
    for prior in priors:
        config = shipped_config(runner)
        config.online.scoring.new_person_prior = prior
        o = online_evaluate(runner, clips, metadata, stride, config, progress=False)
        first = o["by_watch_time"].get("0-30 s", {}).get("ratio_vs_zero_velocity", {})
        out[prior] = {"pooled": o["ratio_vs_zero_velocity"]["model_metrics"],
                      "first_30_s": first.get("model_metrics"),
                      "people": {k: g["ratio_vs_zero_velocity"]["model_metrics"]
                                 for k, g in o["groups"].items() if g["windows"]}}
    return out


def largest_within(results: dict, goal: float) -> float | None:
    """The largest share whose worst person is at or under `goal` (None if no share is)."""
    ok = [p for p, r in results.items() if max(r["people"].values()) <= goal]
    return max(ok) if ok else None


def leave_one_out(results: dict) -> dict[str, tuple[float, float]]:
    """Per person: (the share minimising the worst of the other people, ties to the larger; their ratio at it)."""
    people = list(next(iter(results.values()))["people"])
    out = {}
    for person in people:
        best = min(results, key=lambda p: (max(r for q, r in results[p]["people"].items() if q != person), -p))
        out[person] = (best, results[best]["people"][person])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("keypoints")
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--priors", default=",".join(map(str, PRIORS)))
    parser.add_argument("--worst-goal", type=float, default=1.10, help="the camera issue's: no clip over 1.10x")
    parser.add_argument("--json", help="write the sweep and both choices here")
    args = parser.parse_args(argv)
    runner = ModelRunner(args.model, threads=1)
    results = sweep(runner, load_clips(args.keypoints), load_metadata(args.keypoints),
                    tuple(float(p) for p in args.priors.split(",")), args.stride)
    print("| prior | pooled | first 30 s | worst person | worst |")
    print("|---|---|---|---|---|")
    for prior, r in results.items():
        worst = max(r["people"], key=r["people"].get)
        first = f"{r['first_30_s']:.3f}" if r["first_30_s"] is not None else "–"
        print(f"| {prior:g} | {r['pooled']:.3f} | {first} | {worst} | {r['people'][worst]:.3f} |")
    chosen = largest_within(results, args.worst_goal)
    loo = leave_one_out(results)
    shares = sorted({p for p, _ in loo.values()})
    print(f"largest share with every person <= {args.worst_goal}: {chosen}; leave-one-person-out by the worst "
          f"person picks {shares}, worst held-out person {max(v for _, v in loo.values()):.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"sweep": {str(p): r for p, r in results.items()}, "largest_within_goal": chosen,
                       "leave_one_out": {k: list(v) for k, v in loo.items()}}, f, indent=1)
    return 0 if np.isfinite([r["pooled"] for r in results.values()]).all() else 1


if __name__ == "__main__":
    sys.exit(main())
