"""What the perception node reports on /diagnostics each period: its counters and the ladder from them to one
level and message (the first rung that holds wins), with the values beside it."""

from __future__ import annotations

from dataclasses import dataclass

from nvhai_common.health import ERROR, OK, WARN, Health, PeriodCounters, mean_ms
from nvhai_perception.image_watchdog import TRANSPORT_HINT

DIAGNOSTIC_NAME = "nvhai_perception: pose estimation"


@dataclass
class PerceptionPeriod:
    """Counters of one /diagnostics period."""

    processed: int = 0  # frames run through pose estimation and published
    dropped: int = 0  # frames replaced by a newer one before pose estimation got to them (frame_intake.py)
    rejected: int = 0  # frames that could not be decoded, or pose estimation failed on
    lost: int = 0  # frames the middleware started receiving but lost (never reached the callback)
    proc_s: float = 0.0  # seconds spent on processed frames, decoding to publishing
    people: int = 0  # people in the last processed frame (carried over from period to period)
    last_error: str = ""  # why the last frame rejected in this period was


class PerceptionCounters(PeriodCounters[PerceptionPeriod]):
    """The current period's counters; `take()` hands them to the report and starts the next period."""

    def __init__(self) -> None:
        super().__init__(PerceptionPeriod, keep=("people",))

    def processed(self, people: int, seconds: float) -> None:
        with self.current() as s:
            s.processed, s.proc_s, s.people = s.processed + 1, s.proc_s + seconds, people

    def rejected(self, error: str) -> None:
        with self.current() as s:
            s.rejected, s.last_error = s.rejected + 1, error


def perception_health(s: PerceptionPeriod, period_s: float, image_topic: str, *, config_error: str = "",
                      lifecycle: str = "", no_image: bool = False) -> Health:
    """The status of one period `s` lasting `period_s`. `config_error`: why the last configure failed ('' if it
    did not); `lifecycle`: ManagedNode.lifecycle_status() ('' when active); `no_image`: the watchdog's silence."""
    values = {
        "fps": f"{s.processed / period_s:.1f}", "processing_ms_mean": mean_ms(s.proc_s, s.processed),
        "people": s.people, "frames_dropped": s.dropped, "frames_rejected": s.rejected,
        "frames_lost_in_transport": s.lost, "image_topic": image_topic,
    }
    if config_error:
        return Health(ERROR, config_error, values)
    if lifecycle:
        return Health(OK, lifecycle, values)
    if s.lost:  # the camera may be fine: its images did not fit the transport
        return Health(ERROR if s.processed == 0 else WARN,
                      f"{s.lost} image(s) lost in transport on {image_topic}: {TRANSPORT_HINT}", values)
    if no_image:
        return Health(ERROR, f"no image on {image_topic}", values)
    if s.rejected:
        return Health(WARN, f"rejected {s.rejected} frame(s): {s.last_error}", values)
    if s.dropped:
        return Health(WARN, f"dropped {s.dropped} frame(s): pose estimation slower than the camera", values)
    return Health(OK, "ok", values)
