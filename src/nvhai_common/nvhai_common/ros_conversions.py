"""nvhai_msgs / sensor_msgs <-> the numpy values of the ROS-free cores."""

from __future__ import annotations

import array

import numpy as np
from builtin_interfaces.msg import Time
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from nvhai_common.image_codec import decode_raw, encode_raw
from nvhai_common.person import PersonKeypoints
from nvhai_msgs.msg import BodyKeypoints, BodyKeypointsArray, MotionForecast


def stamp_to_sec(stamp: Time) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


def sec_to_stamp(t: float) -> Time:
    sec = int(np.floor(t))
    return Time(sec=sec, nanosec=min(round((t - sec) * 1e9), 999_999_999))


def float32_sequence(values: np.ndarray) -> array.array:
    """A `float32[]` message field from numpy. rosidl copies an ndarray element by element
    (~120 µs for one 30-frame forecast's x); from an array.array it is one memory copy."""
    return array.array("f", np.ascontiguousarray(values, dtype=np.float32).tobytes())


def image_to_rgb(msg: Image) -> np.ndarray:
    """RGB array of an Image; raises ImageDecodeError on bad input."""
    return decode_raw(msg.encoding, msg.width, msg.height, msg.step, msg.data)


def rgb_to_image(rgb: np.ndarray, header: Header, encoding: str = "rgb8") -> Image:
    width, height, step, data = encode_raw(rgb, encoding)
    return Image(header=header, height=height, width=width, encoding=encoding, is_bigendian=0, step=step, data=data)


def people_to_msg(people: list[PersonKeypoints], header: Header, width: int, height: int) -> BodyKeypointsArray:
    out = BodyKeypointsArray(header=header, image_width=width, image_height=height)
    for p in people:
        out.people.append(BodyKeypoints(
            header=header, person_id=max(p.person_id, 0), image_width=width, image_height=height,
            x=p.xy[:, 0].astype(np.float32), y=p.xy[:, 1].astype(np.float32),
            confidence=p.confidence.astype(np.float32), score=float(p.score),
        ))
    return out


def forecast_xy(msg: MotionForecast) -> np.ndarray:
    """(num_frames, num_keypoints, 2) pixels of a MotionForecast (its arrays are frame-major)."""
    return np.stack([np.asarray(msg.x), np.asarray(msg.y)], axis=-1).reshape(msg.num_frames, msg.num_keypoints, 2)


def msg_to_person(msg: BodyKeypoints) -> PersonKeypoints:
    xy = np.stack([np.asarray(msg.x, dtype=np.float32), np.asarray(msg.y, dtype=np.float32)], axis=1)
    return PersonKeypoints(xy=xy, confidence=np.asarray(msg.confidence, dtype=np.float32),
                           score=float(msg.score), person_id=int(msg.person_id))
