"""JPEG/PNG camera buffers (sensor_msgs/CompressedImage.data) -> RGB arrays.

A compressed buffer declares its size in its header, and a few hundred bytes can declare a
gigapixel image (a decompression bomb). So the header is read first (Pillow parses it without
decoding pixels) and the image refused before any pixel memory is allocated; only then does
OpenCV decode. A JPEG cut short would decode to a grey-padded frame, so its end marker is checked.
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
    tail = buf[-64:].tobytes().rstrip(b"\x00")  # some encoders pad after the end marker
    if (fmt == "JPEG" and not tail.endswith(JPEG_END)) or (fmt == "PNG" and not tail.endswith(PNG_END)):
        raise ImageDecodeError(f"truncated {fmt} ({buf.size} bytes, no end marker): frame cut short in transport?")
    bgr = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if bgr is None:
        raise ImageDecodeError(f"corrupt compressed image ({buf.size} bytes could not be decoded)")
    if bgr.shape[:2] != (height, width):
        raise ImageDecodeError(f"corrupt {fmt}: decoded {bgr.shape[1]}x{bgr.shape[0]}, header says {width}x{height}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
