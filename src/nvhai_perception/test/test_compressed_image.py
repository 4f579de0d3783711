"""JPEG/PNG decoding of CompressedImage payloads."""

import cv2
import numpy as np
import pytest

from nvhai_common.image_codec import ImageDecodeError
from nvhai_perception.compressed_image import decode_compressed

RGB = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)


def test_png_round_trip():
    _, png = cv2.imencode(".png", cv2.cvtColor(RGB, cv2.COLOR_RGB2BGR))
    np.testing.assert_array_equal(decode_compressed(png.tobytes()), RGB)


def test_corrupt_compressed_is_named():
    with pytest.raises(ImageDecodeError, match="corrupt"):
        decode_compressed(b"\xff\xd8 not a jpeg")
    with pytest.raises(ImageDecodeError, match="empty"):
        decode_compressed(b"")
