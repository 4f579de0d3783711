"""The contract an nvhai ONNX model carries in its metadata, and its check.

training/ writes it at export; the runner refuses a model whose contract does not match what
the node will feed it, instead of publishing garbage.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from nvhai_common.coco17 import KEYPOINT_NAMES
from nvhai_predictor.normalization import NORMALIZATION_VERSION

METADATA_KEY = "nvhai_contract"
CONTRACT_VERSION = 1
# The paper's three positive displays, and "neutral": no positive display (walking past, standing,
# working, tired, sad ...). A model's own labels come from its contract, so models trained with
# the paper's three labels still load; these are the labels nvhai training/ exports.
PAPER_LABELS: tuple[str, ...] = ("enthusiastic", "laughing", "happy to see you")
NEUTRAL_LABEL = "neutral"
EMOTION_LABELS: tuple[str, ...] = (*PAPER_LABELS, NEUTRAL_LABEL)
INPUT_NAME = "keypoints"  # (batch, input_frames, 17, 2) float32, normalised
FUTURE_OUTPUT = "future"  # (batch, output_frames, 17, 2) float32, normalised
EMOTION_OUTPUT = "emotion_probs"  # (batch, len(labels)) float32, softmax


class ContractError(ValueError):
    """The model's contract is missing or does not match the node's expectations."""


@dataclass
class ModelContract:
    model_name: str
    input_frames: int = 60
    output_frames: int = 30
    fps: float = 30.0
    keypoints: list[str] = field(default_factory=lambda: list(KEYPOINT_NAMES))
    labels: list[str] = field(default_factory=lambda: list(EMOTION_LABELS))
    normalization: str = NORMALIZATION_VERSION
    version: int = CONTRACT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_metadata(cls, metadata: dict[str, str]) -> ModelContract:
        if METADATA_KEY not in metadata:
            raise ContractError(f"model has no '{METADATA_KEY}' metadata: not exported by nvhai training/")
        try:
            fields = json.loads(metadata[METADATA_KEY])
            return cls(**fields)
        except (json.JSONDecodeError, TypeError) as e:
            raise ContractError(f"unreadable '{METADATA_KEY}' metadata: {e}") from e

    def check(self, input_frames: int, output_frames: int, fps: float) -> None:
        """Raise ContractError naming every mismatch with what the caller will feed and expect."""
        problems = []
        if self.version != CONTRACT_VERSION:
            problems.append(f"contract version {self.version} (runner reads {CONTRACT_VERSION})")
        if self.keypoints != list(KEYPOINT_NAMES):
            problems.append("keypoint layout is not COCO-17")
        if self.normalization != NORMALIZATION_VERSION:
            problems.append(f"normalisation '{self.normalization}' (runner applies '{NORMALIZATION_VERSION}')")
        if self.input_frames != input_frames:
            problems.append(f"input_frames {self.input_frames} (window has {input_frames})")
        if self.output_frames != output_frames:
            problems.append(f"output_frames {self.output_frames} (expected {output_frames})")
        if abs(self.fps - fps) > 1e-6:
            problems.append(f"fps {self.fps} (window resamples to {fps})")
        if not self.labels:
            problems.append("no emotion labels")
        if problems:
            raise ContractError(f"model '{self.model_name}' does not fit: " + "; ".join(problems))
