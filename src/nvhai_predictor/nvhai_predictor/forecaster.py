"""People's keypoints in, forecasts and emotion probabilities out: the predictor without ROS.

Validates each observation, keeps one PersonState per person (person_state.py: window, ensemble,
emotion smoother, online correction), runs every ready person of a frame in one batch, scores,
adapts and gates each person's forecast online (online.py), optionally averages overlapping
forecasts (forecast_ensemble.py) and smooths each person's emotion over time
(emotion_smoothing.py), and returns forecasts in pixels. In a crowd, at most
max_people_per_step of the ready people are run per frame, the nearest first (load_shedding.py).
ForecasterConfig's defaults are the shipped ones: the node's parameters and `evaluate --online`
take theirs from it (settings.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from nvhai_common.coco17 import NUM_KEYPOINTS
from nvhai_predictor import person_state
from nvhai_predictor.frame_grid import FrameGrid
from nvhai_predictor.load_shedding import LoadShedder, person_size
from nvhai_predictor.model_runner import ModelOutputError, ModelRunner
from nvhai_predictor.normalization import denormalize, normalize
from nvhai_predictor.online import OnlineConfig, OnlineForecast
from nvhai_predictor.person_state import PersonState
from nvhai_predictor.visibility import inside_image
from nvhai_predictor.window import SUSTAINED_BACK, WindowConfig


class InvalidKeypoints(ValueError):
    """An observation that cannot be a person's pose; the message says why."""


@dataclass
class Observation:
    person_id: int
    xy: np.ndarray  # (17, 2) pixels
    confidence: np.ndarray  # (17,)


@dataclass
class PersonForecast:
    person_id: int
    stamp: float  # the last observed frame's time (s)
    future_px: np.ndarray  # (T_out, 17, 2) pixels
    emotion_probs: np.ndarray  # (n_labels,)
    labels: list[str]
    online: OnlineForecast | None = None  # the forecast in the normalised space: model, adapted, published

    @property
    def label(self) -> str:
        return self.labels[int(np.argmax(self.emotion_probs))]

    @property
    def confidence(self) -> float:
        return float(np.max(self.emotion_probs))


@dataclass
class ForecasterConfig:
    window: WindowConfig = field(default_factory=WindowConfig)
    forget_after_s: float = 2.0  # a person unseen this long is forgotten (window and id)
    max_outside: float = 1.0  # a person whose median keypoint lies further outside than this x the image: reject
    ensemble_forecasts: int = 1  # average the last N overlapping forecasts (1 = the newest only)
    emotion_smoothing: str = "ema"  # "ema" (time-constant moving average per person) or "raw"
    emotion_time_constant_s: float = 1.0
    online: OnlineConfig = field(default_factory=OnlineConfig)  # adaptation, self-scoring, gate
    max_people_per_step: int = 8  # forecast at most this many people per frame (load_shedding.py); 0: everyone


@dataclass
class StepResult:
    forecasts: list[PersonForecast]
    errors: list[str]  # one line per refused observation
    forgotten: list[int]
    bad_outputs: int = 0  # forecasts dropped: inference failed or gave NaN/inf or non-probabilities
    output_error: str = ""  # why, one line
    implausible: int = 0  # forecasts published as zero-velocity: no human body could follow them (plausibility.py)
    implausible_reason: str = ""  # why, one line
    thinned: list[int] = field(default_factory=list)  # ready, but not forecast in this frame (load shedding)


