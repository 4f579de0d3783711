"""What a node says on /diagnostics, without ROS: the levels, the status its health ladder returns, and the
counters of one report period.

Each node counts what happened between two reports (frames processed, dropped, refused, seconds spent) in a
dataclass of its own. `PeriodCounters` holds the current one for the callbacks and any worker thread to change
(`add`, or `current()` for several fields at once) and hands it to the report timer, starting the next period,
in one step under a lock: a count added while the report swaps periods lands in one period or the next, never
nowhere. The node's ladder turns the taken period into a `Health`; ros_diagnostics.publish_status sends it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from typing import Generic, NamedTuple, TypeVar

# diagnostic_msgs/DiagnosticStatus levels (byte constants there); test_health checks they are the same values.
OK, WARN, ERROR = b"\x00", b"\x01", b"\x02"


class Health(NamedTuple):
    """One /diagnostics status of a node: its level, one-line message and the key/value pairs beside it."""

    level: bytes
    message: str
    values: dict[str, object]


def mean_ms(total_s: float, count: int, digits: int = 1) -> str:
    """The mean of `count` durations adding up to `total_s` seconds, in milliseconds; "n/a" when there were none."""
    return f"{1000 * total_s / count:.{digits}f}" if count else "n/a"


T = TypeVar("T")


class PeriodCounters(Generic[T]):
    """The counters (a dataclass `T` of numbers and last values) of the current report period, thread-safe.

    `keep` names fields that carry over into the next period (gauges such as the people in the last frame)
    instead of starting from their default."""

    def __init__(self, new: Callable[[], T], keep: tuple[str, ...] = ()) -> None:
        self._new, self._keep = new, keep
        self._lock = threading.Lock()
        self._current = new()
        names = {f.name for f in fields(self._current)}
        if unknown := set(keep) - names:
            raise ValueError(f"keep names fields {sorted(unknown)} that {type(self._current).__name__} does not have")

    def add(self, **counts: float) -> None:
        """Add each count to its field (`add(processed=1, proc_s=0.02)`)."""
        with self._lock:
            for name, count in counts.items():
                setattr(self._current, name, getattr(self._current, name) + count)

    @contextmanager
    def current(self) -> Iterator[T]:
        """The current period, locked while the block changes several fields together."""
        with self._lock:
            yield self._current

    def take(self) -> T:
        """The period so far; the next one starts from the defaults (and the fields in `keep`)."""
        with self._lock:
            taken = self._current
            self._current = replace(self._new(), **{name: getattr(taken, name) for name in self._keep})
        return taken
