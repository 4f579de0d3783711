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


def group_bars(result: dict, out: str | Path) -> None:
    """Per-group MAE of the model next to zero- and constant-velocity (an `evaluate` result with groups)."""
    import numpy as np

    groups = result.get("groups") or {"all": result}
    names = list(groups)
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(names) + 2), 4))
    for k, (key, label) in enumerate((("model_metrics", result["model"]), ("zero_velocity", "zero-velocity"),
                                      ("constant_velocity", "constant-velocity"))):
        ax.bar(x + (k - 1) * 0.27, [groups[g][key]["mae"] for g in names], 0.27, label=label)
    ax.set_xticks(x, names, rotation=30 if len(names) > 6 else 0, ha="right" if len(names) > 6 else "center")
    ax.set_ylabel("MAE over the second (normalised)")
    ax.set_title(f"Forecast error per {result.get('group_by', 'set')}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def confusion_matrix(result: dict, out: str | Path) -> None:
    """Row-normalised confusion matrix (true label x predicted) of an `evaluate` result."""
    import numpy as np

    m = np.asarray(result["emotion"]["confusion"], float)
    labels = result["labels"]
    rows = m.sum(axis=1, keepdims=True)
    share = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{share[i, j]:.2f}\n({int(m[i, j])})", ha="center", va="center", fontsize=8,
                    color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Emotion on held-out windows")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
