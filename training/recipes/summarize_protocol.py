"""Model-card tables and plots from a default_model.sh work folder (fold_*/eval_*.json).

    python training/recipes/summarize_protocol.py runs/default --out runs/default/summary
Every figure here comes from a fold model that never saw the subject / clips it is scored on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from nvhai_training.plots import confusion_matrix, group_bars


def load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("work", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    a = parser.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    folds = sorted(p for p in a.work.glob("fold_*") if (p / "eval_cmu.json").exists())
    lines = ["## Forecasting, leave-one-subject-out (CMU)", "",
             "| held-out subject | windows | model MAE | zero-velocity | constant-velocity | vs zero-velocity "
             "| model @1 s | zero-velocity @1 s | positive_rate |", "|---|---|---|---|---|---|---|---|---|"]
    groups, improvements = {}, []
    for fold in folds:
        r = load(fold / "eval_cmu.json")
        s = fold.name.removeprefix("fold_")
        improvements.append(r["improvement_vs_zero_velocity"])
        lines.append(f"| {s} | {r['windows']} | {r['model_metrics']['mae']:.4f} | {r['zero_velocity']['mae']:.4f} | "
                     f"{r['constant_velocity']['mae']:.4f} | {pct(-r['improvement_vs_zero_velocity'])} | "
                     f"{r['model_metrics']['mae_30']:.4f} | {r['zero_velocity']['mae_30']:.4f} | "
                     f"{r['positive_rate']:.3f} |")
        groups[s] = r
    lines.append(f"| **mean of subjects** | | | | | **{pct(-float(np.mean(improvements)))}** | | | |")
    if groups:
        group_bars({"model": "fold model", "group_by": "held-out CMU subject", "groups": groups}, a.out / "loso.png")

    lines += ["", "## Held-out Bandai Namco clips (mean over the folds)", "",
              "| part | content | windows | model MAE | zero-velocity | vs zero-velocity | positive_rate |",
              "|---|---|---|---|---|---|---|"]
    confusion, recall, neutral_rate, labels = None, [], [], None
    for part in ("d1", "d2"):
        runs = [load(f / f"eval_bandai_{part}.json") for f in folds]
        runs = [r for r in runs if r]
        if not runs:
            continue
        labels = runs[0]["labels"]
        for content in runs[0]["groups"]:
            blocks = [r["groups"][content] for r in runs]
            m = float(np.mean([b["model_metrics"]["mae"] for b in blocks]))
            z = float(np.mean([b["zero_velocity"]["mae"] for b in blocks]))
            lines.append(f"| dataset {part[1]} | {content} | {blocks[0]['windows']} | {m:.4f} | {z:.4f} | "
                         f"{pct(m / z - 1)} | {np.mean([b['positive_rate'] for b in blocks]):.3f} |")
        for r in runs:
            c = np.asarray(r["emotion"]["confusion"])
            confusion = c if confusion is None else confusion + c
            recall.append(r["emotion"]["not_neutral_recall"])
            neutral_rate.append(r["emotion"]["neutral_positive_rate"])
    synth = [load(f / "eval_synth.json") for f in folds]
    acc = [s["model_metrics"]["accuracy"] for s in synth if s]
    cmu_neutral = [groups[s]["positive_rate"] for s in groups if s != "005"]
    lines += ["", "## Emotion on held-out real motion", "",
              "| figure | value | goal |", "|---|---|---|",
              f"| positive_rate, held-out CMU subjects 001/002/003 (everyday motion, neutral), mean | "
              f"{np.mean(cmu_neutral):.3f} | ≤ 0.10 |" if cmu_neutral else "",
              f"| positive_rate, held-out Bandai windows labelled neutral, mean of folds | "
              f"{np.mean([x for x in neutral_rate if x is not None]):.3f} | ≤ 0.10 |" if neutral_rate else "",
              f"| \"not neutral\" recall, held-out Bandai positive windows (waves, raised hands), mean of folds | "
              f"{np.mean([x for x in recall if x is not None]):.3f} | ≥ 0.8 |" if recall else "",
              f"| procedural test accuracy (3,000 samples), mean of folds | {np.mean(acc):.3f} | ≥ 0.9 |" if acc else ""]
    if confusion is not None:
        confusion_matrix({"labels": labels, "emotion": {"confusion": confusion.tolist()}}, a.out / "confusion.png")
    text = "\n".join(line for line in lines if line is not None) + "\n"
    (a.out / "tables.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
