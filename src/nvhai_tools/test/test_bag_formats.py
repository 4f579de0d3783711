"""Every bag nvhai writes (record, from-video; mcap and sqlite3) is rosbag2 metadata version 8 with the
keys Humble's reader needs, and opens with rosbags and with the mcap + mcap-ros2-support readers."""

from __future__ import annotations

import pytest
import yaml
from bag_checks import check_metadata, offered_reliability, read_with_mcap, read_with_rosbags
from real_media import DEMO_VIDEO

from nvhai_tools.bag_cli import main as bag_main


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_bag_from_video_is_version_8_and_opens_everywhere(tmp_path, storage):
    bag = tmp_path / "clip"
    assert bag_main(["from-video", str(DEMO_VIDEO), "--out", str(bag), "--max-side", "96", "--storage", storage]) == 0
    info = check_metadata(bag)
    assert info["storage_identifier"] == storage
    assert offered_reliability(info) == {"/image_raw": [2]}, "a camera's QoS: best effort"
    ours = read_with_rosbags(bag)
    assert len(ours["/image_raw"]) == info["message_count"] == 230
    if storage == "mcap":
        theirs = read_with_mcap(bag)
        assert [t for t, _ in theirs["/image_raw"]] == [t for t, _ in ours["/image_raw"]]
        for (_, a), (_, b) in zip(ours["/image_raw"], theirs["/image_raw"], strict=True):
            assert (a.width, a.height, a.encoding, bytes(a.data)) == (b.width, b.height, b.encoding, bytes(b.data))
            assert a.header.stamp.sec == b.header.stamp.sec and a.header.stamp.nanosec == b.header.stamp.nanosec


def test_bag_version_9_on_request(tmp_path):
    bag = tmp_path / "clip9"
    assert bag_main(["from-video", str(DEMO_VIDEO), "--out", str(bag), "--max-side", "64", "--bag-version", "9"]) == 0
    yaml_text = (bag / "metadata.yaml").read_text()
    assert yaml.safe_load(yaml_text)["rosbag2_bagfile_information"]["version"] == 9
    assert len(read_with_rosbags(bag)["/image_raw"]) == 230


def test_recorded_bag_is_version_8_and_opens_everywhere(keypoint_bag_factory):
    bag, sent = keypoint_bag_factory("mcap")
    assert offered_reliability(check_metadata(bag)) == {"/body_keypoints": [1], "/emotion": [1]}, "reliable"
    ours, theirs = read_with_rosbags(bag), read_with_mcap(bag)
    assert set(ours) == set(theirs) == {"/body_keypoints", "/emotion"}
    for topic in ours:
        assert len(ours[topic]) == len(theirs[topic]) == len(sent[topic])
    for (_, a), (_, b), msg in zip(ours["/body_keypoints"], theirs["/body_keypoints"], sent["/body_keypoints"],
                                   strict=True):
        assert a.header.stamp.sec == b.header.stamp.sec == msg.header.stamp.sec
        assert list(a.people[0].x) == list(b.people[0].x) == pytest.approx(list(msg.people[0].x))
    for (_, a), (_, b) in zip(ours["/emotion"], theirs["/emotion"], strict=True):
        assert list(a.labels) == list(b.labels) and list(a.probabilities) == pytest.approx(list(b.probabilities))


def test_recorded_sqlite_bag_is_version_8(keypoint_bag_factory):
    bag, sent = keypoint_bag_factory("sqlite3")
    check_metadata(bag)
    ours = read_with_rosbags(bag)
    assert {t: len(v) for t, v in ours.items()} == {t: len(v) for t, v in sent.items()}
