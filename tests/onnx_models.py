"""Tiny ONNX models with the nvhai contract, built with onnx.helper, for fault-injection tests.

`zero_velocity_model` is a sound model (the last observed pose, held; uniform emotions); its
keyword arguments break it the way a badly exported model is broken.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from nvhai_predictor.contract import EMOTION_LABELS, EMOTION_OUTPUT, FUTURE_OUTPUT, INPUT_NAME, METADATA_KEY, ModelContract


def zero_velocity_model(path: Path, *, graph_frames: int = 60, contract_frames: int = 60, out_frames: int = 30,
                        emotions: int = len(EMOTION_LABELS), nan_on_motion: bool = False, symbolic: bool = False,
                        name: str = "fault-test", labels: list[str] | None = None,
                        logits: list[float] | None = None, future_scale: float = 1.0) -> str:
    """Write the model to `path` and return it as str.

    graph_frames != contract_frames: the graph's input disagrees with its metadata.
    out_frames / emotions: outputs that disagree with the contract (30 frames, one per label).
    nan_on_motion: finite for a still (all-zero) window, NaN for any real motion.
    symbolic: every dimension declared as a name, and the emotion width computed from the input's
        last dimension (2) at run time, so only running the graph shows the mismatch.
    labels: the contract's labels (default: EMOTION_LABELS; a different list sets `emotions` to its
        length); logits: fixed emotion logits, one per label (default: all equal).
    future_scale: the held pose multiplied by this (a sound shape, an impossible body when far from 1).
    """
    labels = list(labels) if labels is not None else list(EMOTION_LABELS)
    if labels != list(EMOTION_LABELS):
        emotions = len(labels)
    x = helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT,
                                      ["batch", *(["frames", "k", "c"] if symbolic else [graph_frames, 17, 2])])
    future = helper.make_tensor_value_info(FUTURE_OUTPUT, TensorProto.FLOAT,
                                           ["batch", *(["f", "k", "c"] if symbolic else [out_frames, 17, 2])])
    probs = helper.make_tensor_value_info(EMOTION_OUTPUT, TensorProto.FLOAT,
                                          ["batch", "n" if symbolic else emotions])
    inits = [
        numpy_helper.from_array(np.array(-1, np.int64), "last"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        numpy_helper.from_array(np.array([1, out_frames, 1, 1], np.int64), "repeats"),
        numpy_helper.from_array(np.array([1, 2, 3], np.int64), "all_axes"),
    ]
    if symbolic:  # zeros of shape (1, input.shape[3]): a width no shape inference can see
        inits += [numpy_helper.from_array(np.array([3], np.int64), "i3"),
                  numpy_helper.from_array(np.array([4], np.int64), "i4"),
                  numpy_helper.from_array(np.array([1], np.int64), "one")]
        width = [helper.make_node("Shape", [INPUT_NAME], ["x_shape"]),
                 helper.make_node("Slice", ["x_shape", "i3", "i4"], ["x_c"]),
                 helper.make_node("Concat", ["one", "x_c"], ["n_shape"], axis=0),
                 helper.make_node("ConstantOfShape", ["n_shape"], ["zeros_n"],
                                  value=numpy_helper.from_array(np.zeros(1, np.float32)))]
    else:
        inits.append(numpy_helper.from_array(np.zeros((1, emotions), np.float32), "zeros_n"))
        inits.append(numpy_helper.from_array(np.asarray([logits or [0.0] * emotions], np.float32), "bias_n"))
        width = []
    nodes = [
        *width,
        helper.make_node("Gather", [INPUT_NAME, "last"], ["last_pose"], axis=1),  # (B, 17, 2)
        helper.make_node("Unsqueeze", ["last_pose", "axis1"], ["last_1"]),  # (B, 1, 17, 2)
        helper.make_node("Tile", ["last_1", "repeats"], ["held"]),  # (B, T_out, 17, 2)
        helper.make_node("ReduceSum", [INPUT_NAME, "all_axes"], ["total"], keepdims=0),  # (B,)
        helper.make_node("Unsqueeze", ["total", "axis1"], ["total_1"]),  # (B, 1)
        helper.make_node("Mul", ["total_1", "zeros_n"], ["zero_logits"]),  # (B, n) zeros
        *([helper.make_node("Add", ["zero_logits", "bias_n"], ["logits"])] if not symbolic
          else [helper.make_node("Identity", ["zero_logits"], ["logits"])]),
        helper.make_node("Softmax", ["logits"], [EMOTION_OUTPUT], axis=-1),
    ]
    if nan_on_motion:  # sqrt(-sum(x^2)): -0 for a still window, NaN once anything moves
        inits.append(numpy_helper.from_array(np.array([1, 2, 3], np.int64), "sq_axes"))
        nodes += [helper.make_node("Mul", [INPUT_NAME, INPUT_NAME], ["sq"]),
                  helper.make_node("ReduceSum", ["sq", "sq_axes"], ["energy"], keepdims=1),
                  helper.make_node("Neg", ["energy"], ["neg"]),
                  helper.make_node("Sqrt", ["neg"], ["poison"]),
                  helper.make_node("Add", ["held", "poison"], [FUTURE_OUTPUT])]
    elif future_scale != 1.0:
        inits.append(numpy_helper.from_array(np.array(future_scale, np.float32), "future_scale"))
        nodes.append(helper.make_node("Mul", ["held", "future_scale"], [FUTURE_OUTPUT]))
    else:
        nodes.append(helper.make_node("Identity", ["held"], [FUTURE_OUTPUT]))
    graph = helper.make_graph(nodes, "fault_test", [x], [future, probs], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    contract = ModelContract(model_name=name, input_frames=contract_frames, labels=labels)
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, contract.to_json()
    onnx.save(model, path)
    return str(path)
