"""The runner checks the contract an ONNX model carries and refuses what does not fit."""

from __future__ import annotations

import json
import shutil

import numpy as np
import onnx
import pytest

from nvhai_predictor.contract import EMOTION_LABELS, METADATA_KEY, ContractError, ModelContract
from nvhai_predictor.model_runner import ModelLoadError, ModelRunner, default_model_path


def with_contract(tmp_path, **changes) -> str:
    """A copy of the shipped model whose contract metadata has `changes` applied (None removes it)."""
    proto = onnx.load(default_model_path())
    meta = {p.key: p.value for p in proto.metadata_props}
    del proto.metadata_props[:]
    if changes.get("remove"):
        meta.pop(METADATA_KEY)
    elif "raw" in changes:
        meta[METADATA_KEY] = changes["raw"]
    else:
        contract = json.loads(meta[METADATA_KEY])
        contract.update(changes)
        meta[METADATA_KEY] = json.dumps(contract)
    for k, v in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, v
    path = tmp_path / "model.onnx"
    onnx.save(proto, path)
    return str(path)


def test_shipped_model_loads_and_predicts():
    runner = ModelRunner(default_model_path())
    assert runner.contract.labels == list(EMOTION_LABELS)
    assert runner.providers == ["CPUExecutionProvider"]
    preds = runner.run(np.random.default_rng(0).normal(0, 0.3, (3, 60, 17, 2)))
    assert len(preds) == 3
    for p in preds:
        assert p.future.shape == (30, 17, 2) and np.isfinite(p.future).all()
        assert p.emotion_probs.shape == (len(EMOTION_LABELS),) and abs(float(p.emotion_probs.sum()) - 1) < 1e-5


@pytest.mark.parametrize(("change", "message"), [
    ({"input_frames": 45}, "input_frames 45"),
    ({"output_frames": 25}, "output_frames 25"),
    ({"fps": 25.0}, "fps 25.0"),
    ({"normalization": "minmax-v0"}, "normalisation 'minmax-v0'"),
    ({"keypoints": ["nose"] * 17}, "not COCO-17"),
    ({"version": 99}, "contract version 99"),
    ({"remove": True}, "no 'nvhai_contract' metadata"),
    ({"raw": "{not json"}, "unreadable"),
])
def test_mismatching_contract_is_refused_by_name(tmp_path, change, message):
    with pytest.raises(ContractError, match=message):
        ModelRunner(with_contract(tmp_path, **change))


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(ModelLoadError, match="not found"):
        ModelRunner(str(tmp_path / "nope.onnx"))
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x01 this is not a model")
    with pytest.raises(ModelLoadError, match="cannot load"):
        ModelRunner(str(corrupt))


def test_unavailable_providers_are_skipped(tmp_path):
    path = tmp_path / "m.onnx"
    shutil.copy(default_model_path(), path)
    runner = ModelRunner(str(path), providers=["TensorrtExecutionProvider", "CPUExecutionProvider"])
    assert runner.providers == ["CPUExecutionProvider"]
    assert runner.skipped_providers == ["TensorrtExecutionProvider"]


def test_contract_json_round_trip():
    c = ModelContract(model_name="x")
    assert ModelContract.from_metadata({METADATA_KEY: c.to_json()}) == c
