"""Camera buffers to the RGB arrays MediaPipe takes, with as few copies as the encoding allows:
rgb8 is a view of the message's buffer, bgr8 is one OpenCV channel swap (about 15 times faster
than numpy's strided copy in nvhai_common.image_codec, which stays numpy-only for the consumers
that never load OpenCV); the other encodings go through image_codec as they are."""

from __future__ import annotations

import cv2
import numpy as np

from nvhai_common.image_codec import decode_raw


def image_rgb(encoding: str, width: int, height: int, step: int,
              data: bytes | memoryview | np.ndarray) -> np.ndarray:
    """(height, width, 3) uint8 RGB of a raw image buffer; raises ImageDecodeError on bad input."""
    if encoding == "bgr8":
        # decode_raw checks the size and returns the buffer viewed as 3-channel pixels (no copy)
        return cv2.cvtColor(decode_raw("rgb8", width, height, step, data), cv2.COLOR_BGR2RGB)
    return decode_raw(encoding, width, height, step, data)
