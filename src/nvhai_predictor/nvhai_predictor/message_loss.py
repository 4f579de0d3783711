"""Messages a publisher sent that never reached the predictor (queue overflow, transport loss), counted from
the gaps in each publisher's publication sequence numbers, which rclpy hands every callback (MessageInfo)."""

from __future__ import annotations

from typing import Any


class SequenceGaps:
    """Per publisher (by gid) the highest sequence number seen; a jump past it is that many messages lost."""

    def __init__(self) -> None:
        self._last: dict[bytes, int] = {}  # publisher gid -> last publication sequence number

    def lost(self, sequence: int | None, publisher_gid: Any) -> int:
        """Messages lost before this one (0 without a sequence number or gid: the middleware gave none)."""
        if sequence is None or publisher_gid is None:
            return 0
        key = bytes(publisher_gid.get("data", b"")) if isinstance(publisher_gid, dict) else bytes(publisher_gid)
        last = self._last.get(key)
        self._last[key] = sequence if last is None else max(sequence, last)
        return sequence - last - 1 if last is not None and sequence > last + 1 else 0
