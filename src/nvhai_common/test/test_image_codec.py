"""Raw image buffers <-> RGB with numpy alone (no OpenCV in nvhai_common)."""

import numpy as np
import pytest

from nvhai_common.image_codec import ImageDecodeError, decode_raw, encode_raw

rng = np.random.default_rng(0)
RGB = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)


@pytest.mark.parametrize("encoding", ["rgb8", "bgr8"])
def test_colour_round_trip(encoding):
    w, h, step, data = encode_raw(RGB, encoding)
    np.testing.assert_array_equal(decode_raw(encoding, w, h, step, data), RGB)


def test_bgr_is_channel_reversed_and_alpha_dropped():
    bgr = RGB[:, :, ::-1]
    np.testing.assert_array_equal(decode_raw("bgr8", 64, 48, 192, bgr.tobytes()), RGB)
    alpha = np.full((48, 64, 1), 7, np.uint8)
    np.testing.assert_array_equal(decode_raw("rgba8", 64, 48, 256, np.concatenate([RGB, alpha], 2).tobytes()), RGB)
    np.testing.assert_array_equal(decode_raw("bgra8", 64, 48, 256, np.concatenate([bgr, alpha], 2).tobytes()), RGB)


def test_mono_and_padded_rows():
    w, h, step, data = encode_raw(RGB, "mono8")
    luma = np.frombuffer(data, np.uint8).reshape(h, w)
    assert abs(int(luma[0, 0]) - round(float(RGB[0, 0] @ [0.299, 0.587, 0.114]))) <= 1
    out = decode_raw("mono8", w, h, step, data)
    assert out.shape == (48, 64, 3) and (out[..., 0] == out[..., 1]).all() and (out[..., 0] == luma).all()
    padded = np.zeros((48, 80, 3), np.uint8)  # step larger than width*3 (aligned rows)
    padded[:, :64] = RGB
    np.testing.assert_array_equal(decode_raw("rgb8", 64, 48, 240, padded.tobytes()), RGB)


@pytest.mark.parametrize(("args", "message"), [
    (("yuv422", 64, 48, 128, b"\0" * 128 * 48), "unsupported encoding 'yuv422'"),
    (("rgb8", 0, 0, 0, b""), "empty image"),
    (("rgb8", 64, 48, 192, b"\0" * 100), "data size 100 != step\\*height"),
    (("rgb8", 64, 48, 100, b"\0" * 4800), "step 100 < width\\*channels 192"),
    (("rgb8", 100000, 2, 300000, b""), "absurd image size"),
])
def test_bad_raw_images_are_named(args, message):
    with pytest.raises(ImageDecodeError, match=message):
        decode_raw(*args)
