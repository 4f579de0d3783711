"""health: the /diagnostics levels without ROS, mean_ms, and the counters of one period across threads."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from nvhai_common.health import ERROR, OK, WARN, Health, PeriodCounters, mean_ms


@dataclass
class Period:
    processed: int = 0
    seconds: float = 0.0
    people: int = 0
    last_error: str = ""


def test_levels_are_diagnostic_msgs_levels():
    from diagnostic_msgs.msg import DiagnosticStatus

    assert (OK, WARN, ERROR) == (DiagnosticStatus.OK, DiagnosticStatus.WARN, DiagnosticStatus.ERROR)
    DiagnosticStatus(level=WARN)  # accepted as the message's level as it is


def test_health_unpacks_as_publish_status_takes_it():
    level, message, values = Health(WARN, "slow", {"fps": "3.0"})
    assert (level, message, values) == (WARN, "slow", {"fps": "3.0"})


@pytest.mark.parametrize("total_s, count, digits, text", [
    (0.05, 2, 1, "25.0"), (0.0012345, 1, 2, "1.23"), (0.0, 0, 1, "n/a"), (1.0, 0, 2, "n/a")])
def test_mean_ms(total_s, count, digits, text):
    assert mean_ms(total_s, count, digits) == text


def test_take_hands_over_the_period_and_starts_the_next_from_defaults_and_kept_fields():
    c = PeriodCounters(Period, keep=("people",))
    c.add(processed=2, seconds=0.5)
    with c.current() as s:
        s.people, s.last_error = 3, "bad frame"
    first = c.take()
    assert first == Period(processed=2, seconds=0.5, people=3, last_error="bad frame")
    assert c.take() == Period(people=3), "people carries over, counts and the error start again"
    first.processed = 99  # the period taken is the caller's: changing it touches nothing current
    assert c.take().processed == 0


def test_unknown_fields_are_refused():
    with pytest.raises(ValueError, match="does not have"):
        PeriodCounters(Period, keep=("nobody",))
    with pytest.raises(AttributeError):
        PeriodCounters(Period).add(procesed=1)


def test_counts_from_other_threads_are_never_lost_while_reports_take_periods():
    c = PeriodCounters(Period)
    threads, adds = 4, 5000
    taken: list[Period] = []
    done = threading.Event()

    def worker() -> None:
        for _ in range(adds):
            c.add(processed=1)

    def reporter() -> None:
        while not done.is_set():
            taken.append(c.take())

    report = threading.Thread(target=reporter)
    report.start()
    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    done.set()
    report.join()
    taken.append(c.take())
    assert sum(p.processed for p in taken) == threads * adds
