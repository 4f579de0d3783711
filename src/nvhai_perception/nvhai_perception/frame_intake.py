"""How camera frames reach pose estimation: in order, or only the newest while it is busy.

Queued (drop_when_busy false: offline and bag evaluation) each frame is processed in the callback that
offers it. Latest-frame (the node's default: latency over completeness) a worker thread processes frames
while the callbacks keep arriving; a frame offered while another still waits replaces it, and the one
replaced counts as dropped. The subscription stays free to take the next frame, and a slow estimator never
works through a backlog of old ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

F = TypeVar("F")

POLL_S = 0.1  # how often an idle worker looks whether it should stop


class FrameIntake(Generic[F]):
    """Hands frames to `process`, inline (`drop_when_busy` false) or on a worker thread through a one-frame
    slot. `stopping()` true while `process` raises (the process shutting down with a frame in flight)
    ends the worker quietly; any other exception is raised in the worker, as before."""

    def __init__(self, process: Callable[[F], None], drop_when_busy: bool, name: str = "frame_intake",
                 stopping: Callable[[], bool] = lambda: False) -> None:
        self._process, self._stopping, self._name = process, stopping, name
        self.drop_when_busy = drop_when_busy
        self._lock = threading.Lock()
        self._pending: F | None = None
        self._wake = threading.Event()
        self._running = False
        self._worker: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker (latest-frame only; queued needs none)."""
        if self.drop_when_busy and self._worker is None:
            self._running = True
            self._worker = threading.Thread(target=self._work, name=self._name, daemon=True)
            self._worker.start()

    def offer(self, frame: F) -> int:
        """Take a frame; returns how many frames it dropped (1 when it replaced one still waiting, else 0)."""
        if self._worker is None:
            self._process(frame)
            return 0
        with self._lock:
            dropped = int(self._pending is not None)
            self._pending = frame
        self._wake.set()
        return dropped

    def clear(self) -> None:
        """Forget a frame still waiting (not counted as dropped: nobody wants it processed)."""
        with self._lock:
            self._pending = None

    def stop(self, timeout_s: float = 1.0) -> None:
        """Stop the worker, waiting up to `timeout_s` for the frame in flight."""
        self._running = False
        if self._worker is not None:
            self._worker.join(timeout=timeout_s)
            self._worker = None

    def _work(self) -> None:
        while self._running:
            if not self._wake.wait(POLL_S):
                continue
            self._wake.clear()
            with self._lock:
                frame, self._pending = self._pending, None
            if frame is not None:
                try:
                    self._process(frame)
                except Exception:
                    if self._stopping():
                        return
                    raise
