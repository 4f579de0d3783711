"""Identities, forecast coverage and emotion stability of the loop's cores on a looped video, offline.

The bundled clip (or --video) is played `--loops` times with stamps running on, as the video
source node does with `loop: true`, through the perception core (MediaPipe -> tracker ->
One-Euro) and the predictor core, every frame in order (no real-time pacing, so it measures
the algorithms, not this machine). MediaPipe's detections can be saved (--save-detections)
and replayed (--detections) to compare tracker or predictor settings without re-running it.

    python benchmarks/tracking_loop.py --loops 1 --max-people 2
    python benchmarks/tracking_loop.py --loops 39 --max-people 1 --save-detections /tmp/det39.pkl
    python benchmarks/tracking_loop.py --detections /tmp/det39.pkl --max-people 1 --ensemble 5
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np

from nvhai_common.person import PersonKeypoints
from nvhai_perception.frame_source import FrameSource
from nvhai_perception.pipeline import KeypointPipeline, PipelineConfig
from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, Observation
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.window import WindowConfig
from nvhai_tools.loop_metrics import FrameRecord, loop_summary

DEMO_VIDEO = Path(__file__).resolve().parents[1] / "src/nvhai_bringup/nvhai_bringup/media/sports2d_demo_640x360.mp4"


class ReplayedDetections:
    """Stands in for the pose estimator, answering each frame with the detections saved earlier."""

    def __init__(self, detections: list) -> None:
        self._it = iter(detections)

    def estimate(self, rgb: np.ndarray, t: float) -> list:
        return next(self._it)

    def close(self) -> None:
        pass


class RecordingEstimator:
    def __init__(self, inner) -> None:
        self.inner, self.saved = inner, []

    def estimate(self, rgb: np.ndarray, t: float) -> list:
        people = self.inner.estimate(rgb, t)
        self.saved.append([(p.xy.copy(), p.confidence.copy(), p.score) for p in people])
        return people

    def close(self) -> None:
        self.inner.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--video", default=str(DEMO_VIDEO))
    ap.add_argument("--loops", type=int, default=1)
    ap.add_argument("--max-people", type=int, default=2)
    ap.add_argument("--min-tracking-confidence", type=float, default=PipelineConfig.min_tracking_confidence)
    ap.add_argument("--track-max-missed", type=int, default=PipelineConfig.track_max_missed)
    ap.add_argument("--max-gap", type=float, default=WindowConfig.max_gap_s)
    ap.add_argument("--ensemble", type=int, default=ForecasterConfig.ensemble_forecasts)
    ap.add_argument("--emotion-smoothing", default=ForecasterConfig.emotion_smoothing)
    ap.add_argument("--emotion-time-constant", type=float, default=ForecasterConfig.emotion_time_constant_s)
    ap.add_argument("--model", default="")
    ap.add_argument("--save-detections", default="")
    ap.add_argument("--detections", default="", help="replay detections saved by --save-detections")
    ap.add_argument("--json", default="", help="also write the summary here")
    a = ap.parse_args(argv)

    source = FrameSource(a.video)
    clip = [(f.t, f.rgb) for f in source]
    period = 1.0 / source.fps
    n_frames = len(clip) * a.loops
    config = PipelineConfig(max_people=a.max_people, smoothing=True, track_max_missed=a.track_max_missed,
                            min_tracking_confidence=a.min_tracking_confidence)
    if a.detections:
        with open(a.detections, "rb") as f:
            saved = pickle.load(f)
        estimator = ReplayedDetections([[PersonKeypoints(xy, c, s) for xy, c, s in frame] for frame in saved])
        n_frames = min(n_frames, len(saved))
        pipeline = KeypointPipeline(config, estimator=estimator)
    else:
        pipeline = KeypointPipeline(config)
        pipeline.estimator = RecordingEstimator(pipeline.estimator)
    forecaster = Forecaster(ModelRunner(a.model or default_model_path()), ForecasterConfig(
        window=WindowConfig(max_gap_s=a.max_gap), ensemble_forecasts=a.ensemble, emotion_smoothing=a.emotion_smoothing,
        emotion_time_constant_s=a.emotion_time_constant))
    h, w = clip[0][1].shape[:2]
    records = []
    for k in range(n_frames):
        t = 1000.0 + k * period
        people = pipeline.process(clip[k % len(clip)][1], t)
        result = forecaster.step(t, [Observation(p.person_id, p.xy, p.confidence) for p in people], w, h)
        records.append(FrameRecord(t, [p.person_id for p in people], {f.person_id: f for f in result.forecasts}))
    if a.save_detections:
        with open(a.save_detections, "wb") as f:
            pickle.dump(pipeline.estimator.saved, f)
    pipeline.close()
    summary = loop_summary(records, appearance_s=len(clip) * period)
    summary.update(loops=a.loops, max_people=a.max_people, ensemble=a.ensemble,
                   emotion_smoothing=a.emotion_smoothing, emotion_time_constant_s=a.emotion_time_constant)
    text = json.dumps(summary, indent=2)
    print(text)
    if a.json:
        Path(a.json).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
