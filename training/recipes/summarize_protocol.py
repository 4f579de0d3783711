"""Model-card tables and plots from a default_model.sh work folder (fold_*/eval_*.json).

    python training/recipes/summarize_protocol.py runs/default --out runs/default/summary
Every figure here comes from a fold model that never saw the people / clips it is scored on.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from nvhai_training.label_map import ENTHUSIASTIC, MSRC12_GESTURES
from nvhai_training.plots import confusion_matrix, group_bars

POSITIVE_GESTURES = {f"G{g}" for g, (_, label) in MSRC12_GESTURES.items() if label == ENTHUSIASTIC}


def load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() and path.stat().st_size else None  # empty: still running


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:+.1f} %"


def ratio(block: dict) -> float:
    return block["model_metrics"]["mae"] / block["zero_velocity"]["mae"]


def forecast_row(name: str, b: dict, fold: str) -> str:
    cv = b["constant_velocity"]["mae"] / b["zero_velocity"]["mae"]
    return (f"| {name} | {fold} | {b['windows']:,} | {b['model_metrics']['mae']:.4f} | {b['zero_velocity']['mae']:.4f} "
            f"| {b['constant_velocity']['mae']:.4f} | **{ratio(b):.3f}×** | {cv:.2f}× | {b['positive_rate']:.3f} |")


def people_table(folds: list[Path], file: str, title: str) -> tuple[list[str], dict[str, dict]]:
    lines = [f"### {title}", "", "| person | fold | windows | model MAE | zero-velocity | constant-velocity "
             "| model / zero-velocity | constant / zero | positive_rate |", "|---|---|---|---|---|---|---|---|---|"]
    people: dict[str, dict] = {}
    for fold in folds:
        r = load(fold / file)
        if not r:
            continue
        for person, block in sorted(r.get("groups", {}).items()):
            people[person] = block
            lines.append(forecast_row(person, block, fold.name.removeprefix("fold_")))
    if people:
        ratios = [ratio(b) for b in people.values()]
        lines.append(f"| **mean over {len(people)} people** | | | | | | **{np.mean(ratios):.3f}×** | | "
                     f"{np.mean([b['positive_rate'] for b in people.values()]):.3f} |")
        lines.append(f"| worst person | | | | | | {max(ratios):.3f}× | | |")
    return lines, people


def gesture_table(folds: list[Path]) -> list[str]:
    """Per MSRC-12 gesture, over every fold's held-out people (windows pooled)."""
    pooled: dict[str, list[tuple[int, float, float, float]]] = {}
    switches = {"per_min": [], "gestures_per_min": []}
    for fold in folds:
        r = load(fold / "eval_msrc_action.json")
        if not r:
            continue
        for action, b in r["groups"].items():
            pooled.setdefault(action, []).append((b["windows"], b["positive_rate"], b["model_metrics"]["mae"],
                                                  b["zero_velocity"]["mae"]))
        for key in switches:
            value = (r.get("label_switches") or {}).get("ema", {}).get(key)
            if value is not None:
                switches[key].append(value)
    if not pooled:
        return []
    lines = ["### Emotion on held-out MSRC-12 people, per gesture (fold models, windows pooled over folds)", "",
             "| gesture | label | windows | positive_rate | model / zero-velocity |", "|---|---|---|---|---|"]
    neg_w, neg_pos = 0, 0.0
    for action in sorted(pooled, key=lambda a: int(a.split()[0][1:])):
        rows = pooled[action]
        w = sum(r[0] for r in rows)
        pos = sum(r[0] * r[1] for r in rows) / w
        mae = sum(r[0] * r[2] for r in rows) / w
        zv = sum(r[0] * r[3] for r in rows) / w
        gid = action.split()[0]
        label = MSRC12_GESTURES[int(gid[1:])][1]
        if gid not in POSITIVE_GESTURES:
            neg_w, neg_pos = neg_w + w, neg_pos + w * pos
        lines.append(f"| {action} | {label} | {w:,} | {pos:.3f} | {mae / zv:.3f}× |")
    lines.append(f"| **non-positive gestures (G2–G10, G12)** | neutral | {neg_w:,} | **{neg_pos / max(neg_w, 1):.3f}** "
                 "| |")
    if switches["per_min"]:
        lines += ["", f"Live /emotion on these clips (smoothed, each clip streamed through the predictor): "
                  f"{np.mean(switches['per_min']):.1f} top-label switches per minute"
                  + (f", the avatar would start {np.mean(switches['gestures_per_min']):.2f} gestures per minute "
                     "(mean of folds)" if switches["gestures_per_min"] else "") + "."]
    return lines


