"""Training speed per architecture on this machine: windows/s of the real training step
(forward, MSE + 0.3·CE, backward, Adam) on random normalised windows.

    .venv/bin/python benchmarks/training_throughput.py [--batch-size 64] [--threads 1] [--json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from table import peak_rss_mb, print_table

from nvhai_predictor.contract import EMOTION_LABELS
from nvhai_training.keypoint_dataset import Windows
from nvhai_training.models import ARCHITECTURES
from nvhai_training.train import TrainConfig, pick_device, train


def windows(n: int) -> Windows:
    rng = np.random.default_rng(0)
    return Windows(rng.normal(0, 0.3, (n, 60, 17, 2)).astype(np.float32),
                   rng.normal(0, 0.3, (n, 30, 17, 2)).astype(np.float32),
                   rng.integers(-1, len(EMOTION_LABELS), n), np.zeros(n, np.int64))


def main() -> None:
    load_start = round(os.getloadavg()[0], 2)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, default=2048, help="windows per epoch (2 epochs; the 2nd is reported)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = windows(args.windows)
    device = str(pick_device(args.device))
    runs = []
    for arch in ARCHITECTURES:
        config = TrainConfig(arch=arch, epochs=2, batch_size=args.batch_size, threads=args.threads,
                             device=args.device, eval_every=100)
        out = os.path.join("/tmp", f"nvhai_bench_{arch}")
        t0 = time.perf_counter()
        train(config, data, None, out, progress=False)
        seconds = time.perf_counter() - t0
        with open(os.path.join(out, "log.csv")) as f:
            last = f.read().splitlines()[-1].split(",")
        runs.append({"arch": arch, "windows_per_s": float(last[-1]), "seconds_2_epochs": round(seconds, 2)})
    result = {"date": datetime.date.today().isoformat(), "load_avg_1m": load_start, "cpus": os.cpu_count(), "device": device,
              "threads": args.threads, "batch_size": args.batch_size, "runs": runs,
              "peak_rss_mb": round(peak_rss_mb())}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print_table(f"Training throughput ({device}, {args.threads} thread(s), batch {args.batch_size}, "
                f"{args.windows} windows per epoch; peak RSS {result['peak_rss_mb']} MB)",
                ["architecture", "windows/s (2nd epoch)"], [[r["arch"], f"{r['windows_per_s']:.0f}"] for r in runs])


if __name__ == "__main__":
    main()
