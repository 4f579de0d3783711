"""When the avatar starts a gesture: only for a display that has lasted. No ROS.

A greeting or a cheer answered to one confident window looks like a twitch, and most arm movements
(throwing, pointing, waving someone away) pass through a window or two that resembles one. So a
gesture starts only after the same gesture has been called for, without a break, for `sustain_s`; it
then stays until the call stops. `onsets` counts gesture starts, the figure behind `gestures_per_min`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ATTEND = "attend"


@dataclass
class _Pending:
    gesture: str
    since: float


@dataclass
class GestureOnset:
    sustain_s: float = 1.0  # a gesture must be called for this long before the avatar starts it
    onsets: int = 0  # gestures started so far (all people)
    _pending: dict[int, _Pending] = field(default_factory=dict)
    _active: dict[int, str] = field(default_factory=dict)

    def update(self, person_id: int, t: float, wanted: str) -> str:
        """The gesture to show now for a person for whom `wanted` is called for at time t (s)."""
        if wanted == ATTEND:
            self._pending.pop(person_id, None)
            self._active.pop(person_id, None)
            return ATTEND
        if self._active.get(person_id) == wanted:
            return wanted
        pending = self._pending.get(person_id)
        if pending is None or pending.gesture != wanted or t < pending.since:  # a new call, or time went back
            self._active.pop(person_id, None)
            self._pending[person_id] = pending = _Pending(wanted, t)
        if t - pending.since >= self.sustain_s - 1e-9:
            self._active[person_id] = wanted
            self.onsets += 1
            return wanted
        return ATTEND

    def forget(self, person_id: int) -> None:
        self._pending.pop(person_id, None)
        self._active.pop(person_id, None)