class Forecaster:
    def __init__(self, runner: ModelRunner, config: ForecasterConfig | None = None) -> None:
        self.runner = runner
        self.config = config or ForecasterConfig()
        person_state.check(self.config)
        self.grid = FrameGrid(self.config.window.rate_hz, runner.contract.output_frames)
        self.people: dict[int, PersonState] = {}  # every tracked person's state, created and forgotten here
        self.shedder = LoadShedder(self.config.max_people_per_step)
        self._newest: float | None = None  # the time people age by (see _now)
        self._behind = 0  # frames in a row stamped more than max_gap_s before _newest

    def validate(self, obs: Observation, width: int, height: int) -> np.ndarray:
        """Return the confidence to use (0 for keypoints outside the image) or raise InvalidKeypoints."""
        xy, conf = np.asarray(obs.xy), np.asarray(obs.confidence)
        if xy.shape != (NUM_KEYPOINTS, 2) or conf.shape != (NUM_KEYPOINTS,):
            raise InvalidKeypoints(f"person {obs.person_id}: expected {NUM_KEYPOINTS} keypoints, "
                                   f"got xy {xy.shape} confidence {conf.shape}")
        # per-axis extremes and the confidence range: NaN and inf show in them, and they decide the rest
        (x_lo, y_lo), (x_hi, y_hi) = xy.min(axis=0).tolist(), xy.max(axis=0).tolist()
        c_lo, c_hi = float(conf.min()), float(conf.max())
        if not all(map(math.isfinite, (x_lo, y_lo, x_hi, y_hi, c_lo, c_hi))):
            raise InvalidKeypoints(f"person {obs.person_id}: NaN/inf in keypoints")
        if c_lo < 0 or c_hi > 1:
            raise InvalidKeypoints(f"person {obs.person_id}: confidence outside [0, 1] ({c_lo:.3g}..{c_hi:.3g})")
        if width <= 0 or height <= 0:
            raise InvalidKeypoints(f"person {obs.person_id}: image size {width}x{height} is not set")
        if x_lo >= 0 and y_lo >= 0 and x_hi <= width and y_hi <= height:
            return conf
        # Keypoints outside the image are unseen (MediaPipe guesses the legs of a person cut at the waist, often
        # far below the frame); only a person who is as a whole far outside it cannot be in this image.
        m = self.config.max_outside
        cx, cy = np.sort(xy, axis=0)[len(xy) // 2].tolist()  # the median keypoint (np.median costs 20 us more)
        if cx < -m * width or cy < -m * height or cx > (1 + m) * width or cy > (1 + m) * height:
            raise InvalidKeypoints(f"person {obs.person_id}: keypoints far outside the {width}x{height} image")
        return np.where(inside_image(xy, width, height), conf, 0.0)

    def step(self, t: float, observations: list[Observation], width: int, height: int) -> StepResult:
        """Feed one frame's people (all stamped `t`); forecast every person whose window is full."""
        errors: list[str] = []
        ready: dict[int, float] = {}  # person -> size in the image
        for obs in observations:
            try:
                conf = self.validate(obs, width, height)
                person = self.people.get(obs.person_id)
                if person is None:
                    person = self.people[obs.person_id] = PersonState(self.config, self.grid)
                window = person.window
                resets = window.resets
                if not window.add(t, obs.xy, conf):
                    errors.append(f"person {obs.person_id}: too few confident keypoints, sample skipped")
                elif window.resets != resets:
                    errors.append(f"person {obs.person_id}: stamps jumped by more than {self.config.window.max_gap_s} s, "
                                  "window restarted")
                if window.ready and window.last_time == t:
                    ready[obs.person_id] = person_size(obs.xy, conf, self.config.window.min_confidence)
            except ValueError as e:  # InvalidKeypoints or StampError
                errors.append(str(e))
        forgotten = self.forget(self._now(t), current=t)
        result = StepResult([], errors, forgotten)
        if ready:
            served, result.thinned = self.shedder.choose(ready, self.people)
            try:
                result.forecasts = self.predict(served, t, result)
            except ModelOutputError as e:  # the model, not the input: drop the batch, keep serving
                result.bad_outputs, result.output_error = len(served), str(e)
        return result

    def predict(self, person_ids: list[int], t: float, result: StepResult | None = None) -> list[PersonForecast]:
        """Forecast these people's full windows; outputs that are not sound are dropped (counted in `result`)."""
        people = [self.people[pid] for pid in person_ids]
        read = [person.window.read() for person in people]
        windows = np.stack([frames for frames, _ in read])
        normed, centroid, scale = normalize(windows)
        preds = self.runner.run(normed)
        labels = list(self.runner.contract.labels)
        out = []
        for i, (pid, person, p) in enumerate(zip(person_ids, people, preds, strict=True)):
            problem, future, online = p.problem, None, None
            if not problem:  # a bad output must not reach the adaptation, ensemble or emotion smoother either
                online = person.online.forecast(t, normed[i], p.future, read[i][1])
                if online.implausible and result is not None:
                    result.implausible += 1
                    result.implausible_reason = f"person {pid}: {online.implausible}"
                future = denormalize(person.ensemble.add(t, online.published), centroid[i, -1],
                                     scale[i, -1]).astype(np.float32)
                problem = "" if np.isfinite(future).all() else "non-finite forecast in pixels"
            if problem:
                if result is not None:
                    result.bad_outputs += 1
                    result.output_error = f"person {pid}: {problem}"
                continue
            out.append(PersonForecast(pid, t, future, person.emotion.update(t, p.emotion_probs), labels, online))
        return out

    def _now(self, t: float) -> float:
        """The newest stamp seen; `t` once SUSTAINED_BACK frames in a row were stamped before it (time went back
        and stayed back), so that one frame from a camera on another clock neither ages nor forgets anyone."""
        if self._newest is None or t > self._newest - self.config.window.max_gap_s:
            self._newest, self._behind = t if self._newest is None else max(t, self._newest), 0
        else:
            self._behind += 1
            if self._behind >= SUSTAINED_BACK:
                self._newest, self._behind = t, 0
        return self._newest

    def forget(self, now: float, current: float | None = None) -> list[int]:
        """Forget people unseen for forget_after_s, and those stamped that far *ahead* of `now` (time
        jumped back and stayed back: bag loop, sim reset), whose windows would otherwise never age.
        People observed in the frame stamped `current` are kept: they are in view. A person forgotten
        is their PersonState dropped: nothing else holds anything of them."""
        gone = [pid for pid, person in self.people.items() if (last := person.window.last_time) is None
                or (last != current and abs(now - last) > self.config.forget_after_s)]
        for pid in gone:
            del self.people[pid]
        return gone
