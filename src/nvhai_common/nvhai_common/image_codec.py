"""Raw camera buffers (sensor_msgs/Image fields) <-> RGB numpy arrays, with the checks a
camera driver's mistakes need. No ROS import: the node passes the message fields in.

numpy only, so a keypoint consumer (predictor, avatar) never pulls in OpenCV; JPEG/PNG decoding
(CompressedImage) lives with the perception node, nvhai_perception.compressed_image.
"""

from __future__ import annotations

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
    if encoding in ("bgr8", "bgra8"):
        return np.ascontiguousarray(img[:, :, 2::-1])
    if encoding == "rgba8":
        return np.ascontiguousarray(img[:, :, :3])
    return np.repeat(img, 3, axis=2)


def encode_raw(rgb: np.ndarray, encoding: str = "rgb8") -> tuple[int, int, int, bytes]:
    """RGB array -> (width, height, step, data) for a sensor_msgs/Image of `encoding`."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected (H, W, 3) uint8 RGB, got {rgb.shape} {rgb.dtype}")
    if encoding == "rgb8":
        out = rgb
    elif encoding == "bgr8":
        out = rgb[:, :, ::-1]
    elif encoding == "mono8":  # ITU-R BT.601 luma, as OpenCV's RGB2GRAY
        out = np.clip(np.rint(rgb @ np.array([0.299, 0.587, 0.114])), 0, 255).astype(np.uint8)
    else:
        raise ValueError(f"cannot encode to '{encoding}'")
    out = np.ascontiguousarray(out)
    height, width = out.shape[:2]
    return width, height, out.strides[0], out.tobytes()
