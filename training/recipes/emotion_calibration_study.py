"""Can the real-footage emotion goals be met by recalibrating the shipped model's emotion output on real clips?

The calibration is a 4x4 affine map on the model's log-probabilities, fitted (weighted cross-entropy, each clip
and each label weighing the same, neutral weighted by W) on labelled real_video clips. Measured two ways:
  A) on real footage, nested leave-one-video-out: for every held-out video, W is chosen among the candidates
     by a leave-one-video-out run over the *other* videos only (largest smallest margin over the four emotion
     goals of the camera issue), the map fitted on those videos and scored on the held-out one;
  B) on the earlier protocols (the gesture issue's goals), with the map fitted on all real clips applied to a
     fold model of the same recipe on that fold's held-out people and contents.
A measurement, not a shipped feature.

    python training/recipes/emotion_calibration_study.py --model runs/v7_default.onnx \
        --real runs/rf/real_video.npz --fold-model runs/default/fold_1/model.onnx --fold-data runs/default/fold_1 \
        --bandai-d2 runs/default/bandai_heldout_d2.npz --procedural runs/default/synth_test.npz --out calib.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from summarize_real_footage import GOALS  # the camera issue's goals, as the real-footage tables check them

from nvhai_predictor.contract import EMOTION_LABELS, NEUTRAL_LABEL
from nvhai_predictor.model_runner import ModelRunner
from nvhai_training.evaluate import POSITIVE_THRESHOLD, positive_display, run_onnx
from nvhai_training.keypoint_dataset import load_clips, load_labels, load_metadata, make_windows
from nvhai_training.protocol import group_of

NEUTRAL = EMOTION_LABELS.index(NEUTRAL_LABEL)
HAPPY = EMOTION_LABELS.index("happy to see you")
NEUTRAL_WEIGHTS = (1.0, 1.5, 2.0, 3.0)
EMOTION_GOALS = ("neutral_display", "greeting_top", "greeting_confident", "display_not_neutral")  # neutral's: <=


def window_probs(model: str, npz: str, stride: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Emotion probabilities of every window, with its clip name, label index and the file's metadata."""
    runner = ModelRunner(model, threads=0)
    c = runner.contract
    data = load_clips(npz)
    names = sorted(data)
    windows = make_windows(data, load_labels(npz), c.input_frames, c.output_frames, stride)
    _, probs = run_onnx(runner, windows, progress=False)
    return probs, np.array([names[i] for i in windows.clip_index]), windows.labels, load_metadata(npz)


