"""JPEG/PNG camera buffers (sensor_msgs/CompressedImage.data) -> RGB arrays.

A compressed buffer declares its size in its header, and a few hundred bytes can declare a
gigapixel image (a decompression bomb). So the header is read first (Pillow parses it without
decoding pixels) and the image refused before any pixel memory is allocated; only then does
OpenCV decode. A JPEG cut short would decode to a grey-padded frame, so its end marker is checked:
it must follow the last start-of-scan (bytes after it, as some encoders append, are ignored, as
libjpeg does). Pixels are decoded as stored, an EXIF orientation tag ignored, as ROS's
compressed_image_transport does, so keypoints stay in the camera's pixel frame.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError
from PIL.Image import DecompressionBombError, DecompressionBombWarning

from nvhai_common.image_codec import MAX_SIDE, ImageDecodeError

FORMATS = ("JPEG", "PNG")
JPEG_END = b"\xff\xd9"
JPEG_SCAN = b"\xff\xda"  # start of scan; entropy-coded data never holds 0xFF followed by a marker byte
PNG_END = b"IEND\xaeB`\x82"


def compressed_size(buf: np.ndarray) -> tuple[str, int, int]:
    """(format, width, height) from the header alone; raises ImageDecodeError for anything else."""
    try:
        with warnings.catch_warnings():  # the size is judged by the caller, against its own limit
            warnings.simplefilter("ignore", DecompressionBombWarning)
            with Image.open(io.BytesIO(buf.tobytes()), formats=FORMATS) as img:
                fmt, (width, height) = img.format, img.size
    except DecompressionBombError:
        raise ImageDecodeError("absurd image size in the header (over Pillow's decompression-bomb limit): "
                               "refused before decoding") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageDecodeError(f"corrupt compressed image ({buf.size} bytes with no readable JPEG/PNG header)") from None
    return fmt, width, height


def decode_compressed(data: bytes | memoryview | np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """Decode a JPEG/PNG buffer (sensor_msgs/CompressedImage.data) to RGB."""
    buf = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data.view(np.uint8).ravel()
    if buf.size == 0:
        raise ImageDecodeError("empty compressed image")
    fmt, width, height = compressed_size(buf)
    if width <= 0 or height <= 0 or max(width, height) > max_side:
        raise ImageDecodeError(f"absurd image size {width}x{height} in the {fmt} header (max side {max_side}): "
                               "refused before decoding")
    raw = buf.tobytes()
    if fmt == "JPEG" and raw.rfind(JPEG_END) < max(raw.rfind(JPEG_SCAN), 0):
        raise ImageDecodeError(f"truncated JPEG ({buf.size} bytes, no end marker after the last scan): "
                               "frame cut short in transport?")
    if fmt == "PNG" and PNG_END not in raw:
        raise ImageDecodeError(f"truncated PNG ({buf.size} bytes, no IEND chunk): frame cut short in transport?")
    bgr = cv2.imdecode(buf, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if bgr is None:
        raise ImageDecodeError(f"corrupt compressed image ({buf.size} bytes could not be decoded)")
    if bgr.shape[:2] != (height, width):
        raise ImageDecodeError(f"corrupt {fmt}: decoded {bgr.shape[1]}x{bgr.shape[0]}, header says {width}x{height}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
