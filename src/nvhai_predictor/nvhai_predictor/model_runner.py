"""onnxruntime inference of an nvhai dual-task model (forecast + emotion), contract checked on load."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from nvhai_predictor.contract import EMOTION_OUTPUT, FUTURE_OUTPUT, INPUT_NAME, ContractError, ModelContract


class ModelLoadError(RuntimeError):
    """The model file is missing, unreadable or not an nvhai model."""


@dataclass
class Prediction:
    future: np.ndarray  # (T_out, 17, 2) normalised
    emotion_probs: np.ndarray  # (n_labels,)


def default_model_path() -> str:
    """The model shipped inside this package (see models/MODEL_CARD.md)."""
    return os.path.join(os.path.dirname(__file__), "models", "default.onnx")


class ModelRunner:
    """Loads an ONNX model with its contract and runs batches of normalised windows."""

    def __init__(self, path: str, providers: list[str] | None = None, threads: int = 1,
                 input_frames: int = 60, output_frames: int = 30, fps: float = 30.0) -> None:
        import onnxruntime as ort

        if not os.path.isfile(path):
            raise ModelLoadError(f"model file not found: {path}")
        available = ort.get_available_providers()
        wanted = providers or ["CPUExecutionProvider"]
        chosen = [p for p in wanted if p in available] or ["CPUExecutionProvider"]
        self.skipped_providers = [p for p in wanted if p not in available]
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(0, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(path, sess_options=options, providers=chosen)
        except Exception as e:  # onnxruntime raises its own Fail/InvalidProtobuf types
            raise ModelLoadError(f"cannot load model {path}: {e}") from e
        self.providers = self.session.get_providers()
        self.contract = ModelContract.from_metadata(self.session.get_modelmeta().custom_metadata_map)
        self.contract.check(input_frames, output_frames, fps)
        inputs = {i.name for i in self.session.get_inputs()}
        outputs = {o.name for o in self.session.get_outputs()}
        if INPUT_NAME not in inputs or not {FUTURE_OUTPUT, EMOTION_OUTPUT} <= outputs:
            raise ContractError(f"model {path} must take '{INPUT_NAME}' and give '{FUTURE_OUTPUT}', "
                                f"'{EMOTION_OUTPUT}' (has {sorted(inputs)} -> {sorted(outputs)})")
        self.path = path

    @property
    def model_name(self) -> str:
        return self.contract.model_name

    def run(self, windows: np.ndarray) -> list[Prediction]:
        """(B, T_in, 17, 2) normalised windows -> one Prediction each."""
        future, probs = self.session.run([FUTURE_OUTPUT, EMOTION_OUTPUT],
                                         {INPUT_NAME: np.ascontiguousarray(windows, dtype=np.float32)})
        return [Prediction(future=f, emotion_probs=p) for f, p in zip(future, probs, strict=True)]
