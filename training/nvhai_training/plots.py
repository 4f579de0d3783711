"""The paper's plots from training logs: MAE curves (scratch vs pretrained) and improvement per tier."""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def read_log(path: str | Path) -> tuple[list[int], list[float], list[float]]:
    epochs, mae, zv = [], [], []
    with Path(path).open() as f:
        for row in csv.DictReader(f):
            if row.get("mae"):
                epochs.append(int(row["epoch"]))
                mae.append(float(row["mae"]))
                zv.append(float(row["mae_zero_velocity"]))
    return epochs, mae, zv


def mae_curves(logs: dict[str, str | Path], out: str | Path, title: str = "Test MAE (normalised space)") -> None:
    """One curve per named log (e.g. 'scratch', 'pretrained 9k'), zero-velocity as a dashed line."""
    fig, ax = plt.subplots(figsize=(7, 4))
    zv_drawn = False
    for name, path in logs.items():
        epochs, mae, zv = read_log(path)
        ax.plot(epochs, mae, marker="o", ms=3, label=name)
        if zv and not zv_drawn:
            ax.axhline(zv[-1], ls="--", c="gray", label="zero-velocity baseline")
            zv_drawn = True
    ax.set_xlabel("epoch")
    ax.set_ylabel("MAE")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def tier_improvement(scratch_mae: float, tiers: dict[str, float], out: str | Path) -> None:
    """Bar chart of the relative MAE improvement over training from scratch, per synthetic tier."""
    names = list(tiers)
    gains = [100.0 * (1 - tiers[n] / scratch_mae) for n in names]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(names, gains, color="tab:green")
    ax.set_ylabel("MAE improvement over scratch (%)")
    ax.set_title("Synthetic pretraining, per tier")
    for i, g in enumerate(gains):
        ax.text(i, g, f"{g:.1f}%", ha="center", va="bottom")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
