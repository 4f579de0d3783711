"""JPEG/PNG camera buffers (sensor_msgs/CompressedImage.data) -> RGB arrays (OpenCV decodes)."""

from __future__ import annotations

import cv2
import numpy as np

from nvhai_common.image_codec import MAX_SIDE, ImageDecodeError


def decode_compressed(data: bytes | memoryview | np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """Decode a JPEG/PNG buffer (sensor_msgs/CompressedImage.data) to RGB."""
    buf = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data.view(np.uint8).ravel()
    if buf.size == 0:
        raise ImageDecodeError("empty compressed image")
    bgr = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if bgr is None:
        raise ImageDecodeError(f"corrupt compressed image ({buf.size} bytes could not be decoded)")
    if max(bgr.shape[:2]) > max_side:
        raise ImageDecodeError(f"absurd image size {bgr.shape[1]}x{bgr.shape[0]} (max side {max_side})")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
