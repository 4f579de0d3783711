"""The real-footage tables from real_footage.sh's folder: per clip, per framing and label, pooled; and the
camera issue's goals checked on them.

    python training/recipes/summarize_real_footage.py OUT [--labels labels.csv] [--trained-on CLIP ...]

Reads OUT/offline.json (`evaluate --group-by video`), OUT/online.json (`evaluate --online`: per tracked
person, summed per video) and OUT/live/<clip>/evaluation.json (`nvhai-bag evaluate`); writes OUT/tables.md
and OUT/summary.json. Forecast figures are MAE / zero-velocity MAE on the same windows, over the keypoints the
camera saw; "pooled" sums the errors of every window of every clip, "clip mean" averages the clips' ratios.
Emotion: "top" is the share of windows whose top label is the clip's, "confident" the share where it is also
p >= 0.5, "display" the share of windows with a confident positive display (top label not neutral).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from nvhai_training.label_map import video_label

NEUTRAL, HAPPY = "neutral", "happy to see you"
GOALS = {"forecast_pooled": 0.90, "forecast_clip_max": 1.10, "live_share": 0.90, "live_min_s": 4.0,
         "neutral_display": 0.10, "greeting_top": 0.60, "greeting_confident": 0.50, "display_not_neutral": 0.50}


def _ratio(block: dict | None) -> float | None:
    if not block:
        return None
    m, z = block.get("model_metrics", {}).get("mae"), block.get("zero_velocity", {}).get("mae")
    return m / z if m is not None and z else None


def _online_by_video(online: dict, videos: dict[str, dict]) -> dict[str, dict]:
    """Per video: windows and the summed MAEs of the online block's people whose names start with the video's."""
    out: dict[str, dict] = {}
    for person, block in online.get("groups", {}).items():
        video = next((v for v in sorted(videos, key=len, reverse=True) if person.startswith(v + "_p")), None)
        if video is None or not block.get("windows"):
            continue
        acc = out.setdefault(video, {"windows": 0, "model": 0.0, "model_only": 0.0, "zero": 0.0})
        n = block["windows"]
        acc["windows"] += n
        acc["model"] += n * block["model_metrics"]["mae"]
        acc["model_only"] += n * block["model_only"]["mae"]
        acc["zero"] += n * block["zero_velocity"]["mae"]
    return out


def clip_rows(out: Path, labels_csv: Path, trained_on: set[str]) -> list[dict]:
    videos = {Path(r["file"]).stem: r for r in csv.DictReader(labels_csv.open(encoding="utf-8-sig"))}
    offline = json.loads((out / "offline.json").read_text())
    online = _online_by_video(json.loads((out / "online.json").read_text()).get("online", {}), videos)
    rows = []
    for video, info in sorted(videos.items()):
        if video in trained_on:
            continue
        label = video_label(info["label"])
        off = offline.get("groups", {}).get(video)
        live_path = out / "live" / video / "evaluation.json"
        live = json.loads(live_path.read_text()) if live_path.exists() else None
        row = {"clip": video, "framing": info.get("framing", ""), "label": info["label"], "model_label": label,
               "offline_windows": off["windows"] if off else 0, "offline": _ratio(off),
               "offline_cv": (off["constant_velocity"]["mae"] / off["zero_velocity"]["mae"]
                              if off and off["zero_velocity"]["mae"] else None),
               "offline_mae": off["model_metrics"]["mae"] if off else None,
               "offline_zero": off["zero_velocity"]["mae"] if off else None}
        on = online.get(video)
        row.update({"online_windows": on["windows"] if on else 0,
                    "online": on["model"] / on["zero"] if on and on["zero"] else None,
                    "online_model_only": on["model_only"] / on["zero"] if on and on["zero"] else None,
                    "online_sums": on})
        if off:
            dist, conf = off["emotion_distribution"], off.get("confident_distribution", {})
            row.update({"top": dist.get(label) if label else None, "confident": conf.get(label) if label else None,
                        "display": off["positive_rate"], "not_neutral": 1.0 - dist.get(NEUTRAL, 0.0),
                        "top_label": max(dist, key=dist.get)})
        if live:
            counts, confident = live["emotion_counts"], live.get("emotion_confident_counts", {})
            n = max(sum(counts.values()), 1)
            people = live.get("per_person", {})
            seconds = max((p["last_s"] - p["first_s"] for p in people.values()), default=0.0)
            row.update({"live": _ratio(live), "live_mae": live["model_metrics"]["mae"],
                        "live_zero": live["zero_velocity"]["mae"], "live_scored": live["scored_forecasts"],
                        "live_forecasts": live["forecasts"], "live_share": live.get("forecast_share"),
                        "live_person_s": seconds,
                        "live_top": counts.get(label, 0) / n if label else None,
                        "live_confident": confident.get(label, 0) / n if label else None,
                        "live_display": sum(v for k, v in confident.items() if k != NEUTRAL) / n,
                        "live_not_neutral": 1.0 - counts.get(NEUTRAL, 0) / n if sum(counts.values()) else None})
        rows.append(row)
    return rows


def _pooled(rows: list[dict], mae: str, zero: str, weight: str) -> float | None:
    pairs = [(r[mae] * r[weight], r[zero] * r[weight]) for r in rows
             if r.get(mae) is not None and r.get(zero) and r.get(weight)]
    return sum(m for m, _ in pairs) / sum(z for _, z in pairs) if pairs else None


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def summary(rows: list[dict]) -> dict:
    """Pooled and per group figures, and each goal with its value and whether it holds."""
    online_pooled = None
    sums = [r["online_sums"] for r in rows if r.get("online_sums")]
    if sums:
        online_pooled = sum(s["model"] for s in sums) / sum(s["zero"] for s in sums)
    live_rows = [dict(r, live_w=r.get("live_scored")) for r in rows]
    out = {"clips": len(rows),
           "offline_pooled": _pooled(rows, "offline_mae", "offline_zero", "offline_windows"),
           "online_pooled": online_pooled,
           "live_pooled": _pooled(live_rows, "live_mae", "live_zero", "live_w"),
           "offline_clip_mean": _mean([r["offline"] for r in rows]),
           "online_clip_mean": _mean([r["online"] for r in rows]),
           "live_clip_mean": _mean([r.get("live") for r in rows]),
           "groups": {}}
    for key in ("framing", "label"):
        for value in sorted({r[key] for r in rows}):
            part = [r for r in rows if r[key] == value]
            out["groups"][f"{key}={value}"] = {
                "clips": len(part), **{f"{k}_clip_mean": _mean([r.get(k) for r in part])
                                       for k in ("offline", "online", "live", "top", "confident", "display",
                                                 "not_neutral", "live_top", "live_confident", "live_display",
                                                 "live_not_neutral", "live_share")}}
    long_clips = [r for r in rows if (r.get("live_person_s") or 0) >= GOALS["live_min_s"]]
    greet = [r for r in rows if r["model_label"] == HAPPY]
    neutral = [r for r in rows if r["model_label"] == NEUTRAL]
    displays = [r for r in rows if r["model_label"] not in (HAPPY, NEUTRAL, None)]
    goals = {
        "live answers (forecast share after 2 s, worst clip with a person >= 4 s)":
            (min((r["live_share"] or 0.0 for r in long_clips), default=None), ">=", GOALS["live_share"]),
        "offline pooled": (out["offline_pooled"], "<=", GOALS["forecast_pooled"]),
        "online pooled": (out["online_pooled"], "<=", GOALS["forecast_pooled"]),
        "live pooled": (out["live_pooled"], "<=", GOALS["forecast_pooled"]),
        "online worst clip": (max((r["online"] for r in rows if r["online"] is not None), default=None), "<=",
                              GOALS["forecast_clip_max"]),
        "live worst clip": (max((r["live"] for r in rows if r.get("live") is not None), default=None), "<=",
                            GOALS["forecast_clip_max"]),
        "neutral clips' confident display rate (offline, clip mean)":
            (_mean([r.get("display") for r in neutral]), "<=", GOALS["neutral_display"]),
        "greetings: 'happy to see you' top (offline, clip mean)":
            (_mean([r.get("top") for r in greet]), ">=", GOALS["greeting_top"]),
        "greetings: 'happy to see you' confident (offline, clip mean)":
            (_mean([r.get("confident") for r in greet]), ">=", GOALS["greeting_confident"]),
        "cheering and laughing: not neutral (offline, clip mean)":
            (_mean([r.get("not_neutral") for r in displays]), ">=", GOALS["display_not_neutral"]),
        "neutral clips' confident display rate (live, clip mean)":
            (_mean([r.get("live_display") for r in neutral]), "<=", GOALS["neutral_display"]),
        "greetings: 'happy to see you' top (live, clip mean)":
            (_mean([r.get("live_top") for r in greet]), ">=", GOALS["greeting_top"]),
        "greetings: 'happy to see you' confident (live, clip mean)":
            (_mean([r.get("live_confident") for r in greet]), ">=", GOALS["greeting_confident"]),
        "cheering and laughing: not neutral (live, clip mean)":
            (_mean([r.get("live_not_neutral") for r in displays]), ">=", GOALS["display_not_neutral"]),
    }
    out["goals"] = {name: {"value": v, "goal": f"{op} {g}",
                           "met": None if v is None else (v >= g if op == ">=" else v <= g)}
                    for name, (v, op, g) in goals.items()}
    return out


def _f(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def tables(rows: list[dict], s: dict) -> str:
    lines = ["| clip | framing | label | offline windows | offline | constant-velocity | online | live | "
             "live forecast share | top label (offline) | label top / confident (offline) | display (offline) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['clip']} | {r['framing']} | {r['label']} | {r['offline_windows']} | {_f(r['offline'])} | "
                     f"{_f(r['offline_cv'])} | {_f(r['online'])} | {_f(r.get('live'))} | {_f(r.get('live_share'))} | "
                     f"{r.get('top_label', '–')} | {_f(r.get('top'))} / {_f(r.get('confident'))} | "
                     f"{_f(r.get('display'))} |")
    lines += ["", f"Pooled over {s['clips']} clips (MAE / zero-velocity MAE): offline {_f(s['offline_pooled'], 3)}, "
              f"online {_f(s['online_pooled'], 3)}, live {_f(s['live_pooled'], 3)}; clip means "
              f"{_f(s['offline_clip_mean'], 3)} / {_f(s['online_clip_mean'], 3)} / {_f(s['live_clip_mean'], 3)}.", "",
              "| group | clips | offline | online | live | top (offline / live) | confident (offline / live) | "
              "display (offline / live) | not neutral (offline / live) |", "|---|---|---|---|---|---|---|---|---|"]
    for name, g in s["groups"].items():
        lines.append(f"| {name} | {g['clips']} | {_f(g['offline_clip_mean'])} | {_f(g['online_clip_mean'])} | "
                     f"{_f(g['live_clip_mean'])} | {_f(g['top_clip_mean'])} / {_f(g['live_top_clip_mean'])} | "
                     f"{_f(g['confident_clip_mean'])} / {_f(g['live_confident_clip_mean'])} | "
                     f"{_f(g['display_clip_mean'])} / {_f(g['live_display_clip_mean'])} | "
                     f"{_f(g['not_neutral_clip_mean'])} / {_f(g['live_not_neutral_clip_mean'])} |")
    lines += ["", "| goal | value | target | met |", "|---|---|---|---|"]
    for name, g in s["goals"].items():
        met = "–" if g["met"] is None else "yes" if g["met"] else "no"
        lines.append(f"| {name} | {_f(g['value'], 3)} | {g['goal']} | {met} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--labels", type=Path, default=Path("../shared/data/real_video/labels.csv"))
    parser.add_argument("--trained-on", nargs="*", default=[], help="clips (video stems) the model trained on")
    a = parser.parse_args()
    rows = clip_rows(a.out, a.labels, set(a.trained_on))
    s = summary(rows)
    for r in rows:
        r.pop("online_sums", None)
    (a.out / "summary.json").write_text(json.dumps({"clips": rows, **s}, indent=2))
    text = tables(rows, s)
    (a.out / "tables.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
