"""image_watchdog on a fake clock: one warning per silence, whom it blames, and the line when images return."""

from __future__ import annotations

from nvhai_perception.image_watchdog import TRANSPORT_HINT, Alert, ImageWatchdog, log_alert


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def watchdog(clock: Clock) -> ImageWatchdog:
    return ImageWatchdog("/camera/image", "best_effort", 3.0, clock=clock)


def test_silence_is_warned_once_naming_the_camera_topic_and_qos():
    clock = Clock()
    w = watchdog(clock)
    clock.t += 3.0
    assert w.check() is None and not w.silent, "silent for exactly warn_after_s: not yet"
    clock.t += 0.5
    alert = w.check()
    assert alert == Alert("warning", "no image received on /camera/image for 3.5 s: is the camera running, is the "
                                     "topic right (ros2 topic list), and does its QoS match (best_effort)?")
    assert w.silent
    clock.t += 10.0
    assert w.check() is None, "once per silence"
    assert w.silent


def test_an_image_ends_the_silence_with_one_line_and_starts_the_clock_again():
    clock = Clock()
    w = watchdog(clock)
    clock.t += 1.0
    assert w.image() is None, "no silence warned: nothing to say"
    clock.t += 2.5
    assert w.check() is None, "3.5 s since start, but only 2.5 s since the image"
    clock.t += 1.0
    assert w.check() is not None
    assert w.image() == Alert("info", "images arriving again on /camera/image")
    assert not w.silent and w.image() is None
    clock.t += 3.5
    assert w.check().severity == "warning", "a new silence is warned again"


def test_restart_measures_silence_from_activation():
    clock = Clock()
    w = watchdog(clock)
    clock.t += 100.0  # configured long ago, inactive all the while
    w.restart()
    clock.t += 2.0
    assert w.check() is None
    clock.t += 2.0
    assert w.check() is not None


def test_images_lost_in_transport_blame_the_transport_not_the_camera():
    clock = Clock()
    w = watchdog(clock)
    assert w.lost(2, 2) == f"2 image(s) on /camera/image lost in transport so far: {TRANSPORT_HINT}"
    assert w.lost(1, 3).startswith("3 image(s) on /camera/image lost in transport so far: ")
    clock.t += 4.0
    assert w.check() == Alert("error", "no image received on /camera/image for 4.0 s, but 3 were lost in transport: "
                                       f"{TRANSPORT_HINT}")
    assert w.silent


def test_an_image_clears_the_losses_it_followed():
    clock = Clock()
    w = watchdog(clock)
    w.lost(5, 5)
    clock.t += 1.0
    w.image()  # losses before this image are not this silence's
    clock.t += 3.5
    assert w.check().severity == "warning"
    assert "fastdds_local.xml" in TRANSPORT_HINT


def test_every_alert_can_be_written_by_one_rclpy_logger_in_turn():
    """rclpy refuses a call site whose severity or filters change between calls (the perception process once died
    of it: a no-image error after a throttled loss line); log_alert has one call per severity."""
    from rclpy.logging import get_logger

    logger = get_logger("image_watchdog_test")
    for _ in range(2):
        for severity in ("warning", "error", "info", "error", "warning"):
            log_alert(logger, Alert(severity, f"a {severity}"))
    log_alert(logger, None)
