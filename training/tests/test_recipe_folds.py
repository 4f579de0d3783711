"""The recipe's folds (training/recipes/recipe_args.sh, read by bash as default_model.sh reads it): every
MSRC-12 person and every Bandai dataset-1 content is held out by exactly one fold, a fold trains only on
files split without its people and contents, and the card's Bandai table scores each content only with
the fold models that never saw it."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from nvhai_training.protocol import person_of

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "training" / "recipes"
SHARED = ROOT.parent / "shared" / "data"
BANDAI_META = SHARED / "bandai_namco" / "bandai_coco17_30fps_meta.json"
MSRC12 = SHARED / "msrc12" / "msrc12_coco17_30fps.npz"
FOLDS = range(1, 6)


def _recipe(*lines: str) -> list[str]:
    """Run bash lines after sourcing recipe_args.sh; one output line per printed line."""
    script = f"source {RECIPES / 'recipe_args.sh'}\n" + "\n".join(lines)
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    return out.stdout.split("\n")[:-1]


def _table(name: str) -> dict[int, list[str]]:
    rows = _recipe(*(f'echo "${{{name}[{k}]}}"' for k in FOLDS))
    return {k: row.split() for k, row in zip(FOLDS, rows, strict=True)}


def _partition(table: dict[int, list[str]]) -> set[str]:
    held = [g for groups in table.values() for g in groups]
    assert len(held) == len(set(held)), f"a group is held out by two folds: {table}"
    return set(held)


def test_each_msrc12_person_is_held_out_by_exactly_one_fold():
    held = _partition(_table("MSRC12_FOLDS"))
    assert len(held) == 22
    if MSRC12.exists():
        assert held == {person_of(n) for n in np.load(MSRC12).files}


def test_each_bandai_dataset_1_content_is_held_out_by_exactly_one_fold():
    held = _partition(_table("BANDAI_D1_FOLDS"))
    if not BANDAI_META.exists():
        pytest.skip(f"{BANDAI_META} not found (../shared beside the checkout)")
    clips = json.loads(BANDAI_META.read_text())["clips"]
    assert held == {m["content"] for m in clips.values() if int(m["dataset"]) == 1}


def test_a_fold_trains_only_on_files_split_without_its_groups():
    cmu = _table("CMU_FOLDS")
    assert sorted(p for people in cmu.values() for p in people) == ["001", "002", "003", "005", "131"]
    for k, (person,) in cmu.items():
        files = " ".join(_recipe(f"fold_data fold_{k} {person}")).split()
        paths = [f.split("@")[0].split(":")[0] for f in files]
        # whole files that hold a fold's people or contents never train it: only its own split halves
        assert not {"msrc.npz", "bandai.npz", "bandai_d1.npz", "bandai_d2.npz"} & set(paths), files
        assert f"fold_{k}/msrc_train.npz" in paths and f"fold_{k}/bandai_d1_train.npz" in paths
        assert not any(p.startswith("fold_") and not p.startswith(f"fold_{k}/") for p in paths), files
        assert ("cmu.npz" in paths) == (person == "131") and ("cmu131.npz" in paths) == (person != "131")
    shipped = [f.split("@")[0].split(":")[0] for f in " ".join(_recipe("all_data")).split()]
    assert {"msrc.npz", "bandai_d1.npz", "bandai_d2.npz", "cmu.npz", "cmu131.npz"} <= set(shipped)


def _summarize():
    spec = importlib.util.spec_from_file_location("summarize_protocol", RECIPES / "summarize_protocol.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _eval(groups: dict[str, float]) -> dict:
    block = lambda m: {"windows": 10, "model_metrics": {"mae": m}, "zero_velocity": {"mae": 1.0},  # noqa: E731
                       "positive_rate": 0.5}
    return {"labels": ["a", "b"], "groups": {g: block(m) for g, m in groups.items()},
            "emotion": {"confusion": [[1, 0], [0, 1]], "not_neutral_recall": 1.0, "neutral_positive_rate": 0.0}}


def test_bandai_table_scores_each_content_with_the_folds_that_held_it_out(tmp_path):
    folds = [tmp_path / "fold_1", tmp_path / "fold_2"]
    for fold, d1 in zip(folds, ({"guide": 1.5, "bow": 0.8}, {"bye": 0.9}), strict=True):
        fold.mkdir()
        wave = 0.7 if fold.name == "fold_1" else 0.9
        (fold / "eval_bandai_d1.json").write_text(json.dumps(_eval(d1)))
        (fold / "eval_bandai_d2.json").write_text(json.dumps(_eval({"wave": wave})))
    lines, emotion = _summarize().bandai_table(folds)
    rows = {line.split("|")[2].strip(): line.split("|")[6].strip() for line in lines if line.startswith("| dataset")}
    assert rows == {"bow": "0.800×", "bye": "0.900×", "guide": "1.500×", "wave": "0.800×"}
    assert "d1/guide" in lines[-1] and "1.500×" in lines[-1]
    assert np.asarray(emotion["confusion"]).sum() == 8  # two runs per part, two folds
