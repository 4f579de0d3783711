"""The paper's Table 1 on this machine: parameters and ms per inference, PyTorch vs onnxruntime.

    .venv/bin/python benchmarks/model_table.py [--runs 200]
"""

from __future__ import annotations

import argparse
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
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
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
            rows.append([arch, f"{model.paper_parameter_count():,}", f"{sum(p.numel() for p in model.parameters()):,}",
                         t_torch["median_ms"], t_torch["p99_ms"], t_ort["median_ms"], t_ort["p99_ms"],
                         f"{os.path.getsize(path) / 1e6:.1f}"])
    print_table(f"Table 1 on this machine (batch 1, {args.threads} thread(s), {args.runs} runs; peak RSS "
                f"{peak_rss_mb():.0f} MB)",
                ["model", "params (paper count)", "params (+classifier)", "torch median ms", "torch p99 ms",
                 "onnxruntime median ms", "onnxruntime p99 ms", "onnx MB"], rows)


if __name__ == "__main__":
    main()
