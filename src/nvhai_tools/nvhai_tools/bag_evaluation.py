"""Deterministic evaluation of the loop on a rosbag2: forecast MAE against the frames that really
followed, emotion accuracy, per-stage latency from header stamps, the zero-velocity baseline,
and the same per person (ids, forecast coverage, emotion switches, forecast jitter: loop_metrics.py).

The bag's images (or, without images, its recorded keypoints) are run through the same cores as
the live nodes, every frame in order, so two runs on one bag give the same numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from tqdm import tqdm

from nvhai_common.cli_errors import check_interrupt, interrupt_between_steps, one_line
from nvhai_common.image_codec import ImageDecodeError, decode_raw
from nvhai_common.ros_conversions import msg_to_person, stamp_to_sec
from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, Observation, PersonForecast
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.normalization import normalize
from nvhai_predictor.visibility import complete_future, inside_image
from nvhai_predictor.window import WindowConfig, resample
from nvhai_tools.bag_storage import BagError, check_chunks, messages, open_reader
from nvhai_tools.bag_types import typestore
from nvhai_tools.loop_metrics import FrameRecord, loop_summary

HORIZONS = (5, 10, 20, 30)
IMAGE_TYPES = ("sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage")
KEYPOINTS_TYPE = "nvhai_msgs/msg/BodyKeypointsArray"
STAMPED_TOPICS = ("/image_raw", "/body_keypoints", "/future_poses", "/emotion", "/avatar/response")


@dataclass
class Track:
    """One person's observed poses and confidences (0 outside the image, as the predictor reads them); filled
    first, then queried (arrays are built once, on the first query)."""

    times: list[float] = field(default_factory=list)
    xy: list[np.ndarray] = field(default_factory=list)
    confidence: list[np.ndarray] = field(default_factory=list)

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.asarray(self.times), np.stack(self.xy), np.stack(self.confidence)

    def truth(self, times: np.ndarray, max_gap: float, min_confidence: float = WindowConfig.min_confidence
              ) -> tuple[np.ndarray, np.ndarray] | None:
        """Observed poses at `times` (interpolated as the live window does) and whether each keypoint was seen
        there, or None if the track does not cover them."""
        t, xy, conf = self._arrays
        if len(t) < 2 or times[0] < t[0] or times[-1] > t[-1]:
            return None
        hi = np.searchsorted(t, times, side="left").clip(1, len(t) - 1)
        if (t[hi] - t[hi - 1] > max_gap).any():
            return None
        return resample(t, xy, times), resample(t, conf, times, lowest=True) >= min_confidence


def decode_image(msgtype: str, msg) -> np.ndarray:
    """RGB of a recorded sensor_msgs Image or CompressedImage (ImageDecodeError if it cannot be decoded)."""
    if msgtype == "sensor_msgs/msg/CompressedImage":
        from nvhai_perception.compressed_image import decode_compressed

        return decode_compressed(msg.data)
    return decode_raw(msg.encoding, msg.width, msg.height, msg.step, msg.data)


def read_frames(path: str | Path, image_topic: str, keypoints_topic: str, progress: bool,
                max_people: int = 1) -> tuple[list, dict, str]:
    """[(t, width, height, [Observation])] in order, latency samples per topic (ms), and the source used."""
    store = typestore()
    latencies: dict[str, list[float]] = {}
    frames = []
    with open_reader(path) as reader:
        topics = {c.topic for c in reader.connections}
        source = image_topic if image_topic in topics else keypoints_topic if keypoints_topic in topics else None
        if source is None:
            raise BagError(f"{path} has neither {image_topic} nor {keypoints_topic} (topics: {sorted(topics)})")
        wanted = IMAGE_TYPES if source == image_topic else (KEYPOINTS_TYPE,)
        wrong = sorted({c.msgtype for c in reader.connections if c.topic == source} - set(wanted))
        if wrong:
            option = "--image-topic" if source == image_topic else "--keypoints-topic"
            raise BagError(f"{path}: {option} {source} carries {', '.join(wrong)}, not {' or '.join(wanted)}")
        pipeline = None
        if source == image_topic:
            from nvhai_perception.pipeline import KeypointPipeline, PipelineConfig

            pipeline = KeypointPipeline(PipelineConfig(smoothing=True, max_people=max_people))  # the node's defaults
        check_chunks(reader)
        conns = [c for c in reader.connections if c.topic in STAMPED_TOPICS or c.topic == source]
        total = sum(c.msgcount for c in conns)
        try:
            with interrupt_between_steps():  # Ctrl-C between frames, never inside MediaPipe
                for conn, log_ns, raw in tqdm(messages(reader, conns), total=total, desc="bag", unit="msg",
                                              disable=not progress):
                    check_interrupt()
                    _read_one(conn, log_ns, _deserialize(store, raw, conn, path), source, pipeline, latencies,
                              frames)
        finally:
            if pipeline is not None:
                pipeline.close()
    frames.sort(key=lambda f: f[0])
    return frames, latencies, source


def _deserialize(store, raw: bytes, conn, path: str | Path):
    """A recorded message, or BagError naming the bag and topic when its bytes are not that type (another
    payload recorded under the type's name: rosbags fails with SerdeError, struct.error, ... on them)."""
    try:
        return store.deserialize_cdr(raw, conn.msgtype)
    except Exception as e:
        raise BagError(f"{path}: a message on {conn.topic} is not a {conn.msgtype} as the bag declares "
                       f"({one_line(e)}): it holds another payload under that type name") from None


def _read_one(conn, log_ns: int, msg, source: str, pipeline, latencies: dict, frames: list) -> None:
    """One recorded message: its latency sample, and for the source topic its frame (through perception)."""
    header = getattr(msg, "header", None)
    if header is None:  # a recorded topic of another, unstamped type: no latency to measure
        return
    t = stamp_to_sec(header.stamp)
    latencies.setdefault(conn.topic, []).append(1000 * (log_ns * 1e-9 - t))
    if conn.topic != source:
        return
    if pipeline is not None:
        try:
            rgb = decode_image(conn.msgtype, msg)
        except ImageDecodeError:
            return
        people = pipeline.process(rgb, t)
        obs = [Observation(p.person_id, p.xy, p.confidence) for p in people]
        frames.append((t, rgb.shape[1], rgb.shape[0], obs))
    else:
        obs = [Observation(p.person_id, p.xy, p.confidence) for p in map(msg_to_person, msg.people)]
        frames.append((t, msg.image_width, msg.image_height, obs))


def evaluate_bag(path: str | Path, out_dir: str | Path, model_path: str = "", label: str | None = None,
                 image_topic: str = "/image_raw", keypoints_topic: str = "/body_keypoints",
                 progress: bool = True, max_people: int = 1, config: ForecasterConfig | None = None) -> dict:
    """`config`: the predictor's settings (ensembling, emotion smoothing); default: the node's defaults."""
    runner = ModelRunner(model_path or default_model_path())  # a bad model or label fails before the bag is read
    if label is not None and label not in runner.contract.labels:
        raise ValueError(f"--label {label!r}: the model {runner.path} knows only {', '.join(runner.contract.labels)}")
    frames, latencies, source = read_frames(path, image_topic, keypoints_topic, progress, max_people)
    config = config or ForecasterConfig()
    forecaster = Forecaster(runner, config)
    tracks: dict[int, Track] = {}
    forecasts: list[PersonForecast] = []
    records: list[FrameRecord] = []
    for t, width, height, obs in frames:
        for o in obs:
            track = tracks.setdefault(o.person_id, Track())
            track.times.append(t)
            track.xy.append(np.asarray(o.xy, dtype=np.float64))
            track.confidence.append(np.where(inside_image(np.asarray(o.xy), width, height), o.confidence, 0.0))
        made = forecaster.step(t, obs, width, height).forecasts
        forecasts += made
        records.append(FrameRecord(t, [o.person_id for o in obs], {f.person_id: f for f in made}))
    period = 1.0 / runner.contract.fps
    t_in, t_out = runner.contract.input_frames, runner.contract.output_frames
    errs_model, errs_zero, errs_px, scored_ids = [], [], [], []
    for f in forecasts:
        track, gap = tracks[f.person_id], config.window.max_gap_s
        seen_before = track.truth(f.stamp - period * np.arange(t_in - 1, -1, -1), gap)  # the window it was made from
        truth = track.truth(f.stamp + period * np.arange(1, t_out + 1), gap)
        if truth is None or seen_before is None:
            continue
        # Completed and scored as offline windows are: over the keypoints the camera saw (visibility.py).
        window, future = complete_future(seen_before[0], truth[0], seen_before[1], truth[1])
        target, seen = normalize(future)[0], truth[1][..., None]
        count = np.maximum(2 * truth[1].sum(axis=1), 1)
        zero = normalize(np.repeat(window[-1:], t_out, 0))[0]
        errs_model.append((np.abs(normalize(f.future_px)[0] - target) * seen).sum(axis=(1, 2)) / count)
        errs_zero.append((np.abs(zero - target) * seen).sum(axis=(1, 2)) / count)
        errs_px.append((np.abs(f.future_px - truth[0]) * seen).sum(axis=(1, 2)) / count)
        scored_ids.append(f.person_id)

    def summary(errors: list[np.ndarray]) -> dict:
        if not errors:
            return {"mae": None, **{f"mae_{h}": None for h in HORIZONS}}
        e = np.stack(errors)
        return {"mae": float(e.mean()), **{f"mae_{h}": float(e[:, h - 1].mean()) for h in HORIZONS if h <= t_out}}

    warning = None if errs_model else _why_nothing_scored(path, tracks, runner)
    loop = loop_summary(records, rate_hz=runner.contract.fps) if records else {"people": {}}
    for pid, person in loop["people"].items():
        mine = [i for i, s in enumerate(scored_ids) if str(s) == pid]
        person["model_metrics"] = summary([errs_model[i] for i in mine])
        person["zero_velocity"] = summary([errs_zero[i] for i in mine])
    labels_seen = [f.label for f in forecasts]
    result = {
        "bag": str(path), "source": source, "frames": len(frames), "people": len(tracks), "model": runner.model_name,
        "forecasts": len(forecasts), "scored_forecasts": len(errs_model), "warning": warning,
        "predictor": {"ensemble_forecasts": config.ensemble_forecasts, "emotion_smoothing": config.emotion_smoothing,
                      "emotion_time_constant_s": config.emotion_time_constant_s},
        "model_metrics": summary(errs_model), "zero_velocity": summary(errs_zero),
        "model_mae_px": float(np.stack(errs_px).mean()) if errs_px else None,
        "accuracy": (float(np.mean([lab == label for lab in labels_seen])) if label and labels_seen else None),
        "label": label,
        "emotion_counts": {lab: labels_seen.count(lab) for lab in runner.contract.labels},
        # of those, the forecasts whose top label had p >= 0.5 (a display the avatar would answer)
        "emotion_confident_counts": {lab: sum(f.label == lab and f.confidence >= 0.5 for f in forecasts)
                                     for lab in runner.contract.labels},
        "ids_seen": loop.get("ids_seen", 0), "forecast_share": loop.get("forecast_share"),
        "emotion_switches_per_min": loop.get("emotion_switches_per_min"),
        "gestures_per_min": loop.get("gestures_per_min"),
        "jitter_10": loop.get("jitter_10"), "jitter_29": loop.get("jitter_29"),
        "per_person": loop["people"],
        "latency_ms": {topic: {"median": float(np.median(v)), "p95": float(np.percentile(v, 95)), "count": len(v)}
                       for topic, v in sorted(latencies.items())},
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(result, indent=2))
    _plot(out, errs_model, errs_zero, latencies, forecasts, runner.contract.labels)
    return result


def _why_nothing_scored(path: str | Path, tracks: dict[int, Track], runner: ModelRunner) -> str:
    """One line: why every figure is null (a bag of a few seconds, or no person tracked long enough)."""
    c = runner.contract
    needed = (c.input_frames - 1 + c.output_frames) / c.fps
    longest = max((t.times[-1] - t.times[0] for t in tracks.values() if t.times), default=0.0)
    if longest < needed:
        return (f"{path}: no forecast could be scored: the longest track is {longest:.1f} s, shorter than the "
                f"predictor's window and the second it forecasts ({needed:.1f} s); every figure is null")
    return (f"{path}: no forecast could be scored: no person was tracked for {needed:.1f} s without a gap "
            "(the window and the second it forecasts); every figure is null")


def _plot(out: Path, errs_model, errs_zero, latencies, forecasts, labels) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    if errs_model:
        k = np.arange(1, len(errs_model[0]) + 1)
        axes[0].plot(k, np.stack(errs_model).mean(0), label="model")
        axes[0].plot(k, np.stack(errs_zero).mean(0), "--", label="zero-velocity")
        axes[0].legend()
    axes[0].set(title="Forecast MAE by horizon (normalised)", xlabel="frames ahead", ylabel="MAE")
    if latencies:
        names = list(latencies)
        axes[1].boxplot([latencies[n] for n in names], showfliers=False)
        axes[1].set_xticks(range(1, len(names) + 1), names, rotation=20, fontsize=8)
    axes[1].set(title="Latency from image stamp (ms)")
    if forecasts:  # one line style per person, one colour per label
        t0 = forecasts[0].stamp
        styles = ["-", "--", ":", "-."]
        for k, pid in enumerate(sorted({f.person_id for f in forecasts})):
            mine = [f for f in forecasts if f.person_id == pid]
            probs = np.stack([f.emotion_probs for f in mine])
            for i, lab in enumerate(labels):
                axes[2].plot([f.stamp - t0 for f in mine], probs[:, i], styles[k % len(styles)], color=f"C{i}",
                             label=f"#{pid} {lab}")
        axes[2].legend(fontsize=7, ncol=2)
    axes[2].set(title="Emotion probabilities per person", xlabel="s", ylim=(0, 1))
    fig.tight_layout()
    fig.savefig(out / "evaluation.png", dpi=90)
    plt.close(fig)
