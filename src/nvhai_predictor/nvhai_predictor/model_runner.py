"""onnxruntime inference of an nvhai dual-task model (forecast + emotion), contract checked on load."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from nvhai_predictor.contract import EMOTION_OUTPUT, FUTURE_OUTPUT, INPUT_NAME, ContractError, ModelContract


class ModelLoadError(RuntimeError):
    """The model file is missing, unreadable or not an nvhai model."""


class ModelOutputError(RuntimeError):
    """A run failed or gave outputs whose shapes break the contract: the whole batch is unusable."""


PROBABILITY_TOLERANCE = 1e-3  # softmax in float32 sums to 1 within ~1e-6; this only catches real faults


@dataclass
class Prediction:
    future: np.ndarray  # (T_out, 17, 2) normalised
    emotion_probs: np.ndarray  # (n_labels,)

    @property
    def problem(self) -> str:
        """Why this output must not be published ('' when it is sound): NaN/inf or not probabilities."""
        if not (np.isfinite(self.future).all() and np.isfinite(self.emotion_probs).all()):
            return "non-finite model output"
        p = self.emotion_probs
        if (p < -PROBABILITY_TOLERANCE).any() or (p > 1 + PROBABILITY_TOLERANCE).any() or \
                abs(float(p.sum()) - 1) > PROBABILITY_TOLERANCE:
            return f"emotion output is not a probability distribution (sum {float(p.sum()):.3f})"
        return ""


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
        self.path = path
        self._check_graph()

    def _check_graph(self) -> None:
        """Refuse a graph whose declared inputs/outputs disagree with its contract, before any frame arrives."""
        c = self.contract
        inputs = {i.name: i for i in self.session.get_inputs()}
        outputs = {o.name: o for o in self.session.get_outputs()}
        if INPUT_NAME not in inputs or not {FUTURE_OUTPUT, EMOTION_OUTPUT} <= set(outputs):
            raise ContractError(f"model {self.path} must take '{INPUT_NAME}' and give '{FUTURE_OUTPUT}', "
                                f"'{EMOTION_OUTPUT}' (has {sorted(inputs)} -> {sorted(outputs)})")
        expected = {INPUT_NAME: (inputs[INPUT_NAME], ("batch", c.input_frames, len(c.keypoints), 2)),
                    FUTURE_OUTPUT: (outputs[FUTURE_OUTPUT], ("batch", c.output_frames, len(c.keypoints), 2)),
                    EMOTION_OUTPUT: (outputs[EMOTION_OUTPUT], ("batch", len(c.labels)))}
        problems = []
        for name, (arg, shape) in expected.items():
            if arg.type != "tensor(float)":
                problems.append(f"'{name}' is {arg.type}, expected tensor(float)")
            if not _shape_fits(arg.shape, shape):
                problems.append(f"'{name}' has shape {list(arg.shape)}, contract says {list(shape)}")
        if problems:
            raise ContractError(f"model {self.path}: graph does not match its contract: " + "; ".join(problems))
        # Declared shapes may be symbolic: one run on a zero window settles what the graph really gives.
        try:
            problem = self.run(np.zeros((1, c.input_frames, len(c.keypoints), 2), np.float32))[0].problem
        except ModelOutputError as e:
            raise ContractError(f"model {self.path}: {e}") from None
        if problem:
            raise ContractError(f"model {self.path}: {problem} for a still pose (was it trained on NaN data?)")

    @property
    def model_name(self) -> str:
        return self.contract.model_name

    def run(self, windows: np.ndarray) -> list[Prediction]:
        """(B, T_in, 17, 2) normalised windows -> one Prediction each (check `.problem` before use).

        Raises ModelOutputError when onnxruntime fails or the output shapes break the contract.
        """
        c = self.contract
        try:
            future, probs = self.session.run([FUTURE_OUTPUT, EMOTION_OUTPUT],
                                             {INPUT_NAME: np.ascontiguousarray(windows, dtype=np.float32)})
        except Exception as e:  # onnxruntime's Fail / InvalidArgument / RuntimeException
            raise ModelOutputError(f"inference failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from e
        b = len(windows)
        want_future, want_probs = (b, c.output_frames, len(c.keypoints), 2), (b, len(c.labels))
        if future.shape != want_future or probs.shape != want_probs:
            raise ModelOutputError(f"outputs {list(future.shape)}, {list(probs.shape)} do not match the contract "
                                   f"({list(want_future)}, {list(want_probs)} for labels {c.labels})")
        return [Prediction(future=f, emotion_probs=p) for f, p in zip(future, probs, strict=True)]


def _shape_fits(declared: list, expected: tuple) -> bool:
    """Declared ONNX dims (ints, or names/None where symbolic) against the contract's ("batch" = any)."""
    if len(declared) != len(expected):
        return False
    # The batch is symbolic: the forecaster runs every ready person of a frame in one batch.
    return all((not isinstance(d, int)) if e == "batch" else (not isinstance(d, int) or d == e)
               for d, e in zip(declared, expected, strict=True))
