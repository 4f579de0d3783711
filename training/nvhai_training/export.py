"""ONNX export with the contract metadata nvhai_predictor checks on load."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from nvhai_predictor.contract import EMOTION_OUTPUT, FUTURE_OUTPUT, INPUT_NAME, METADATA_KEY, ModelContract


class InferenceWrapper(nn.Module):
    """(B, T_in, 17, 2) normalised keypoints -> (B, T_out, 17, 2) forecast, (B, n) probabilities."""

    def __init__(self, model: nn.Module, t_out: int, logit_bias: list[float] | None = None) -> None:
        super().__init__()
        self.model, self.t_out = model, t_out
        self.has_bias = logit_bias is not None
        if self.has_bias:
            self.register_buffer("logit_bias", torch.tensor([logit_bias], dtype=torch.float32))

    def forward(self, keypoints: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, t, k, c = keypoints.shape
        future, logits = self.model(keypoints.reshape(b, t, k * c))
        if self.has_bias:
            logits = logits + self.logit_bias
        return future.reshape(b, self.t_out, k, c), torch.softmax(logits, dim=-1)


def export_onnx(model: nn.Module, path: str, contract: ModelContract, opset: int = 17,
                logit_bias: list[float] | None = None) -> None:
    """`logit_bias`: added to the emotion logits before the softmax (see train.prior_correction)."""
    import onnx

    wrapper = InferenceWrapper(model, contract.output_frames, logit_bias).eval()
    example = torch.zeros(1, contract.input_frames, len(contract.keypoints), 2)
    torch.onnx.export(
        wrapper, (example,), path, input_names=[INPUT_NAME], output_names=[FUTURE_OUTPUT, EMOTION_OUTPUT],
        dynamic_axes={INPUT_NAME: {0: "batch"}, FUTURE_OUTPUT: {0: "batch"}, EMOTION_OUTPUT: {0: "batch"}},
        opset_version=opset, dynamo=False,
    )
    proto = onnx.load(path)
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, contract.to_json()
    proto.producer_name = "nvhai_training"
    onnx.save(proto, path)


def export_checkpoint(checkpoint: str | Path, out: str | Path, name: str | None = None,
                      emotion_prior: dict[str, float] | None = None, correct_prior: bool = True
                      ) -> tuple[ModelContract, list[float] | None]:
    """A `train` checkpoint -> ONNX at `out` with its contract; returns the contract and the logit bias added.

    The emotion odds: `emotion_prior` (label -> share, the labels not named sharing the rest) gives a
    --class-weights model the odds of the people it will meet; otherwise `correct_prior` restores its training
    data's class frequencies, and False keeps the balanced odds it learned (what `export --no-prior-correction`
    writes)."""
    from nvhai_training.train import deployment_prior, load_model_for_export, prior_correction

    model, config, class_weights = load_model_for_export(checkpoint)
    contract = ModelContract(model_name=name or f"nvhai-{config.arch}", input_frames=config.t_in,
                             output_frames=config.t_out, labels=list(config.labels))
    if emotion_prior:
        bias = deployment_prior(class_weights, list(config.labels), dict(emotion_prior))
    else:
        bias = prior_correction(class_weights) if correct_prior else None
    export_onnx(model, str(out), contract, logit_bias=bias)
    return contract, bias
