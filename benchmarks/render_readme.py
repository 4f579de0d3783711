"""The benchmark tables of docs/benchmarks.md (and of any page in PAGES), rendered from benchmarks/results/*.json
(what `make benchmark` writes) into the blocks between `<!-- benchmark: NAME -->` and `<!-- /benchmark -->`.

    .venv/bin/python benchmarks/render_readme.py [--check] [PAGE ...]   # --check: exit 1 if a page is stale
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PAGES = ("README.md", "docs/benchmarks.md")  # pages that may hold benchmark blocks (the tables are in docs/benchmarks.md)
BLOCK = re.compile(r"(<!-- benchmark: (\w+) -->\n)(.*?)(<!-- /benchmark -->)", re.S)


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _ms(s: dict) -> str:
    return "n/a" if s["median"] is None else f"{s['median']:.1f} / {s['p99']:.1f}"


def loop_latency(r: dict) -> str:
    models = any("model" in run for run in r["runs"])  # results from before model_complexity have one model
    rows = []
    for run in r["runs"]:
        procs = ", ".join(f"{p['name']} {p['cpu_percent']:.0f} % {p['rss_mb']:.0f} MB" for p in run["processes"]
                          if p["name"] != "probe (benchmark)")
        rows.append([run["shape"].replace("_", " "), run["people"], *([run["model"]] if models else []),
                     run["people_mean"], f"{run['fps']:.1f}",
                     _ms(run["stages_ms"]["keypoints"]), _ms(run["stages_ms"]["forecast"]), _ms(run["e2e_ms"]),
                     f"{run['drops']['perception']} / {run['frames']['camera']}", procs, run["load_avg_1m"]])
    params = f" --perception {' '.join(r['perception_params'])}" if r["perception_params"] else ""
    text = (f"`benchmarks/loop_latency.py --frames {r['frames']}{params}`, {r['date']}, {r['cpus']} CPU cores, camera at "
            f"{r['camera_fps']:.0f} FPS, predictor on `{r['onnxruntime_provider']}`"
            + ". Latency from the image stamp, ms median / p99; *dropped* = camera frames perception skipped; "
            "*load* = the machine's 1-minute load average when the run started:\n\n")
    text += table(["shape", "max_people", *(["model"] if models else []), "people found per frame",
                   "FPS at `/avatar/response`", "→ keypoints", "→ forecast", "→ response (e2e)",
                   "dropped / camera frames", "CPU, RSS per process", "load"], rows)
    if "reference" in r:
        refs = r["reference"] if models else {"": r["reference"]}
        ref = next(iter(refs.values()))
        text += (f"\nThe same run, the same {ref['frames']} clip frames one after another in one process, through "
                 "MediaPipe alone (1: its single-person Pose; 2: its PoseLandmarker, `num_poses` 2"
                 + ("; 2 (crops): two single-person Poses on fixed crops around the two people, in two threads"
                    if models else "") + ") and through the perception core as the loop runs it (ms per frame, "
                 "median / p99; people found per frame):\n\n")
        rows = []
        for model, ref in refs.items():
            core = ref["perception_core_ms"]
            for k, v in ref["bare_mediapipe_ms"].items():
                rows.append([*([model] if models else []), k, _ms(v), v["people_per_frame"],
                             _ms(core[k]) if k in core else "", core[k]["people_per_frame"] if k in core else ""])
        text += table([*(["model"] if models else []), "people", "bare MediaPipe", "found", "perception core",
                       "found"], rows)
    return text


def multi_person(r: dict) -> str:
    rows = []
    for x in r["rows"]:
        a = x.get("agreement")
        rows.append([x["what"], f"{x['ms']['median']:.1f} / {x['ms']['p99']:.1f}", x["people_per_frame"],
                     *(["(reference)"] * 3 if a and a["median_error"] == 0 else
                       [f"{a['people_matched']:.0%}", f"{a['median_error']:.3f}", f"{a['pck_0.1']:.1%}"] if a
                       else ["", "", ""])])
    return (f"`benchmarks/multi_person.py`, {r['date']}, clip frames {r['clip_frames'][0]}–{r['clip_frames'][1]}, "
            f"load {r['load_avg_1m']}; agreement with *{r['reference']}*:\n\n"
            + table(["what", "ms per frame, median / p99", "people per frame", "people matched",
                     "median keypoint error / box height", "PCK@0.1"], rows)
            + "".join(f"\nAgainst roi's own lite keypoints on every frame, refresh_every 2 matches "
                      f"{a['people_matched']:.0%} of people, median error {a['median_error']:.3f} of box height, "
                      f"PCK@0.1 {a['pck_0.1']:.1%}.\n"
                      for x in r["rows"] if (a := x.get("agreement_with_roi_every_frame"))))


def perception_latency(r: dict) -> str:
    return (f"`benchmarks/perception_latency.py`, {r['date']}, load {r['load_avg_1m']}, {r['image']}; node in its own "
            "process, images through "
            "`fastdds_local.xml`; latency = keypoints received − image stamp:\n\n"
            + table(["what", "median ms", "p99 ms", "frames/s", "frames out/in"],
                    [[x["what"], f"{x['median_ms']:.1f}", f"{x['p99_ms']:.1f}", x["fps"],
                      f"{x['frames_out']}/{x['frames_in']}"] for x in r["rows"]]))


def predictor_latency(r: dict) -> str:
    # results taken before online adaptation existed have no adaptation columns
    online = any("adaptation_overhead_ms" in x for x in r["rows"])
    return (f"`benchmarks/predictor_latency.py --runs {r['runs']}`, {r['date']}, load {r['load_avg_1m']}, onnxruntime "
            "CPU, 1 thread; node "
            "overhead = time in the node's callback − bare inference (median ms)"
            + ("; adaptation overhead = core step − core step with online adaptation and gate off" if online else "")
            + ":\n\n"
            + table(["model", "bare inference", "core step", "node callback", "node overhead",
                     "e2e via DDS (in-process)", *(["core step, adaptation off", "adaptation overhead"] if online else [])],
                    [[x["model"], f"{x['bare_median_ms']:.2f}", f"{x['core_median_ms']:.2f}",
                      f"{x['callback_median_ms']:.2f}", f"{x['node_overhead_ms']:.2f}", f"{x['e2e_median_ms']:.2f}",
                      *([f"{x['core_adaptation_off_median_ms']:.2f}", f"{x['adaptation_overhead_ms']:.2f}"]
                        if online else [])]
                     for x in r["rows"]]))


def predictor_crowd(r: dict) -> str:
    def pair(d: dict, a: str, b: str) -> str:
        return "n/a" if d[a] is None else f"{d[a]:.1f} / {d[b]:.1f}"

    rows = [[x["people"], " ".join(f"`{p}`" for p in x["params"]) or "shipped defaults",
             pair(x["step_ms"], "median", "p99"), pair(x["latency_ms"]["first_10s"], "p50", "p95"),
             pair(x["latency_ms"]["last_10s"], "p50", "p95"), x["forecasts_per_frame"],
             f"{x['rss_mb']['before']:.0f} / {x['rss_mb']['crowd']:.0f} / {x['rss_mb']['after_forgetting']:.0f}"]
            for x in r["rows"]]
    return (f"`benchmarks/predictor_crowd.py --seconds {r['seconds']:.0f}`, {r['date']}, {r['cpus']} CPU cores, load "
            f"{r['load_avg_1m']}; the predictor node in its own process, every person in every keypoints message at "
            f"{r['rate_hz']:.0f} FPS; *step* = its keypoints callback per frame (ms median / p99); *latency* = "
            "forecast received − its keypoints' stamp (ms p50 / p95):\n\n"
            + table(["people in view", "predictor parameters", "step", "latency, first 10 s", "latency, last 10 s",
                     "forecasts per frame", "RSS MB before / with the crowd / after it was forgotten"], rows))


def model_table(r: dict) -> str:
    return (f"The paper's Table 1 here (`benchmarks/model_table.py --runs {r['runs']}`, {r['date']}, load "
            f"{r['load_avg_1m']}, batch 1, "
            f"{r['threads']} thread):\n\n"
            + table(["model", "params (paper's count)", "params (+ classifier)", "torch ms", "onnxruntime ms",
                     "ONNX MB"],
                    [[x["arch"], f"{x['params_paper']:,}", f"{x['params']:,}", f"{x['torch_median_ms']:.2f}",
                      f"{x['onnxruntime_median_ms']:.2f}", x["onnx_mb"]] for x in r["rows"]]))


def training_throughput(r: dict) -> str:
    return (f"Training (`benchmarks/training_throughput.py`, {r['date']}, load {r['load_avg_1m']}, {r['device']}, "
            f"{r['threads']} thread, batch "
            f"{r['batch_size']}):\n\n"
            + table(["architecture", "windows/s"], [[x["arch"], f"{x['windows_per_s']:.0f}"] for x in r["runs"]]))


RENDERERS: dict[str, Callable[[dict], str]] = {f.__name__: f for f in (
    loop_latency, multi_person, perception_latency, predictor_latency, predictor_crowd, model_table,
    training_throughput)}
RENDERERS["loop_latency_roi_refresh2"] = loop_latency  # the same loop with multi_person roi, refresh_every 2


def render(readme: str, results: Path = RESULTS) -> str:
    """`readme` with each benchmark block replaced by its table (blocks without a result stay as they are)."""

    def block(m: re.Match) -> str:
        path = results / f"{m.group(2)}.json"
        if m.group(2) not in RENDERERS or not path.exists():
            return m.group(0)
        return m.group(1) + RENDERERS[m.group(2)](json.loads(path.read_text())) + m.group(4)

    return BLOCK.sub(block, readme)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 when a page's tables differ from results/")
    parser.add_argument("pages", nargs="*", default=[str(ROOT / page) for page in PAGES],
                        help="markdown pages to render (default: README.md and docs/benchmarks.md)")
    args = parser.parse_args()
    stale = 0
    for path in map(Path, args.pages):
        old = path.read_text()
        new = render(old)
        if args.check:
            if new != old:
                print(f"{path}: benchmark tables differ from {RESULTS}; run benchmarks/render_readme.py", file=sys.stderr)
                stale = 1
        elif new != old:
            path.write_text(new)
    return stale


if __name__ == "__main__":
    sys.exit(main())
