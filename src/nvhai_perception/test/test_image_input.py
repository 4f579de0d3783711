"""image_rgb: the perception node's camera-buffer decoding agrees with nvhai_common's, with fewer copies."""

from __future__ import annotations

import numpy as np
import pytest
from real_media import grace_hopper_rgb

from nvhai_common.image_codec import ImageDecodeError, decode_raw, encode_raw
from nvhai_perception.image_input import image_rgb


@pytest.mark.parametrize("encoding", ["bgr8", "rgb8", "mono8"])
def test_same_pixels_as_image_codec(encoding):
    rgb = grace_hopper_rgb()
    width, height, step, data = encode_raw(rgb, encoding)
    assert np.array_equal(image_rgb(encoding, width, height, step, data), decode_raw(encoding, width, height, step, data))


def test_bgr8_rows_with_padding():
    rgb = grace_hopper_rgb()[:50, :61]
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    padded = np.zeros((50, 61 * 3 + 5), np.uint8)  # step > width * 3, as some drivers send
    padded[:, :183] = bgr.reshape(50, -1)
    assert np.array_equal(image_rgb("bgr8", 61, 50, padded.shape[1], padded.tobytes()), rgb)


def test_rgb8_is_a_view_of_the_buffer():
    buf = np.arange(4 * 5 * 3, dtype=np.uint8)
    out = image_rgb("rgb8", 5, 4, 15, buf)
    assert np.shares_memory(out, buf)


def test_bad_buffer_is_refused_with_its_size():
    with pytest.raises(ImageDecodeError, match="data size"):
        image_rgb("bgr8", 640, 480, 1920, bytes(100))
