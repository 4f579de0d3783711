"""The frame grid every forecast lives on, held once: the rate the window is resampled to and the number of
frames a forecast reaches ahead. The Forecaster makes one from its window's rate and the model's T_out and
hands it to each person's parts (ensemble, adaptation, self-scoring), which read it rather than keep copies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FrameGrid:
    rate_hz: float  # frames per second of the window and of every forecast
    t_out: int  # frames a forecast reaches ahead (the model's T_out)

    @property
    def horizon_s(self) -> float:
        """How far ahead a forecast reaches (s): its last frame is this long after the frame it was made at."""
        return self.t_out / self.rate_hz