def bandai_table(folds: list[Path]) -> tuple[list[str], dict]:
    """Each content over the fold models that held it out: dataset 1's contents one fold each, dataset 2's
    three every fold."""
    lines = ["### Held-out Bandai Namco contents (mean over the fold models that never saw them)", "",
             "| part | content | windows | model MAE | zero-velocity | model / zero-velocity | positive_rate |",
             "|---|---|---|---|---|---|---|"]
    emotion = {"confusion": None, "recall": [], "neutral_rate": [], "labels": None}
    worst = []
    for part in ("d1", "d2"):
        runs = [r for r in (load(f / f"eval_bandai_{part}.json") for f in folds) if r]
        if not runs:
            continue
        emotion["labels"] = runs[0]["labels"]
        for content in sorted({c for r in runs for c in r["groups"]}):
            blocks = [r["groups"][content] for r in runs if content in r["groups"]]
            m = float(np.mean([b["model_metrics"]["mae"] for b in blocks]))
            z = float(np.mean([b["zero_velocity"]["mae"] for b in blocks]))
            worst.append((m / z, f"{part}/{content}"))
            lines.append(f"| dataset {part[1]} | {content} | {blocks[0]['windows']:,} | {m:.4f} | {z:.4f} | "
                         f"{m / z:.3f}× | {np.mean([b['positive_rate'] for b in blocks]):.3f} |")
        for r in runs:
            c = np.asarray(r["emotion"]["confusion"])
            emotion["confusion"] = c if emotion["confusion"] is None else emotion["confusion"] + c
            emotion["recall"].append(r["emotion"]["not_neutral_recall"])
            emotion["neutral_rate"].append(r["emotion"]["neutral_positive_rate"])
    if worst:
        w = max(worst)
        lines.append(f"| **worst content** | {w[1]} | | | | **{w[0]:.3f}×** | |")
    return lines, emotion


def online_table(folds: list[Path]) -> list[str]:
    """`evaluate --online` of each fold model on its held-out people: MAE / zero-velocity by watch time,
    averaged over people (model alone, adapted, published = adapted + gate)."""
    rows: dict[str, dict[str, list[float]]] = {}
    for file, what in (("eval_msrc_online.json", "MSRC-12"), ("eval_cmu_online.json", "CMU")):
        for fold in folds:
            r = load(fold / file)
            if not r or "online" not in r:
                continue
            for name, b in r["online"]["by_watch_time"].items():
                if not b.get("people"):
                    continue
                cell = rows.setdefault(f"{what} | {name}", {"people": [], "model_only": [], "adapted": [],
                                                            "model_metrics": []})
                cell["people"].append(b["people"])
                for k in ("model_only", "adapted", "model_metrics"):
                    cell[k] += [b["mean_person_ratio_vs_zero_velocity"][k]] * b["people"]
    if not rows:
        return []
    lines = ["### Online: the predictor core streaming each held-out person's clips (`evaluate --online`)", "",
             "MAE / zero-velocity, mean over the people in each watch-time bin (fold models):", "",
             "| data | watched | people | model alone | adapted | published (adapted + gate) |",
             "|---|---|---|---|---|---|"]
    for key, c in rows.items():
        lines.append(f"| {key} | {sum(c['people'])} | {np.mean(c['model_only']):.3f}× | {np.mean(c['adapted']):.3f}× | "
                     f"**{np.mean(c['model_metrics']):.3f}×** |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("work", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    a = parser.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    folds = sorted(p for p in a.work.glob("fold_*") if (p / "eval_msrc.json").exists())
    lines = ["## Forecasting, leave people out (MAE over the second, per-frame normalised space)", ""]
    msrc_lines, msrc = people_table(folds, "eval_msrc.json", "Held-out MSRC-12 people (Kinect, 12 gestures)")
    cmu_lines, cmu = people_table(folds, "eval_cmu.json", "Held-out CMU people (mocap: playground, everyday, "
                                  "walking, dance, subject 131)")
    lines += msrc_lines + [""] + cmu_lines + [""]
    if msrc or cmu:
        group_bars({"model": "fold models", "group_by": "held-out person", "groups": {**cmu, **msrc}},
                   a.out / "people.png")
    bandai_lines, emotion = bandai_table(folds)
    lines += bandai_lines + [""] + online_table(folds) + [""] + gesture_table(folds)
    synth = [s["model_metrics"]["accuracy"] for s in (load(f / "eval_synth.json") for f in folds) if s]
    final = load(a.work / "eval_final_synth.json")
    cmu_neutral = [b["positive_rate"] for p, b in cmu.items() if p in ("001", "002", "003")]
    recall = [x for x in emotion["recall"] if x is not None]
    neutral_rate = [x for x in emotion["neutral_rate"] if x is not None]
    lines += ["", "### Emotion on held-out real motion: the goals", "", "| figure | value | goal |", "|---|---|---|"]
    if cmu_neutral:
        lines.append(f"| positive_rate, held-out CMU 001/002/003 (everyday motion, neutral), mean | "
                     f"{np.mean(cmu_neutral):.3f} | ≤ 0.10 |")
    if neutral_rate:
        lines.append(f"| positive_rate, held-out Bandai windows labelled neutral, mean of folds | "
                     f"{np.mean(neutral_rate):.3f} | ≤ 0.10 |")
    if recall:
        lines.append(f"| \"not neutral\" recall, held-out Bandai greetings and cheers, mean of folds | "
                     f"{np.mean(recall):.3f} | ≥ 0.74 (before MSRC-12) |")
    if synth:
        lines.append(f"| procedural test accuracy (3,000 samples), mean of folds | {np.mean(synth):.3f} | ≥ 0.9 |")
    if final:
        lines.append(f"| procedural test accuracy, the shipped model | {final['model_metrics']['accuracy']:.3f} | ≥ 0.9 |")
    if emotion["confusion"] is not None:
        confusion_matrix({"labels": emotion["labels"], "emotion": {"confusion": emotion["confusion"].tolist()}},
                         a.out / "confusion.png")
    text = "\n".join(lines) + "\n"
    (a.out / "tables.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
