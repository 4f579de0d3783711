"""Does a model bring a moving arm back when the person's arm goes on, or stays? A forecast study.

    python training/recipes/arm_reversals.py runs/default/fold_2/model.onnx \\
        runs/default/fold_2/bandai_d1_test.npz --group-by content [--groups guide bye] [--json]

Bandai guide (an arm swept out to point the way, then held) is the one held-out content the shipped
recipe forecasts worse than zero-velocity. For every window this takes the wrist that moves most over
the next second and asks, of the wrists that were moving (the faster half, over the last 5 frames):
how often is the wrist one second later behind where it is now, against its motion (it came back),
in the data and in the model's forecast? On MSRC-12's repeated gestures the two agree; a model whose
forecast reverses far more often than the person does has learnt "arms come back" from its data.
It also gives the wrists' mean speed in the observed windows: a gesture slower than the training
data's turns back later than the second the model has learnt.
Pass a fold's model with the file of the people or contents that fold held out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from nvhai_common.coco17 import WRISTS
from nvhai_predictor.model_runner import ModelRunner
from nvhai_training.evaluate import run_onnx
from nvhai_training.keypoint_dataset import load_clips, load_labels, load_metadata, make_windows
from nvhai_training.protocol import groups

RECENT = 5  # frames over which a wrist's motion is measured


def reversals(inputs: np.ndarray, targets: np.ndarray, forecasts: np.ndarray) -> dict[str, float]:
    """(N, T_in, 17, 2) windows, (N, T_out, 17, 2) futures and forecasts -> share of moving wrists
    that are back against their motion at the horizon, in the data and in the forecast."""
    rows = np.arange(len(inputs))
    last = inputs[:, -1, WRISTS]  # (N, 2 wrists, 2)
    truth = targets[:, -1, WRISTS] - last
    wrist = np.argmax(np.linalg.norm(truth, axis=-1), axis=1)  # the wrist that moves most
    motion = (inputs[:, -1, WRISTS] - inputs[:, -1 - RECENT, WRISTS])[rows, wrist]
    truth = truth[rows, wrist]
    forecast = (forecasts[:, -1, WRISTS] - last)[rows, wrist]
    speed = np.linalg.norm(motion, axis=-1)
    moving = speed > np.median(speed)
    return {"windows": len(inputs), "moving_windows": int(moving.sum()),
            "reversed_in_data": float(np.mean((truth * motion).sum(-1)[moving] < 0)),
            "reversed_in_forecast": float(np.mean((forecast * motion).sum(-1)[moving] < 0)),
            "forecast_displacement": float(np.linalg.norm(forecast, axis=-1).mean()),
            "data_displacement": float(np.linalg.norm(truth, axis=-1).mean()),
            # how fast the wrists move in what the model sees: a slow gesture turns later than the second shows
            "wrist_speed": float(np.linalg.norm(np.diff(inputs[:, :, WRISTS], axis=1), axis=-1).mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("keypoints", type=Path)
    parser.add_argument("--group-by", default="content", help="person, content, ... (as evaluate --group-by)")
    parser.add_argument("--groups", nargs="*", help="only these groups (default: every group)")
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args()
    runner = ModelRunner(str(a.model), threads=1)
    clips, labels = load_clips(a.keypoints), load_labels(a.keypoints)
    out = {}
    for group, names in groups(list(clips), a.group_by, load_metadata(a.keypoints)).items():
        if a.groups and group not in a.groups:
            continue
        w = make_windows({n: clips[n] for n in names}, labels, 60, 30, a.stride)
        if len(w) == 0:
            continue
        forecasts, _ = run_onnx(runner, w, progress=False)
        out[group] = reversals(w.inputs, w.targets, forecasts.reshape(w.targets.shape))
    if a.json:
        print(json.dumps(out, indent=1))
        return
    print("| group | moving windows | back against its motion 1 s later: data | forecast "
          "| mean wrist displacement: data | forecast | wrist speed (per frame) |")
    print("|---|---|---|---|---|---|---|")
    for group, r in out.items():
        print(f"| {group} | {r['moving_windows']:,} | {r['reversed_in_data']:.2f} | {r['reversed_in_forecast']:.2f} | "
              f"{r['data_displacement']:.3f} | {r['forecast_displacement']:.3f} | {r['wrist_speed']:.4f} |")


if __name__ == "__main__":
    main()
