"""Raw camera buffers (sensor_msgs/Image fields) <-> RGB numpy arrays, with the checks a
camera driver's mistakes need. No ROS import: the node passes the message fields in.
"""

from __future__ import annotations

import cv2
import numpy as np

# Channels per supported encoding. Others (bayer, yuv422, 16-bit depth) are refused by name.
CHANNELS = {"rgb8": 3, "bgr8": 3, "mono8": 1, "rgba8": 4, "bgra8": 4}
MAX_SIDE = 8192  # larger than any camera this loop serves; anything above is a corrupt header


class ImageDecodeError(ValueError):
    """The buffer cannot be an image of the declared encoding and size; the message says why."""


def decode_raw(encoding: str, width: int, height: int, step: int, data: bytes | memoryview | np.ndarray,
               max_side: int = MAX_SIDE) -> np.ndarray:
    """Return an (height, width, 3) uint8 RGB view/copy of a raw image buffer."""
    if encoding not in CHANNELS:
        raise ImageDecodeError(f"unsupported encoding '{encoding}' (supported: {', '.join(CHANNELS)})")
    if width <= 0 or height <= 0:
        raise ImageDecodeError(f"empty image ({width}x{height})")
    if width > max_side or height > max_side:
        raise ImageDecodeError(f"absurd image size {width}x{height} (max side {max_side})")
    channels = CHANNELS[encoding]
    row = width * channels
    if step < row:
        raise ImageDecodeError(f"step {step} < width*channels {row} for {encoding} {width}x{height}")
    buf = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data.view(np.uint8).ravel()
    if buf.size != step * height:
        raise ImageDecodeError(
            f"data size {buf.size} != step*height {step}*{height}={step * height} for {encoding} {width}x{height}"
        )
    img = buf.reshape(height, step)[:, :row].reshape(height, width, channels)
    if encoding == "rgb8":
        return img
    if encoding == "bgr8":
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if encoding == "rgba8":
        return cv2.cvtColor(img, cv2.COLOR_RGBA2RGB)
    if encoding == "bgra8":
        return cv2.cvtColor(img, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(img[:, :, 0], cv2.COLOR_GRAY2RGB)


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


def encode_raw(rgb: np.ndarray, encoding: str = "rgb8") -> tuple[int, int, int, bytes]:
    """RGB array -> (width, height, step, data) for a sensor_msgs/Image of `encoding`."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected (H, W, 3) uint8 RGB, got {rgb.shape} {rgb.dtype}")
    if encoding == "rgb8":
        out = rgb
    elif encoding == "bgr8":
        out = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    elif encoding == "mono8":
        out = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    else:
        raise ValueError(f"cannot encode to '{encoding}'")
    out = np.ascontiguousarray(out)
    height, width = out.shape[:2]
    return width, height, out.strides[0], out.tobytes()
