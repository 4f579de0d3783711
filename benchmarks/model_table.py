"""The paper's Table 1 on this machine: parameters and ms per inference, PyTorch vs onnxruntime.

    .venv/bin/python benchmarks/model_table.py [--runs 200] [--json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from table import peak_rss_mb, print_table, stats_ms

from nvhai_predictor.contract import ModelContract
from nvhai_predictor.model_runner import ModelRunner
from nvhai_training.export import export_onnx
from nvhai_training.models import ARCHITECTURES, build_model


def timed(fn, runs: int) -> list[float]:
    for _ in range(10):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    load_start = round(os.getloadavg()[0], 2)
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    x = np.random.default_rng(0).normal(0, 0.3, (1, 60, 17, 2)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        for arch in ARCHITECTURES:
            model = build_model(arch).eval()
            path = os.path.join(tmp, f"{arch}.onnx")
            export_onnx(model, path, ModelContract(model_name=arch))
            runner = ModelRunner(path, threads=args.threads)
            xt = torch.from_numpy(x).flatten(2)
            with torch.no_grad():
                t_torch = stats_ms(timed(lambda m=model, xt=xt: m(xt), args.runs))
            t_ort = stats_ms(timed(lambda r=runner: r.run(x), args.runs))
            rows.append({"arch": arch, "params_paper": model.paper_parameter_count(),
                         "params": sum(p.numel() for p in model.parameters()),
                         "torch_median_ms": round(t_torch["median_ms"], 3), "torch_p99_ms": round(t_torch["p99_ms"], 3),
                         "onnxruntime_median_ms": round(t_ort["median_ms"], 3),
                         "onnxruntime_p99_ms": round(t_ort["p99_ms"], 3),
                         "onnx_mb": round(os.path.getsize(path) / 1e6, 1)})
    result = {"date": datetime.date.today().isoformat(), "load_avg_1m": load_start, "cpus": os.cpu_count(),
              "threads": args.threads,
              "runs": args.runs, "rows": rows, "peak_rss_mb": round(peak_rss_mb())}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print_table(f"Table 1 on this machine (batch 1, {args.threads} thread(s), {args.runs} runs; peak RSS "
                f"{result['peak_rss_mb']} MB)",
                ["model", "params (paper count)", "params (+classifier)", "torch median ms", "torch p99 ms",
                 "onnxruntime median ms", "onnxruntime p99 ms", "onnx MB"],
                [[r["arch"], f"{r['params_paper']:,}", f"{r['params']:,}", r["torch_median_ms"], r["torch_p99_ms"],
                  r["onnxruntime_median_ms"], r["onnxruntime_p99_ms"], r["onnx_mb"]] for r in rows])


if __name__ == "__main__":
    main()
