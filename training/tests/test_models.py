"""The paper's four architectures match Table 1 exactly; every model trains and exports."""

from __future__ import annotations

import pytest
import torch

from nvhai_predictor.contract import EMOTION_LABELS
from nvhai_training.models import ARCHITECTURES, build_model

# Encoder + generation head (Linear to 1020): the paper's Table 1.
PAPER_COUNTS = {"mlp": 2_914_428, "lstm": 347_644, "cnn_lstm": 592_060, "transformer": 3_430_140}


@pytest.mark.parametrize("arch", list(PAPER_COUNTS))
def test_parameter_counts_match_the_paper(arch):
    model = build_model(arch)
    assert model.paper_parameter_count() == PAPER_COUNTS[arch]
    classifier = sum(p.numel() for p in model.classification_head.parameters())
    assert sum(p.numel() for p in model.parameters()) == PAPER_COUNTS[arch] + classifier


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_shapes(arch):
    model = build_model(arch).eval()
    future, logits = model(torch.zeros(3, 60, 34))
    assert future.shape == (3, 30 * 34) and logits.shape == (3, len(EMOTION_LABELS))
    assert build_model(arch, n_labels=3)(torch.zeros(2, 60, 34))[1].shape == (2, 3)  # the paper's three labels


@pytest.mark.parametrize("arch", ["residual_dct", "residual_linear", "residual_mlp"])
def test_ours_start_as_the_zero_velocity_baseline(arch):
    model = build_model(arch).eval()
    x = torch.randn(4, 60, 34)
    future, _ = model(x)
    expected = x[:, -1:].repeat(1, 30, 1).flatten(1)
    torch.testing.assert_close(future, expected)
    limit = 1_500_000 if arch == "residual_mlp" else 100_000
    assert sum(p.numel() for p in model.parameters()) < limit, "small enough for a Jetson's CPU"


def test_training_treats_subnormal_floats_as_zero_and_restores_the_cpu_state(tmp_path, monkeypatch):
    """Weight decay leaves many weights and Adam moments subnormal; the CPU is 10-15x slower on those
    (the paper's MLP fell from ~1,900 to 130 windows/s), so training flushes them to zero, and only
    while it trains: the state is process-wide, and hypothesis refuses to run in a flushing process."""
    from nvhai_training import train as train_module
    from nvhai_training.cli import main

    supported = torch.set_flush_denormal(False)
    tiny = torch.tensor([1e-39])  # (made after: with flushing on, 1e-39 itself would become 0)
    if not supported or (tiny * 1.0).item() == 0:
        pytest.skip("this CPU cannot keep or flush subnormal floats under torch's control")
    seen = []
    inner = train_module._train
    monkeypatch.setattr(train_module, "_train", lambda *a: seen.append((tiny * 1.0).item()) or inner(*a))
    try:
        assert main(["synth", "--count", "40", "--out", str(tmp_path / "s.npz")]) == 0
        assert main(["train", "--arch", "residual_linear", "--train", str(tmp_path / "s.npz"), "--epochs", "1",
                     "--out", str(tmp_path / "run")]) == 0
        assert seen == [0.0], "subnormal inputs must compute as zero while training"
        assert (tiny * 1.0).item() != 0, "and as themselves again afterwards"
    finally:
        torch.set_flush_denormal(False)
