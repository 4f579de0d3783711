"""Axis-aligned person boxes (x0, y0, x1, y1) in pixels: the overlap tests the multi-person
estimators use to tell one person from two."""

from __future__ import annotations

Box = tuple[float, float, float, float]


def area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def covered(small: Box, big: Box) -> float:
    """Fraction of `small`'s box inside `big`'s."""
    ix = max(0.0, min(small[2], big[2]) - max(small[0], big[0]))
    iy = max(0.0, min(small[3], big[3]) - max(small[1], big[1]))
    return ix * iy / max(area(small), 1e-9)
