"""Bags of real nvhai messages for the bag tests, recorded by BagRecorder from a live publisher."""

from __future__ import annotations

import pytest
from bag_checks import RELIABLE, publish_until_received
from rclpy.node import Node
from ros_harness import make_executor, ros_context, spin_until, teardown

from nvhai_msgs.msg import BodyKeypointsArray, EmotionProbabilities
from nvhai_tools.bag_recorder import DEFAULT_TOPICS, BagRecorder


@pytest.fixture
def keypoint_bag_factory(tmp_path):
    """make(storage, version=8) -> (bag path, {topic: [messages sent]}): 45 keypoint + 15 emotion messages."""

    def make(storage: str, version: int = 8):
        bag = tmp_path / f"rec_{storage}_{version}"
        topics = {t: DEFAULT_TOPICS[t] for t in ("/body_keypoints", "/emotion")}
        with ros_context() as context:
            source = Node("bag_test_source", context=context)
            rec_node = Node("bag_test_recorder", context=context)
            recorder = BagRecorder(rec_node, bag, topics, storage, version)
            pubs = {"/body_keypoints": source.create_publisher(BodyKeypointsArray, "/body_keypoints", RELIABLE),
                    "/emotion": source.create_publisher(EmotionProbabilities, "/emotion", RELIABLE)}
            ex = make_executor(context, source, rec_node)
            assert spin_until(ex, lambda: all(p.get_subscription_count() for p in pubs.values()), 30.0)
            sent = {t: [] for t in topics}
            publish_until_received(ex, pubs, sent, lambda: recorder.counts, 45)
            recorder.close()
            teardown(ex, source, rec_node)
        return bag, sent

    return make
