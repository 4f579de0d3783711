"""Tiny, real ONNX models with an nvhai contract, built with the onnx helper API (no torch):
the zero-velocity forecaster with fixed emotion logits, for any label set."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from nvhai_predictor.contract import EMOTION_OUTPUT, FUTURE_OUTPUT, INPUT_NAME, METADATA_KEY, ModelContract


def zero_velocity_model(path: str, labels: list[str], logits: list[float] | None = None,
                        name: str = "test-zero-velocity") -> str:
    """Forecast = the last input frame repeated 30 times; probabilities = softmax(logits) for every window."""
    logits = logits if logits is not None else [0.0] * len(labels)
    n = len(labels)
    inits = [numpy_helper.from_array(np.array([59], np.int64), "last"),
             numpy_helper.from_array(np.array([1, 30, 1, 1], np.int64), "repeats"),
             numpy_helper.from_array(np.array([-1, 1], np.int64), "column"),
             numpy_helper.from_array(np.zeros((1, n), np.float32), "zeros"),
             numpy_helper.from_array(np.asarray([logits], np.float32), "logits")]
    nodes = [helper.make_node("Gather", ["keypoints", "last"], ["last_frame"], axis=1),
             helper.make_node("Tile", ["last_frame", "repeats"], [FUTURE_OUTPUT]),
             helper.make_node("ReduceMean", ["keypoints"], ["mean"], axes=[1, 2, 3], keepdims=1),
             helper.make_node("Reshape", ["mean", "column"], ["mean_col"]),
             helper.make_node("Mul", ["mean_col", "zeros"], ["zero_row"]),
             helper.make_node("Add", ["zero_row", "logits"], ["batch_logits"]),
             helper.make_node("Softmax", ["batch_logits"], [EMOTION_OUTPUT], axis=-1)]
    graph = helper.make_graph(
        nodes, "zero_velocity",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["batch", 60, 17, 2])],
        [helper.make_tensor_value_info(FUTURE_OUTPUT, TensorProto.FLOAT, ["batch", 30, 17, 2]),
         helper.make_tensor_value_info(EMOTION_OUTPUT, TensorProto.FLOAT, ["batch", n])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, ModelContract(model_name=name, labels=list(labels)).to_json()
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path
