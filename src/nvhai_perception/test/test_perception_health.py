"""perception_health: each rung of the /diagnostics ladder, the values beside it, and the period's counters."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nvhai_common.health import ERROR, OK, WARN
from nvhai_perception.image_watchdog import TRANSPORT_HINT
from nvhai_perception.perception_health import PerceptionCounters, PerceptionPeriod, perception_health

TOPIC = "/camera/image"


def health(period: PerceptionPeriod, **kwargs):
    return perception_health(period, 0.5, TOPIC, **kwargs)


def test_values_beside_every_status():
    _, _, values = health(PerceptionPeriod(processed=4, dropped=1, rejected=2, lost=3, proc_s=0.1, people=2))
    assert values == {"fps": "8.0", "processing_ms_mean": "25.0", "people": 2, "frames_dropped": 1,
                      "frames_rejected": 2, "frames_lost_in_transport": 3, "image_topic": TOPIC}
    assert health(PerceptionPeriod()).values["processing_ms_mean"] == "n/a"
    assert health(PerceptionPeriod()).values["fps"] == "0.0"


# One test per rung, top to bottom; each period also holds everything the rungs below it look at.
EVERYTHING = PerceptionPeriod(processed=1, dropped=1, rejected=1, lost=1, last_error="truncated JPEG")


def test_a_failed_configure_is_an_error_whatever_else():
    assert health(EVERYTHING, config_error="not configured: no model", lifecycle="unconfigured (lifecycle)",
                  no_image=True)[:2] == (ERROR, "not configured: no model")


@pytest.mark.parametrize("lifecycle", ["unconfigured (lifecycle)", "inactive (lifecycle)"])
def test_not_active_is_ok_and_says_so(lifecycle):
    assert health(EVERYTHING, lifecycle=lifecycle, no_image=True)[:2] == (OK, lifecycle)


def test_losses_in_transport_are_an_error_when_nothing_was_processed():
    level, message, _ = health(PerceptionPeriod(lost=2, dropped=1, rejected=1, last_error="x"), no_image=True)
    assert (level, message) == (ERROR, f"2 image(s) lost in transport on {TOPIC}: {TRANSPORT_HINT}")


def test_losses_in_transport_are_a_warning_when_some_frames_were_processed():
    level, message, _ = health(EVERYTHING, no_image=True)
    assert (level, message) == (WARN, f"1 image(s) lost in transport on {TOPIC}: {TRANSPORT_HINT}")


def test_silence_is_an_error():
    period = PerceptionPeriod(rejected=1, dropped=1, last_error="x")
    assert health(period, no_image=True)[:2] == (ERROR, f"no image on {TOPIC}")


def test_rejected_frames_are_a_warning_with_the_last_reason():
    period = PerceptionPeriod(processed=3, rejected=2, dropped=4, last_error="truncated JPEG")
    assert health(period)[:2] == (WARN, "rejected 2 frame(s): truncated JPEG")


def test_dropped_frames_are_a_warning():
    assert health(PerceptionPeriod(processed=3, dropped=4))[:2] == (
        WARN, "dropped 4 frame(s): pose estimation slower than the camera")


def test_otherwise_ok():
    assert health(PerceptionPeriod(processed=30, proc_s=0.6, people=1))[:2] == (OK, "ok")


def test_counters_carry_people_over_and_start_the_rest_again():
    c = PerceptionCounters()
    c.processed(2, 0.02)
    c.processed(1, 0.03)
    c.rejected("corrupt")
    c.add(dropped=2, lost=1)
    assert c.take() == PerceptionPeriod(processed=2, dropped=2, rejected=1, lost=1, proc_s=0.05, people=1,
                                        last_error="corrupt")
    assert c.take() == PerceptionPeriod(people=1)


def test_the_perception_core_runs_without_ros():
    code = ("import sys; import nvhai_perception.frame_intake, nvhai_perception.image_watchdog, "
            "nvhai_perception.perception_health; "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('rclpy', 'diagnostic_msgs', 'sensor_msgs')]")
    subprocess.run([sys.executable, "-c", code], check=True)
