"""The no-image watchdog: says once when the camera topic falls silent, and whom to blame.

Silent longer than `warn_after_s` since the last image (or since activation), it warns once: the camera, the
topic name or the QoS; or, when images were lost in transport since the last one arrived, an error that blames
the transport instead. The next image ends the silence, with one line saying so. What to log comes back as
`Alert`s for the node to write with `log_alert`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal, NamedTuple

TRANSPORT_HINT = ("images larger than the transport carries, or large ones without fastdds_local.xml (its 64 MiB "
                  "shared-memory segment and 8192-message port queue; docs/hardening.md: image size limits), or a congested "
                  "network")


class Alert(NamedTuple):
    severity: Literal["info", "warning", "error"]  # the logger method that writes it
    text: str


class ImageWatchdog:
    """Watches `topic` (subscribed with `reliability`, named in the warning) for images."""

    def __init__(self, topic: str, reliability: str, warn_after_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.topic, self.reliability, self.warn_after_s = topic, reliability, warn_after_s
        self._clock = clock
        self._last_image = clock()
        self._lost_since_image = 0
        self.silent = False  # warned about this silence, and no image since

    def restart(self) -> None:
        """Measure silence from now (activation)."""
        self._last_image = self._clock()

    def image(self) -> Alert | None:
        """An image arrived; after a silence that was warned about, the line that says images are back."""
        self._last_image = self._clock()
        self._lost_since_image = 0
        if not self.silent:
            return None
        self.silent = False
        return Alert("info", f"images arriving again on {self.topic}")

    def lost(self, count: int, total: int) -> str:
        """`count` images were lost in transport (`total` so far): the error line to log (throttled by the node)."""
        self._lost_since_image += count
        return f"{total} image(s) on {self.topic} lost in transport so far: {TRANSPORT_HINT}"

    def check(self) -> Alert | None:
        """Called periodically: the one warning of a silence longer than warn_after_s, else None."""
        silent_s = self._clock() - self._last_image
        if silent_s <= self.warn_after_s or self.silent:
            return None
        self.silent = True
        if self._lost_since_image:
            return Alert("error", f"no image received on {self.topic} for {silent_s:.1f} s, but "
                                  f"{self._lost_since_image} were lost in transport: {TRANSPORT_HINT}")
        return Alert("warning", f"no image received on {self.topic} for {silent_s:.1f} s: is the camera running, is "
                                f"the topic right (ros2 topic list), and does its QoS match ({self.reliability})?")


def log_alert(logger, alert: Alert | None) -> None:
    """Write `alert` (if any) with `logger` (rclpy's, or any with info/warning/error). One call per severity:
    rclpy keys each call site's severity and filters and refuses a site that changes them between calls."""
    if alert is None:
        return
    if alert.severity == "error":
        logger.error(alert.text)
    elif alert.severity == "warning":
        logger.warning(alert.text)
    else:
        logger.info(alert.text)