def clip_goals(probs: np.ndarray, clip: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """The camera issue's emotion figures, each a mean over clips (as summarize_real_footage.py reports them)."""
    rows = []
    for name in np.unique(clip):
        sel = clip == name
        label, top = truth[sel][0], probs[sel].argmax(1)
        confident = probs[sel].max(1) >= POSITIVE_THRESHOLD
        rows.append((label, (top == label).mean(), ((top == label) & confident).mean(),
                     ((top != NEUTRAL) & confident).mean(), (top != NEUTRAL).mean()))

    def mean(column: int, *labels: int) -> float:
        return float(np.mean([r[column] for r in rows if r[0] in labels]))

    displays = [i for i in range(len(EMOTION_LABELS)) if i not in (NEUTRAL, HAPPY)]  # cheering, laughing

    return {"neutral_display": mean(3, NEUTRAL), "greeting_top": mean(1, HAPPY),
            "greeting_confident": mean(2, HAPPY), "display_not_neutral": mean(4, *displays)}


def smallest_margin(figures: dict[str, float]) -> float:
    return min(GOALS[k] - figures[k] if k == "neutral_display" else figures[k] - GOALS[k] for k in EMOTION_GOALS)


def sample_weights(clip: np.ndarray, truth: np.ndarray, neutral_weight: float) -> np.ndarray:
    w = np.zeros(len(truth))
    for name in np.unique(clip):
        w[clip == name] = 1.0 / (clip == name).sum()
    for label in np.unique(truth):
        w[truth == label] /= w[truth == label].sum()
    w[truth == NEUTRAL] *= neutral_weight
    return w


def fit(probs: np.ndarray, truth: np.ndarray, weights: np.ndarray, l2: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """W, b of softmax(log p @ W + b), pulled towards the identity (the model as it is)."""
    x = torch.tensor(np.log(np.clip(probs, 1e-6, 1.0)), dtype=torch.float32)
    y, w = torch.tensor(truth), torch.tensor(weights, dtype=torch.float32)
    eye = torch.eye(len(EMOTION_LABELS))
    W, b = eye.clone().requires_grad_(True), torch.zeros(len(EMOTION_LABELS), requires_grad=True)
    opt = torch.optim.LBFGS([W, b], max_iter=100)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = (torch.nn.functional.cross_entropy(x @ W + b, y, reduction="none") * w).sum() / w.sum()
        loss = loss + l2 * (((W - eye) ** 2).sum() + (b ** 2).sum())
        loss.backward()
        return loss

    opt.step(closure)
    return W.detach().numpy(), b.detach().numpy()


def calibrate(probs: np.ndarray, Wb: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    z = np.log(np.clip(probs, 1e-6, 1.0)) @ Wb[0] + Wb[1]
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def leave_one_video_out(probs: np.ndarray, clip: np.ndarray, video: np.ndarray, truth: np.ndarray,
                        neutral_weight: float) -> np.ndarray:
    out = np.zeros_like(probs)
    for v in np.unique(video):
        train = video != v
        Wb = fit(probs[train], truth[train], sample_weights(clip[train], truth[train], neutral_weight))
        out[~train] = calibrate(probs[~train], Wb)
    return out


def choose_weight(probs: np.ndarray, clip: np.ndarray, video: np.ndarray, truth: np.ndarray) -> float:
    margins = {nw: smallest_margin(clip_goals(leave_one_video_out(probs, clip, video, truth, nw), clip, truth))
               for nw in NEUTRAL_WEIGHTS}
    return max(margins, key=margins.get)


def protocol_figures(probs: np.ndarray, clip: np.ndarray, truth: np.ndarray, metadata: dict,
                     group_by: str | None) -> dict:
    """The gesture issue's figures: positive rate (overall and per group), accuracy on labelled windows."""
    labels = list(EMOTION_LABELS)
    display, top, known = positive_display(probs, labels), probs.argmax(1), truth >= 0
    out = {"positive_rate": float(display.mean()),
           "accuracy": float((top[known] == truth[known]).mean()) if known.any() else None,
           "not_neutral_recall": float(display[known & (truth != NEUTRAL)].mean())
           if (known & (truth != NEUTRAL)).any() else None}
    if group_by:
        group = np.array([group_of(c, group_by, metadata) for c in clip])
        out["groups"] = {str(g): float(display[group == g].mean()) for g in np.unique(group)}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="the shipped model (its output is recalibrated)")
    p.add_argument("--real", required=True, help="labelled real_video keypoints (nvhai-train extract)")
    p.add_argument("--fold-model", required=True, help="a fold model of the same recipe")
    p.add_argument("--fold-data", required=True, help="that fold's folder (msrc_test.npz, cmu_test.npz, ...)")
    p.add_argument("--bandai-d2", required=True, help="held-out Bandai dataset 2 keypoints")
    p.add_argument("--procedural", required=True, help="procedural test keypoints")
    p.add_argument("--out", required=True, help="JSON to write")
    args = p.parse_args()
    torch.set_num_threads(1)

    probs, clip, truth, meta = window_probs(args.model, args.real)
    video = np.array([meta.get(c, {}).get("video", c) for c in clip])
    nested = np.zeros_like(probs)
    picks = {}
    for v in np.unique(video):
        train = video != v
        nw = choose_weight(probs[train], clip[train], video[train], truth[train])
        picks[str(v)] = nw
        Wb = fit(probs[train], truth[train], sample_weights(clip[train], truth[train], nw))
        nested[~train] = calibrate(probs[~train], Wb)
    result = {"real_footage": {"shipped": clip_goals(probs, clip, truth),
                               "nested_leave_one_video_out": clip_goals(nested, clip, truth),
                               "neutral_weight_per_video": picks}}
    nw = choose_weight(probs, clip, video, truth)
    Wb = fit(probs, truth, sample_weights(clip, truth, nw))
    result["calibration_on_all_clips"] = {"neutral_weight": nw, "W": Wb[0].tolist(), "b": Wb[1].tolist()}

    fold = Path(args.fold_data)
    sets = {"msrc": (fold / "msrc_test.npz", 3, "action"), "cmu": (fold / "cmu_test.npz", 1, "person"),
            "bandai_d1": (fold / "bandai_d1_test.npz", 1, "content"), "bandai_d2": (args.bandai_d2, 1, "content"),
            "procedural": (args.procedural, 1, None)}
    for name, (npz, stride, group_by) in sets.items():
        fp, fc, ft, fm = window_probs(args.fold_model, str(npz), stride)
        result[name] = {"fold_model": protocol_figures(fp, fc, ft, fm, group_by),
                        "calibrated": protocol_figures(calibrate(fp, Wb), fc, ft, fm, group_by)}
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps({k: result["real_footage"][k] for k in ("shipped", "nested_leave_one_video_out")}, indent=1))


if __name__ == "__main__":
    main()
