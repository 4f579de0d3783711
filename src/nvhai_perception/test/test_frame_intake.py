"""frame_intake: frames in order, or the newest only while pose estimation is busy (threads, no ROS)."""

from __future__ import annotations

import threading

import pytest

from nvhai_perception.frame_intake import FrameIntake


class Estimator:
    """A stand-in for pose estimation that holds each frame until the test releases it."""

    def __init__(self, hold: bool = True) -> None:
        self.done: list[int] = []
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.finished = threading.Condition()

    def __call__(self, frame: int) -> None:
        self.started.set()
        assert self.release.wait(10.0), "never released"
        with self.finished:
            self.done.append(frame)
            self.finished.notify_all()

    def wait_for(self, n: int) -> list[int]:
        with self.finished:
            assert self.finished.wait_for(lambda: len(self.done) >= n, 10.0), self.done
        return self.done


def test_queued_processes_every_frame_in_the_callback_in_order():
    estimator = Estimator(hold=False)
    intake = FrameIntake(estimator, drop_when_busy=False)
    before = set(threading.enumerate())  # other tests in this process may leave threads of their own
    intake.start()  # no worker to start
    assert [intake.offer(i) for i in range(5)] == [0] * 5
    assert estimator.done == [0, 1, 2, 3, 4], "processed before offer returned"
    assert set(threading.enumerate()) - before == set(), "a queued intake started a thread"
    intake.stop()


def test_busy_worker_keeps_only_the_newest_frame_and_counts_the_ones_replaced():
    estimator = Estimator()
    intake = FrameIntake(estimator, drop_when_busy=True, name="test_intake")
    intake.start()
    try:
        assert intake.offer(0) == 0
        assert estimator.started.wait(10.0), "the worker took frame 0"
        drops = [intake.offer(i) for i in range(1, 6)]  # arrive while frame 0 is being processed
        assert drops == [0, 1, 1, 1, 1], "the first waits, each later one replaces the one waiting"
        estimator.release.set()
        assert estimator.wait_for(2) == [0, 5], "frame 0, then the newest; 1..4 were never processed"
        assert intake.offer(6) == 0, "nothing waiting any more: nothing dropped"
        assert estimator.wait_for(3) == [0, 5, 6]
    finally:
        estimator.release.set()
        intake.stop()
    assert not any(t.name == "test_intake" for t in threading.enumerate()), "stop ends the worker"


def test_clear_forgets_the_frame_waiting_without_counting_it():
    estimator = Estimator()
    intake = FrameIntake(estimator, drop_when_busy=True)
    intake.start()
    try:
        intake.offer(0)
        assert estimator.started.wait(10.0)
        assert intake.offer(1) == 0
        intake.clear()  # deactivated while frame 1 waited
        assert intake.offer(2) == 0, "the slot was empty"
        estimator.release.set()
        assert estimator.wait_for(2) == [0, 2]
    finally:
        estimator.release.set()
        intake.stop()


@pytest.fixture
def worker_exceptions():
    """Exceptions that end a thread (instead of threading's stderr report)."""
    seen: list[BaseException] = []
    before = threading.excepthook
    threading.excepthook = lambda args: seen.append(args.exc_value)
    yield seen
    threading.excepthook = before


@pytest.mark.parametrize("stopping", [True, False])
def test_an_exception_while_shutting_down_ends_the_worker_quietly_any_other_is_raised(worker_exceptions, stopping):
    ended = threading.Event()

    def failing(frame: int) -> None:
        ended.set()
        raise RuntimeError("publisher destroyed")

    intake = FrameIntake(failing, drop_when_busy=True, stopping=lambda: stopping)
    intake.start()
    intake.offer(0)
    assert ended.wait(10.0)
    intake._worker.join(10.0)  # the worker ends either way: quietly, or with the error raised in it
    assert not intake._worker.is_alive()
    assert [str(e) for e in worker_exceptions] == ([] if stopping else ["publisher destroyed"])
    intake.stop()
