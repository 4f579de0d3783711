import numpy as np
import pytest

from nvhai_common.coco17 import FLIP_ORDER, FLIP_PAIRS, INDEX, KEYPOINT_NAMES, SKELETON
from nvhai_perception.blazepose import BLAZEPOSE_FOR_COCO, blazepose_to_coco


def test_mapping_table_picks_the_landmark_of_the_same_name():
    from mediapipe.python.solutions.pose import PoseLandmark

    for coco_name, landmark in zip(KEYPOINT_NAMES, BLAZEPOSE_FOR_COCO, strict=True):
        assert PoseLandmark(landmark).name.lower() == coco_name


def test_conversion_scales_to_pixels_and_keeps_visibility():
    lm = np.zeros((33, 4))
    lm[:, 0] = np.linspace(0, 1, 33)
    lm[:, 1] = np.linspace(1, 0, 33)
    lm[:, 2] = np.linspace(-0.5, 1.5, 33)  # visibility outside [0, 1] is clipped
    xy, conf = blazepose_to_coco(lm, 640, 480)
    assert xy.shape == (17, 2) and conf.shape == (17,)
    j = INDEX["left_hip"]
    np.testing.assert_allclose(xy[j], [lm[23, 0] * 640, lm[23, 1] * 480], rtol=1e-6)
    assert conf.min() >= 0 and conf.max() <= 1
    with pytest.raises(ValueError, match="33"):
        blazepose_to_coco(np.zeros((17, 3)), 640, 480)


def test_skeleton_and_flip_pairs_are_consistent():
    assert all(0 <= a < 17 and 0 <= b < 17 for a, b in SKELETON)
    for a, b in FLIP_PAIRS:
        assert KEYPOINT_NAMES[a].replace("left", "right") == KEYPOINT_NAMES[b]
    for j, k in enumerate(FLIP_ORDER):
        assert FLIP_ORDER[k] == j and KEYPOINT_NAMES[k] == KEYPOINT_NAMES[j].replace("left", "@").replace(
            "right", "left").replace("@", "right")
