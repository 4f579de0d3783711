"""Which people a crowded frame forecasts, so that a crowd costs a bounded time per frame.

Each forecast costs the model, the online layer and two messages (~0.5 ms of core step per person here):
55 people in view took the predictor to 135 ms per frame, its input queue grew and the forecasts came
seconds late, for everyone. With more people ready than `max_people`, half of the slots go to the largest
people in the image (nearest the robot: the ones it answers, which the avatar's attention also favours),
every frame; the other slots go round the rest, longest-waiting first, so everyone is still forecast, less
often (55 people, 8 slots: the 4 nearest at the camera rate, the others every ~13 frames). A person's
window keeps filling while they wait; only the forecast is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np


def person_size(xy: np.ndarray, confidence: np.ndarray, min_confidence: float = 0.3) -> float:
    """The longer side of the box around a person's confident keypoints (pixels): larger is nearer."""
    seen = xy[confidence >= min_confidence]
    if len(seen) < 2:
        return 0.0
    return float(np.ptp(seen, axis=0).max())


class Waiting(Protocol):
    waited: int  # frames ready but not served, since last served (a person's state keeps it: person_state.py)


class LoadShedder:
    """Chooses at most `max_people` of the people ready in a frame (0: no limit)."""

    def __init__(self, max_people: int = 0) -> None:
        if max_people < 0:
            raise ValueError(f"max_people_per_step must be >= 0 (0 = no limit), got {max_people}")
        self.max_people = max_people

    def choose(self, sizes: dict[int, float], people: Mapping[int, Waiting]) -> tuple[list[int], list[int]]:
        """(served, thinned) of the ready people `sizes` (person -> person_size): all of them in their order
        when they fit, else the largest first; each one's `waited` in `people` is updated."""
        if not self.max_people or len(sizes) <= self.max_people:
            for pid in sizes:
                people[pid].waited = 0
            return list(sizes), []
        by_size = sorted(sizes, key=lambda pid: (-sizes[pid], pid))
        nearest = by_size[:self.max_people // 2]
        rest = by_size[len(nearest):]
        rest.sort(key=lambda pid: -people[pid].waited)  # stable: equal waits stay largest first
        served = nearest + rest[:self.max_people - len(nearest)]
        chosen = set(served)
        thinned = [pid for pid in by_size if pid not in chosen]
        for pid in served:
            people[pid].waited = 0
        for pid in thinned:
            people[pid].waited += 1
        return served, thinned
