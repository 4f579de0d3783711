"""Predictor and avatar nodes together with models of three labels (the paper's) and four (with
`neutral`): labels come from the model's contract, `neutral` is answered with attention only,
and a person who leaves has their label cleared (the avatar idles)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from rclpy.node import Node
from rclpy.parameter import Parameter
from ros_harness import keypoints_msg, make_executor, ros_context, spin_until, teardown
from std_msgs.msg import Header

from nvhai_avatar.node import AvatarNode
from nvhai_common.ros_conversions import sec_to_stamp
from nvhai_msgs.msg import BodyKeypointsArray, EmotionProbabilities, NonverbalResponse
from nvhai_predictor.contract import ModelContract
from nvhai_predictor.node import PredictorNode
from nvhai_training.export import export_onnx
from nvhai_training.models import build_model
from nvhai_training.procedural import generate

PAPER = ["enthusiastic", "laughing", "happy to see you"]
WITH_NEUTRAL = [*PAPER, "neutral"]


def biased_model(path, labels: list[str], favourite: str) -> str:
    """A small untrained model whose emotion head always prefers `favourite` (about 0.99)."""
    torch.manual_seed(0)
    model = build_model("residual_dct", n_labels=len(labels)).eval()
    head = model.classification_head[-1]
    with torch.no_grad():
        head.weight.zero_()
        head.bias.zero_()
        head.bias[labels.index(favourite)] = 6.0
    export_onnx(model, str(path), ModelContract(model_name=f"test-{len(labels)}", labels=labels))
    return str(path)


@pytest.mark.parametrize(("labels", "favourite", "gesture"), [(PAPER, "enthusiastic", "celebrate"),
                                                               (WITH_NEUTRAL, "neutral", "attend")])
def test_labels_from_the_contract_reach_the_avatar_and_leave_with_the_person(tmp_path, labels, favourite, gesture):
    model = biased_model(tmp_path / "m.onnx", labels, favourite)
    samples, _ = generate(1, seed=3)
    clip = samples[0] * 480.0  # image heights -> pixels of a 640x480 camera
    with ros_context() as context:
        predictor = PredictorNode(context=context, parameter_overrides=[Parameter("model_path", value=model)])
        avatar = AvatarNode(context=context, parameter_overrides=[Parameter("image_topic", value=""),
                                                                   Parameter("markers_topic", value="")])
        io = Node("label_test_io", context=context)
        pub = io.create_publisher(BodyKeypointsArray, "/body_keypoints", 100)
        emotions: list[EmotionProbabilities] = []
        responses: list[NonverbalResponse] = []
        io.create_subscription(EmotionProbabilities, "/emotion", emotions.append, 100)
        io.create_subscription(NonverbalResponse, "/avatar/response", responses.append, 100)
        ex = make_executor(context, predictor, avatar, io)
        assert spin_until(ex, lambda: pub.get_subscription_count() >= 2)
        t = 50.0
        for k in range(105):  # 3.5 s of a person (window 2 s + gesture_sustain_s 1 s), then 2.5 s of nobody
            pub.publish(keypoints_msg(Header(stamp=sec_to_stamp(t + k / 30), frame_id="camera"),
                                   {4: clip[k % len(clip)]}))
            assert spin_until(ex, lambda k=k: len(responses) > k), f"no answer to frame {k}"
        assert spin_until(ex, lambda: len(emotions) >= 16)
        present = responses[-1]
        for k in range(105, 180):
            pub.publish(keypoints_msg(Header(stamp=sec_to_stamp(t + k / 30), frame_id="camera"), {}))
            assert spin_until(ex, lambda k=k: len(responses) > k)
        teardown(ex, predictor, avatar, io)
    assert all(list(e.labels) == labels for e in emotions)
    assert all(abs(float(np.sum(e.probabilities)) - 1) < 1e-5 for e in emotions)
    assert present.person_id == 4 and present.emotion == favourite and present.gesture == gesture
    assert (present.intensity == 0.0) == (gesture == "attend")
    assert responses[-1].gesture == "idle" and responses[-1].emotion == ""
