"""The COCO-17 layout has one Python source (nvhai_common.coco17); the .msg constants mirror it."""

from nvhai_common.coco17 import INDEX, KEYPOINT_NAMES, NUM_KEYPOINTS
from nvhai_msgs.msg import BodyKeypoints


def test_msg_constants_match_coco17():
    for name, index in INDEX.items():
        assert getattr(BodyKeypoints, name.upper()) == index, name
    assert BodyKeypoints.NUM_KEYPOINTS == NUM_KEYPOINTS == len(KEYPOINT_NAMES) == 17
    assert len(BodyKeypoints().x) == NUM_KEYPOINTS
