"""A per-person sliding window of the last T_in frames, resampled to the model's frame rate.

Cameras are not exactly 30 FPS and drop frames, so raw samples are kept with their stamps and
the window is read on a regular grid ending at the newest sample (its last frame *is* the newest
observation, so a forecast starts exactly after it). A gap longer than `max_gap_s` restarts the
window: interpolating across it would invent motion. A sample stamped before the newest is refused;
only SUSTAINED_BACK of them in a row (time went back and stayed back: a bag loop, a sim reset) restart
the window, so one message from a camera on another clock does not. Each keypoint's confidence is kept
beside it; a keypoint below `min_confidence` (or outside the image: the Forecaster zeroes those) is unseen,
and the window shows the model a completion in its place (visibility.py), never MediaPipe's guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nvhai_common.coco17 import NUM_KEYPOINTS
from nvhai_predictor.visibility import complete

SUSTAINED_BACK = 5  # samples in a row stamped before the newest: time went back (a sixth of a second at 30 FPS)


class StampError(ValueError):
    """A sample's stamp does not move time forward."""


@dataclass
class WindowConfig:
    frames: int = 60  # T_in
    rate_hz: float = 30.0
    max_gap_s: float = 0.75
    min_confidence: float = 0.3  # a keypoint below it is unseen
    min_visible: int = 5  # fewer seen keypoints than this: the sample is not used (5: a face, as at a desk)


class _Samples:
    """Stamps and frames in contiguous numpy buffers (live part [lo, hi)), so reading the window is a
    slice, not a stack of per-frame arrays; appending compacts the buffer when it reaches the end."""

    def __init__(self, capacity: int) -> None:
        self.times = np.empty(capacity)
        self.data = np.empty((capacity, NUM_KEYPOINTS * 3))  # x, y of each keypoint, then the 17 confidences
        self.lo = self.hi = 0

    def __len__(self) -> int:
        return self.hi - self.lo

    def append(self, t: float, row: np.ndarray) -> None:
        if self.hi == len(self.times):
            n = len(self)
            if n * 2 > len(self.times):  # more samples than expected (camera faster than rate_hz): grow
                self.times = np.concatenate([self.times, np.empty(len(self.times))])
                self.data = np.concatenate([self.data, np.empty_like(self.data)])
            self.times[:n], self.data[:n] = self.times[self.lo:self.hi], self.data[self.lo:self.hi]
            self.lo, self.hi = 0, n
        self.times[self.hi] = t
        self.data[self.hi] = row
        self.hi += 1

    def popleft(self) -> None:
        self.lo += 1

    def clear(self) -> None:
        self.lo = self.hi = 0

    def first(self, i: int = 0) -> float:
        return float(self.times[self.lo + i])

    def last(self) -> float:
        return float(self.times[self.hi - 1])


