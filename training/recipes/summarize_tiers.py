"""Table and plot of synthetic_tiers.sh: held-out-subject MAE after pretraining on N procedural samples.

    python training/recipes/summarize_tiers.py runs/default/tiers --out runs/default/tiers
Reads <tiers>/<arch>/<N>/fold_<subject>/eval_cmu.json; N = 0 is the same recipe without pretraining.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def collect(tiers: Path) -> dict[tuple[str, str], dict[int, dict]]:
    """{(arch, subject): {samples: eval_cmu.json}} for every (arch, subject) with a tier 0 and another tier."""
    out: dict[tuple[str, str], dict[int, dict]] = {}
    for path in sorted(tiers.glob("*/[0-9]*/fold_*/eval_cmu.json")):
        fold, tier, arch = path.parent, path.parent.parent, path.parent.parent.parent
        out.setdefault((arch.name, fold.name.removeprefix("fold_")), {})[int(tier.name)] = json.loads(path.read_text())
    return {k: v for k, v in out.items() if 0 in v and len(v) > 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tiers", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    a = parser.parse_args()
    results = collect(a.tiers)
    if not results:
        raise SystemExit(f"no tier results under {a.tiers}: run training/recipes/synthetic_tiers.sh")
    a.out.mkdir(parents=True, exist_ok=True)
    lines = ["| architecture | held-out subject | procedural pretraining samples | MAE | vs zero-velocity "
             "| MAE change vs no pretraining | positive_rate |", "|---|---|---|---|---|---|---|"]
    change: dict[str, dict[int, float]] = {}
    for (arch, s), tiers in results.items():
        base = tiers[0]["model_metrics"]["mae"]
        for n in sorted(tiers):
            r = tiers[n]
            mae = r["model_metrics"]["mae"]
            change.setdefault(f"{arch} {s}", {})[n] = mae / base - 1
            lines.append(f"| {arch} | {s} | {n:,} | {mae:.4f} | {-100 * r['improvement_vs_zero_velocity']:+.1f} % "
                         f"| {100 * (mae / base - 1):+.1f} % | {r['positive_rate']:.3f} |")
    (a.out / "tiers.md").write_text("\n".join(lines) + "\n")
    (a.out / "tiers.json").write_text(json.dumps(change, indent=2))
    print("\n".join(lines))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for name, c in change.items():
        ns = sorted(c)
        ax.plot([n / 1000 for n in ns], [100 * c[n] for n in ns], marker="o", label=f"{name} held out")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("procedural pretraining samples (thousands)")
    ax.set_ylabel("held-out MAE change vs no pretraining (%)")
    ax.set_title("Synthetic pretraining, leave-one-subject-out")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(a.out / "synthetic_tiers.png", dpi=120)
    print(f"wrote {a.out / 'tiers.md'}, {a.out / 'synthetic_tiers.png'}")


if __name__ == "__main__":
    main()
