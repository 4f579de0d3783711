"""The paper's per-frame normalisation, kept under this name for the predictor's modules, its ONNX contract and
training/; it lives in nvhai_common.normalization, so the avatar (a sibling node) mirrors poses without the predictor."""

from nvhai_common.normalization import MIN_SCALE, NORMALIZATION_VERSION, denormalize, normalize

__all__ = ["MIN_SCALE", "NORMALIZATION_VERSION", "denormalize", "normalize"]