class PoseWindow:
    """Sliding window of one person's keypoints."""

    def __init__(self, config: WindowConfig | None = None) -> None:
        self.config = config or WindowConfig()
        self._samples = _Samples(4 * self.config.frames)
        self.resets = 0
        self._behind = 0  # samples refused in a row for being stamped before the newest

    @property
    def period(self) -> float:
        return 1.0 / self.config.rate_hz

    @property
    def span_s(self) -> float:
        return self._samples.last() - self._samples.first() if len(self._samples) else 0.0

    @property
    def fill(self) -> float:
        """How full the window is, 0..1 (1 = ready)."""
        if not len(self._samples):
            return 0.0
        return min(1.0, self.span_s / self._needed_span)

    @property
    def _needed_span(self) -> float:
        return (self.config.frames - 1) * self.period

    @property
    def ready(self) -> bool:
        # 1 us of slack: stamps summed in floating point land a hair short of the exact span.
        return len(self._samples) >= 2 and self.span_s >= self._needed_span - 1e-6

    @property
    def last_time(self) -> float | None:
        return self._samples.last() if len(self._samples) else None

    def reset(self) -> None:
        self._samples.clear()
        self.resets += 1

    def add(self, t: float, xy: np.ndarray, confidence: np.ndarray) -> bool:
        """Add a sample at time `t` (s). Returns False if it had too few confident keypoints.

        Raises StampError if `t` is not after the previous sample (out of order, duplicate, another clock).
        A gap longer than max_gap_s restarts the window with this sample, and so does the SUSTAINED_BACK-th
        sample in a row stamped more than max_gap_s before the newest (time jumped back and stayed back).
        """
        samples = self._samples
        if len(samples):
            dt = t - samples.last()
            if dt <= 0:
                self._behind += 1
                if dt >= -self.config.max_gap_s:
                    raise StampError(f"stamp {t:.6f} is not after the previous one {samples.last():.6f}")
                if self._behind < SUSTAINED_BACK:
                    raise StampError(f"stamp {t:.6f} is {-dt:.3g} s before the previous one {samples.last():.6f} "
                                     f"(another clock?); {SUSTAINED_BACK} in a row restart the window")
                self.reset()  # time went back and stayed back (bag loop, sim reset)
            elif dt > self.config.max_gap_s:  # a gap
                self.reset()
        self._behind = 0
        if int((confidence >= self.config.min_confidence).sum()) < self.config.min_visible:
            return False
        samples.append(t, np.concatenate([np.asarray(xy, dtype=np.float64).reshape(-1), confidence]))
        while len(samples) > 2 and samples.last() - samples.first(1) >= self._needed_span - 1e-6:
            samples.popleft()
        return True

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        """(T_in, 17, 2) frames on the grid t_last - (T_in-1-k)/rate, k = 0..T_in-1 (linear interpolation), the
        unseen keypoints completed (visibility.py), and (T_in, 17) whether each keypoint was seen there (at a
        time between two samples, seen in both)."""
        if not self.ready:
            raise RuntimeError(f"window not ready (fill {self.fill:.2f})")
        s = self._samples
        times, data = s.times[s.lo:s.hi], s.data[s.lo:s.hi]
        grid = times[-1] - self.period * np.arange(self.config.frames - 1, -1, -1)
        xy = resample(times, data[:, :NUM_KEYPOINTS * 2], grid).reshape(self.config.frames, NUM_KEYPOINTS, 2)
        seen = resample(times, data[:, NUM_KEYPOINTS * 2:], grid, lowest=True) >= self.config.min_confidence
        return complete(xy, seen).astype(np.float32), seen

    def frames(self) -> np.ndarray:
        """The window's frames as the model sees them (read() without the seen flags)."""
        return self.read()[0]


def resample(times: np.ndarray, data: np.ndarray, grid: np.ndarray, lowest: bool = False) -> np.ndarray:
    """Samples (N, ...) taken at increasing `times` (N >= 2), read at `grid` times inside their span by linear
    interpolation, or with `lowest` the lower of the two samples around each grid time (for confidences: a
    keypoint is seen between two samples only if both saw it, so a guess never leaks into a seen frame). How
    the live window meets the model's frame rate, and how `nvhai-train extract` turns a camera's 10-60 FPS
    into the datasets' 30 FPS, so both see the same frames."""
    grid = np.clip(grid, times[0], times[-1])  # float rounding at the edges
    hi = np.clip(np.searchsorted(times, grid, side="left"), 1, len(times) - 1)
    lo = hi - 1
    w = ((grid - times[lo]) / (times[hi] - times[lo])).reshape(-1, *([1] * (data.ndim - 1)))
    if lowest:  # on a sample itself, that sample's value
        return np.where(w <= 1e-9, data[lo], np.where(w >= 1 - 1e-9, data[hi], np.minimum(data[lo], data[hi])))
    return data[lo] * (1 - w) + data[hi] * w


def sliding_windows(clip: np.ndarray, t_in: int = 60, t_out: int = 30, stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Offline counterpart of PoseWindow for training and evaluation.

    (T, 17, C) clip at the model's rate -> (N, t_in, 17, C) inputs and (N, t_out, 17, C) the
    frames that really followed each of them. A clip shorter than t_in + t_out gives none.
    """
    n = (len(clip) - t_in - t_out) // stride + 1
    if n <= 0:
        shape = clip.shape[1:]
        return np.empty((0, t_in, *shape), clip.dtype), np.empty((0, t_out, *shape), clip.dtype)
    starts = np.arange(n) * stride
    idx_in = starts[:, None] + np.arange(t_in)
    idx_out = starts[:, None] + t_in + np.arange(t_out)
    return clip[idx_in], clip[idx_out]
