"""ONNX export carries the contract, loads in the predictor's runner and matches PyTorch to 1e-4."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nvhai_predictor.contract import ModelContract
from nvhai_predictor.model_runner import ModelRunner
from nvhai_training.export import export_onnx
from nvhai_training.models import ARCHITECTURES, build_model


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_onnx_matches_torch(arch, tmp_path):
    torch.manual_seed(0)
    model = build_model(arch).eval()
    if arch == "residual_dct":  # its output layer starts at zero: give it weights to compare
        torch.nn.init.normal_(model.generation_head.weight, std=0.01)
    path = tmp_path / f"{arch}.onnx"
    export_onnx(model, str(path), ModelContract(model_name=f"test-{arch}"))
    runner = ModelRunner(str(path))
    assert runner.model_name == f"test-{arch}"
    x = np.random.default_rng(1).normal(0, 0.4, (5, 60, 17, 2)).astype(np.float32)
    preds = runner.run(x)
    with torch.no_grad():
        future, logits = model(torch.from_numpy(x).flatten(2))
    np.testing.assert_allclose(np.stack([p.future for p in preds]), future.view(5, 30, 17, 2).numpy(), atol=1e-4)
    np.testing.assert_allclose(np.stack([p.emotion_probs for p in preds]), torch.softmax(logits, -1).numpy(),
                               atol=1e-4)


def test_prior_correction_is_added_to_the_emotion_logits(tmp_path):
    from nvhai_training.train import prior_correction

    torch.manual_seed(1)
    model = build_model("residual_linear").eval()
    torch.nn.init.normal_(model.classification_head[1].weight, std=0.05)
    weights = [3.3, 3.3, 1.1, 0.4]  # class-weighted CE favoured the rare classes by these factors
    bias = prior_correction(weights)
    np.testing.assert_allclose(bias, -np.log(weights), rtol=1e-6)
    path = tmp_path / "corrected.onnx"
    export_onnx(model, str(path), ModelContract(model_name="corrected"), logit_bias=bias)
    x = np.random.default_rng(2).normal(0, 0.4, (4, 60, 17, 2)).astype(np.float32)
    probs = np.stack([p.emotion_probs for p in ModelRunner(str(path)).run(x)])
    with torch.no_grad():
        _, logits = model(torch.from_numpy(x).flatten(2))
    expected = torch.softmax(logits + torch.tensor(bias), -1).numpy()
    np.testing.assert_allclose(probs, expected, atol=1e-5)
    uncorrected = torch.softmax(logits, -1).numpy()
    assert (probs[:, 3] / probs[:, 0] > uncorrected[:, 3] / uncorrected[:, 0]).all(), "neutral regains its odds"


def test_emotion_prior_sets_the_odds_of_the_people_met():
    from nvhai_training.train import deployment_prior

    labels = ["enthusiastic", "laughing", "happy to see you", "neutral"]
    bias = deployment_prior([3.3, 3.3, 1.1, 0.4], labels, {"neutral": 0.5})
    # Balanced odds times these: neutral is as likely as the three displays together, whatever the data's mix.
    np.testing.assert_allclose(np.exp(bias), [1 / 6, 1 / 6, 1 / 6, 0.5], rtol=1e-6)
    np.testing.assert_allclose(np.exp(deployment_prior([1.0] * 4, labels, {"neutral": 0.4, "laughing": 0.1})),
                               [0.25, 0.1, 0.25, 0.4], rtol=1e-6)
    for weights, prior, words in ((None, {"neutral": 0.5}, "--class-weights"), ([1.0] * 4, {"sad": 0.5}, "sad"),
                                  ([1.0] * 4, {"neutral": 0.6, "laughing": 0.5}, "sum to 1")):
        with pytest.raises(ValueError, match=words):
            deployment_prior(weights, labels, prior)
