"""training/recipes/emotion_prior_study.py: a prior moves the odds as documented, and no fold's own people
help choose the share its figures are reported at."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from nvhai_predictor.contract import EMOTION_LABELS, NEUTRAL_LABEL

SPEC = importlib.util.spec_from_file_location(
    "emotion_prior_study", Path(__file__).resolve().parents[1] / "recipes" / "emotion_prior_study.py")
study = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(study)
NEUTRAL = EMOTION_LABELS.index(NEUTRAL_LABEL)
ENTHUSIASTIC = EMOTION_LABELS.index("enthusiastic")


def test_prior_multiplies_balanced_odds():
    balanced = np.log(np.array([[0.5, 0.1, 0.1, 0.3]]))
    p = study.with_prior(balanced, {NEUTRAL_LABEL: 0.75})  # neutral 0.75, each display 0.25 / 3
    assert np.isclose(p.sum(), 1) and np.isclose(p[0, NEUTRAL] / p[0, ENTHUSIASTIC], 0.3 / 0.5 * 0.75 / (0.25 / 3))
    assert study.positive(study.with_prior(balanced, {NEUTRAL_LABEL: 0.25})).all() and not study.positive(p).any()


def test_laughing_candidates_take_their_share_of_the_displays():
    priors = study.candidates([0.5], [3, 12])
    assert priors[0] == {NEUTRAL_LABEL: 0.5}, "an equal laughing share is the plain neutral prior"
    assert priors[1] == {NEUTRAL_LABEL: 0.5, "laughing": round(0.5 / 12, 4)}
    balanced = np.log(np.full((1, len(EMOTION_LABELS)), 0.25))
    p = study.with_prior(balanced, priors[1])[0]
    laughing = EMOTION_LABELS.index("laughing")
    assert np.isclose(p[NEUTRAL], 0.5) and np.isclose(p[laughing], 0.5 / 12, atol=1e-4)
    assert np.isclose(p[ENTHUSIASTIC], (0.5 - p[laughing]) / 2)
    assert study.export_args(priors[1]) == f"neutral=0.5 laughing={round(0.5 / 12, 4):g}"


def _fold(calm_top: float) -> dict:
    """One fold's held-out windows: displays (G1, G11, Bandai greetings) with balanced P(enthusiastic) spread
    over 0.2-0.9, non-display gestures and CMU spread over 0.05-`calm_top`, labelled procedural windows."""
    def logp(p_keen: np.ndarray) -> np.ndarray:
        rows = np.tile((1 - p_keen)[:, None] / (len(EMOTION_LABELS) - 1), (1, len(EMOTION_LABELS)))
        rows[:, ENTHUSIASTIC] = p_keen
        return np.log(rows)
    shown, calm = np.linspace(0.2, 0.9, 20), np.linspace(0.05, calm_top, 20)
    actions = np.array(["G1 lift outstretched arms"] * 10 + ["G11 Beat both"] * 10 + ["G2 Duck"] * 20)
    msrc = logp(np.concatenate([shown[::2], shown[1::2], calm]))
    synth_truth = np.array([ENTHUSIASTIC] * 5 + [NEUTRAL] * 5)
    return {"msrc": (msrc, actions), "cmu": (logp(calm), np.array(["001"] * 20)),
            "bandai": [(logp(shown), np.full(20, ENTHUSIASTIC))],
            "synth": (logp(np.array([0.9] * 5 + [0.05] * 5)), synth_truth)}


def test_each_fold_is_scored_at_a_share_chosen_without_it():
    shares = study.candidates([0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [3, 12])
    # Folds a, b: calm people stay calm, so a low neutral share serves them best; fold c's calm people look
    # keen (up to 0.8), which alone would push its choice up: it must not take part in its own choice.
    data = {"a": _fold(0.3), "b": _fold(0.3), "c": _fold(0.8)}
    per_fold, shipped = study.cross_validate(data, shares)
    assert per_fold["c"]["prior"] == study.choose([data["a"], data["b"]], shares)
    assert per_fold["a"]["prior"] == study.choose([data["b"], data["c"]], shares)
    assert shipped == study.choose(list(data.values()), shares)
    alone = study.choose([data["c"]], shares)
    assert alone != per_fold["c"]["prior"], "the test must tell the fold's own choice from the others'"
    fig = per_fold["c"]["figures"]
    assert set(fig) == set(study.GOALS) and 0 <= fig["G1"] <= 1


def test_each_fold_is_exported_with_balanced_odds_as_the_cli_would(tmp_path):
    """fold_data exports a fold's checkpoint through the library (export_checkpoint), not the CLI's main():
    the same file as `nvhai-train export --no-prior-correction`, the odds the class weights balanced."""
    from nvhai_predictor.model_runner import ModelRunner
    from nvhai_training.cli import main
    from nvhai_training.export import export_checkpoint

    assert main(["synth", "--count", "120", "--out", str(tmp_path / "synth.npz")]) == 0
    assert main(["train", "--arch", "residual_linear", "--train", str(tmp_path / "synth.npz"), "--epochs", "1",
                 "--class-weights", "--out", str(tmp_path / "fold_1")]) == 0
    assert main(["export", "--checkpoint", str(tmp_path / "fold_1" / "model.pt"), "--no-prior-correction",
                 "--out", str(tmp_path / "cli.onnx")]) == 0
    contract, bias = export_checkpoint(tmp_path / "fold_1" / "model.pt", tmp_path / "lib.onnx", correct_prior=False)
    assert bias is None and contract.model_name == "nvhai-residual_linear"
    window = np.random.default_rng(0).normal(0, 0.1, (3, 60, 17, 2)).astype(np.float32)
    cli, lib = (ModelRunner(str(tmp_path / f"{name}.onnx"), threads=1).run(window) for name in ("cli", "lib"))
    for a, b in zip(cli, lib, strict=True):
        assert np.array_equal(a.future, b.future) and np.array_equal(a.emotion_probs, b.emotion_probs)
    corrected = export_checkpoint(tmp_path / "fold_1" / "model.pt", tmp_path / "data.onnx")[1]
    assert corrected is not None and len(corrected) == len(EMOTION_LABELS), "the default restores the data's odds"
