"""parameters: the pose pipeline's configuration, the topic subscribed and the fall-backs, from the declared values."""

from __future__ import annotations

from dataclasses import asdict
from types import SimpleNamespace

from nvhai_common.ros_params import defaults
from nvhai_perception.parameters import PARAMETERS, fall_back, image_topic, pipeline_config, summary


def values(**changes) -> SimpleNamespace:
    return SimpleNamespace(**{**defaults(PARAMETERS), **changes})


def test_every_pipeline_setting_is_the_parameter_of_its_name():
    config = asdict(pipeline_config(values(max_people=3, smoothing_beta=0.2, track_min_hits=5)))
    assert config == {name: getattr(values(max_people=3, smoothing_beta=0.2, track_min_hits=5), name) for name in config}
    assert config["smoothing"] is True, "the node smooths (the core's default is off)"


def test_the_topic_subscribed():
    assert image_topic(values()) == "/image_raw"
    assert image_topic(values(image_topic="/cam/image/", compressed=True)) == "/cam/image/compressed"


def test_unknown_choices_fall_back_with_a_warning_each():
    p = values(multi_person="yolo", image_qos_reliability="fast")
    assert fall_back(p) == ["multi_person 'yolo' is not one of roi, landmarker: using roi",
                            "image_qos_reliability 'fast' is neither best_effort nor reliable: using best_effort"]
    assert p.multi_person == "roi"
    assert fall_back(values()) == []


def test_summary():
    assert summary(values()) == ("listening on /image_raw (best_effort, depth 1), publishing /body_keypoints; "
                                 "smoothing=on, drop frames when busy")
