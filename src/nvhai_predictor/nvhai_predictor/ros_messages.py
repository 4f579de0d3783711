"""The predictor's output messages from the core's PersonForecast (ROS side: the core knows no messages)."""

from __future__ import annotations

from builtin_interfaces.msg import Duration
from std_msgs.msg import Header

from nvhai_common.coco17 import NUM_KEYPOINTS
from nvhai_common.ros_conversions import float32_sequence
from nvhai_msgs.msg import EmotionProbabilities, MotionForecast
from nvhai_predictor.forecaster import PersonForecast


def forecast_to_msg(f: PersonForecast, header: Header, period_s: float, width: int, height: int,
                    model_name: str) -> MotionForecast:
    ns = round(period_s * 1e9)
    return MotionForecast(
        header=header, person_id=f.person_id, frame_period=Duration(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000),
        num_frames=f.future_px.shape[0], num_keypoints=NUM_KEYPOINTS, image_width=width, image_height=height,
        x=float32_sequence(f.future_px[:, :, 0]), y=float32_sequence(f.future_px[:, :, 1]), model_name=model_name,
    )


def emotion_to_msg(f: PersonForecast, header: Header, model_name: str) -> EmotionProbabilities:
    return EmotionProbabilities(header=header, person_id=f.person_id, labels=f.labels,
                                probabilities=float32_sequence(f.emotion_probs), label=f.label,
                                confidence=f.confidence, model_name=model_name)
