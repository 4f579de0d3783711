"""training/recipes/summarize_tiers.py: one row per architecture, subject and tier, change against tier 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "summarize_tiers.py"


def _eval(path: Path, mae: float, zv: float) -> None:
    path.mkdir(parents=True)
    (path / "eval_cmu.json").write_text(json.dumps({"model_metrics": {"mae": mae}, "positive_rate": 0.1,
                                                    "improvement_vs_zero_velocity": 1 - mae / zv}))


def test_table_plot_and_relative_change(tmp_path):
    tiers = tmp_path / "tiers"
    _eval(tiers / "mlp" / "0" / "fold_001", 0.10, 0.08)
    _eval(tiers / "mlp" / "9000" / "fold_001", 0.09, 0.08)
    _eval(tiers / "mlp" / "9000" / "fold_005", 0.09, 0.08)  # no tier 0 for 005: left out
    out = subprocess.run([sys.executable, str(RECIPE), str(tiers), "--out", str(tmp_path / "o")], capture_output=True,
                         text=True, check=True).stdout
    assert "| mlp | 001 | 9,000 | 0.0900 | +12.5 % | -10.0 % | 0.100 |" in out
    assert "| 005 |" not in out
    change = json.loads((tmp_path / "o" / "tiers.json").read_text())
    assert set(change) == {"mlp 001"} and change["mlp 001"]["0"] == 0 and abs(change["mlp 001"]["9000"] + 0.1) < 1e-9
    assert (tmp_path / "o" / "synthetic_tiers.png").stat().st_size > 5000
