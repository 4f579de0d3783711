"""Started MediaPipe Pose graphs kept ready for roi_pose_estimator.py's trackers.

A Pose graph's first frame costs 130-300 ms on two cores (model load, XNNPACK set-up; `reset()`
costs it again): a tracker started inside a frame stalls that frame and the camera frames behind it.
So graphs are started and run once on a blank image in a background thread, a newcomer's tracker
takes one, and a retired tracker gives its graph back, cleared by blank frames (with no person in
the previous frame the graph runs its detector again, as a new one would).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

_BLANK = np.zeros((256, 256, 3), dtype=np.uint8)


def _cleared(pose):
    """`pose` after blank frames: started, and tracking nobody."""
    for _ in range(2):
        pose.process(_BLANK)
    return pose


class WarmPoses:
    """Graphs from `make` for up to `slots` trackers at once (never more graphs than that): one is warmed
    ahead while a slot is free, and `take` waits for one being warmed rather than start another."""

    def __init__(self, make: Callable[[], object], slots: int) -> None:
        self._make = make
        self.slots = slots
        self.lent = 0
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="nvhai_roi_warm")
        self._ready: list[Future] = [self._thread.submit(self._new)]
        self.started_in_frame = 0  # graphs a frame had to start itself (none ready or warming): each a stall

    def _new(self):
        return _cleared(self._make())

    def take(self):
        """A started graph tracking nobody; the next one is warmed behind it while a slot is free."""
        if self._ready:
            pose = self._ready.pop(0).result()
        else:
            self.started_in_frame += 1
            pose = self._new()
        self.lent += 1
        if not self._ready and self.lent < self.slots:
            self._ready.append(self._thread.submit(self._new))
        return pose

    def give(self, pose) -> None:
        """A retired tracker's graph, cleared in the background for the next newcomer."""
        self.lent -= 1
        if len(self._ready) + self.lent >= self.slots:
            pose.close()
            return
        self._ready.append(self._thread.submit(_cleared, pose))

    def close(self) -> None:
        for future in self._ready:
            future.result().close()
        self._ready = []
        self._thread.shutdown()
