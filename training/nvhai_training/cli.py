"""`nvhai-train`: the offline pipeline from data to a shipped ONNX model.

  synth            procedural labelled motion (the synthetic tiers: 9k / 45k / 90k samples)
  import-bvh       BVH mocap (e.g. ../shared/data/cmu_mocap/bvh) through random cameras
  import-humanml3d MotionLCM / HumanML3D (T, 22, 3) joints (.npy files) through random cameras
  extract          a folder of videos (+ labels CSV) -> keypoints, with MediaPipe
  label            apply the emotion mapping table (nvhai_training/label_map.py) to real clips
  split            train/test split holding out whole groups: clips, CMU subjects, Bandai datasets/contents
  train            train (or finetune with --init) one architecture
  export           checkpoint -> ONNX with the contract the predictor checks
  evaluate         MAE / per-horizon MAE / accuracy of an ONNX model vs zero- and constant-velocity
  plot             MAE curves from training logs
  plot-tiers       improvement over scratch per synthetic tier
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
from pathlib import Path

import numpy as np

from nvhai_common.cli_args import (
    BadValue,
    finite_float,
    fraction,
    name_and_path,
    non_negative_float,
    non_negative_int,
    npz_written,
    positive_float,
    positive_int,
    refuse_to_overwrite,
    unit_interval,
    writes,
)
from nvhai_common.cli_errors import USER_ERRORS, run_command
from nvhai_common.strict_json import dumps as strict_json
from nvhai_predictor.contract import EMOTION_LABELS
from nvhai_training.keypoint_dataset import (
    load_clips,
    load_labels,
    load_metadata,
    load_windows,
    save_clips,
    split_spec,
    to_square_pixels,
)
from nvhai_training.models import ARCHITECTURES


def _synth(a: argparse.Namespace) -> None:
    from nvhai_training.procedural import generate

    samples, labels = generate(a.count, frames=a.frames, seed=a.seed)
    save_clips(a.out, {f"synth_{i:06d}": s for i, s in enumerate(samples)},
               {f"synth_{i:06d}": EMOTION_LABELS[int(label)] for i, label in enumerate(labels)})
    print(f"wrote {a.count} samples of {a.frames} frames to {a.out}")


def _import_3d(a: argparse.Namespace, files: list[Path], to_coco3d) -> None:
    from nvhai_training.camera import camera_views

    exclude = set(a.exclude or [])
    if a.exclude_from:  # e.g. the held-out test split: its motions must not leak into pretraining
        exclude |= set(load_clips(a.exclude_from))
    clips = camera_views(files, to_coco3d, a.views, a.seed, exclude)
    save_clips(a.out, clips)
    print(f"wrote {len(clips)} clips ({a.views} camera views each) to {a.out}")


def _input_files(folder: str, pattern: str, option: str) -> list[Path]:
    """The files an import reads; a missing or empty folder is an error, not an empty dataset."""
    if not Path(folder).is_dir():
        raise ValueError(f"{option} {folder}: no such folder")
    files = sorted(Path(folder).glob(pattern))
    if not files:
        raise ValueError(f"{option} {folder}: no {pattern} files in it")
    return files


def _import_bvh(a: argparse.Namespace) -> None:
    from nvhai_training.bvh import bvh_to_coco3d

    _import_3d(a, _input_files(a.bvh_dir, "*.bvh", "--bvh-dir"), lambda p: bvh_to_coco3d(p.read_text()))


def _import_humanml3d(a: argparse.Namespace) -> None:
    from nvhai_training.humanml3d import smpl22_to_coco3d

    _import_3d(a, _input_files(a.joints_dir, "*.npy", "--joints-dir"), lambda p: smpl22_to_coco3d(np.load(p)))


def _extract(a: argparse.Namespace) -> None:
    from nvhai_training.extract import ExtractConfig, extract

    config = ExtractConfig(max_people=a.max_people, max_side=a.max_side, min_seconds=a.min_seconds)
    report = extract(a.videos, a.out, a.labels, config)
    print(f"extracted {len(report['done'])} videos to {a.out}")
    if report["no_person"]:
        print(f"no person found in {len(report['no_person'])} clips: {', '.join(report['no_person'])}")
    if report["unreadable"]:
        print(f"could not read {len(report['unreadable'])} files: {', '.join(report['unreadable'])}")


def _label(a: argparse.Namespace) -> None:
    from nvhai_training.label_map import label_clips

    clips, metadata = to_square_pixels(load_clips(a.keypoints), load_metadata(a.keypoints), a.image_aspect)
    labels = label_clips(list(clips), metadata)
    save_clips(a.out, clips, labels, metadata)
    counts = {lab: list(labels.values()).count(lab) for lab in EMOTION_LABELS}
    print(f"wrote {len(clips)} clips to {a.out}: {counts}, unlabeled {len(clips) - len(labels)}")


def _split(a: argparse.Namespace) -> None:
    from nvhai_training.protocol import check_grouping, split_by_group

    clips, labels, metadata = load_clips(a.keypoints), load_labels(a.keypoints), load_metadata(a.keypoints)
    check_grouping(a.by, metadata)
    train, test = split_by_group(list(clips), a.by, a.test_groups, a.test_fraction, a.seed, metadata)
    for names, out in ((train, a.out_train), (test, a.out_test)):
        save_clips(out, {k: clips[k] for k in names}, {k: labels[k] for k in names if k in labels}, metadata)
    shown = ", ".join(test[:12]) + (" …" if len(test) > 12 else "")
    print(f"split by {a.by}: train {len(train)} clips -> {a.out_train}; test {len(test)} clips -> {a.out_test}: {shown}")


def image_aspect(text: str) -> float:
    """argparse type of --image-aspect: a width/height ratio, as a number or a fraction (`4/3`, `16/9`)."""
    width, slash, height = text.partition("/")
    value = positive_float(width) / positive_float(height) if slash else positive_float(text)
    if not 0.2 <= value <= 5:
        raise BadValue(f"{text!r}: an image is not {value:.3g} times as wide as high (give W/H, e.g. 4/3)")
    return value


def label_share(text: str) -> tuple[str, float]:
    """argparse type of --emotion-prior: `LABEL=P` with P in (0, 1]."""
    label, eq, share = text.partition("=")
    if not eq or label not in EMOTION_LABELS:
        raise BadValue(f"{text!r}: expected LABEL=P with LABEL one of {', '.join(EMOTION_LABELS)}")
    value = finite_float(share)
    if not 0 < value <= 1:
        raise BadValue(f"{text!r}: a share must be in (0, 1]")
    return label, value


def pattern_share(text: str) -> tuple[str, float]:
    """argparse type of --time-warp-share: `PATTERN=P` with P in [0, 1]."""
    pattern, eq, share = text.rpartition("=")
    if not eq or not pattern:
        raise BadValue(f"{text!r}: expected PATTERN=SHARE, e.g. '*msrc*=0.15'")
    value = finite_float(share)
    if not 0 <= value <= 1:
        raise BadValue(f"{text!r}: a share must be in [0, 1]")
    return pattern, value


def keypoint_spec(text: str) -> str:
    """argparse type of --train/--test: `file.npz`, `file.npz@STRIDE`, `file.npz:WEIGHT` or `file.npz@STRIDE:WEIGHT`."""
    path, stride, weight = split_spec(text)
    for what, value, check in (("stride", stride, positive_int), ("weight", weight, non_negative_float)):
        try:
            if value:
                check(value)
        except BadValue as e:
            raise BadValue(f"{text!r}: {what} {e}") from None
    if not path:
        raise BadValue(f"{text!r}: no file before @ or :")
    return text


def _train(a: argparse.Namespace) -> None:
    from nvhai_training.train import TrainConfig, train

    config = TrainConfig(arch=a.arch, epochs=a.epochs, batch_size=a.batch_size, lr=a.lr, eval_every=a.eval_every,
                         seed=a.seed, threads=a.threads, optimizer=a.optimizer, weight_decay=a.weight_decay,
                         device=a.device, forecast_loss=a.loss, bone_augment=a.bone_augment,
                         label_smoothing=a.label_smoothing, class_weights=a.class_weights,
                         velocity_loss=a.velocity_loss, x_scale_augment=a.x_scale_augment, input_noise=a.input_noise,
                         time_warp=a.time_warp, time_warp_skip=tuple(a.time_warp_skip),
                         time_warp_share=tuple(a.time_warp_share), camera_effects=a.camera_effects,
                         lr_schedule=a.lr_schedule)
    paths = [split_spec(spec)[0] for spec in a.train]
    patterns = [("--time-warp-skip", p) for p in a.time_warp_skip] + [("--time-warp-share", p) for p, _ in a.time_warp_share]
    for option, pattern in patterns:
        if not fnmatch.filter(paths, pattern):
            raise BadValue(f"{option} {pattern!r} matches none of the --train files ({' '.join(paths)})")
    train_set = load_windows(a.train, a.stride, config.t_in, config.t_out, a.time_warp_skip, a.time_warp_share)
    test_set = load_windows(a.test, a.test_stride, config.t_in, config.t_out) if a.test else None
    print(f"{len(train_set)} training windows, {len(test_set) if test_set else 0} test windows")
    metrics = train(config, train_set, test_set, a.out, init=a.init)
    if test_set is None:  # nothing was scored: say what there is instead of a bare {}
        print(f"trained {config.epochs} epochs on {len(train_set)} windows: {Path(a.out) / 'model.pt'}, losses in "
              f"{Path(a.out) / 'log.csv'}; no --test set, so nothing was scored (nvhai-train evaluate scores it)")
    else:
        print(json.dumps(metrics, indent=2))


def _export(a: argparse.Namespace) -> None:
    from nvhai_training.export import export_checkpoint

    prior = dict(a.emotion_prior) if a.emotion_prior else None
    contract, bias = export_checkpoint(a.checkpoint, a.out, a.name, prior, correct_prior=not a.no_prior_correction)
    what = f"to the prior {prior}" if prior else "to the data's class frequencies"
    note = f" (emotion logits corrected {what}: {[round(b, 2) for b in bias]})" if bias else ""
    print(f"exported {contract.model_name} to {a.out}{note}")


def _pct(x: float | None, sign: str = "") -> str:
    return "n/a" if x is None else f"{100 * x:{sign}.1f}%"


def _evaluate(a: argparse.Namespace) -> None:
    from nvhai_training.evaluate import evaluate

    result = evaluate(a.model, a.keypoints, a.stride, a.clips, group_by=a.group_by, switches=a.label_switches,
                      online=a.online)
    if a.plot:
        from nvhai_training.plots import confusion_matrix, group_bars

        group_bars(result, a.plot)
        if result["emotion"]["confusion"]:
            confusion_matrix(result, a.plot.with_name(a.plot.stem + "_confusion.png"))
    if a.json:
        print(strict_json(result, indent=2))  # a figure that cannot be computed is null, never NaN
    else:
        for name in ("model_metrics", "zero_velocity", "constant_velocity"):
            m = result[name]
            print(f"{name:18s} MAE {m['mae']:.4f}  " + "  ".join(f"@{h} {m[f'mae_{h}']:.4f}" for h in (5, 10, 20, 30)))
        print(f"accuracy {result['model_metrics']['accuracy']}; improvement vs zero-velocity "
              f"{_pct(result['improvement_vs_zero_velocity'])}; positive_rate {result['positive_rate']}")
        for smoothing, m in result.get("label_switches", {}).items():
            print(f"top-label switches ({smoothing}): {m['per_min']} per minute over {m['minutes']:.1f} min")
        for g, m in result.get("groups", {}).items():
            print(f"  {g:24s} {m['windows']:6d} windows  MAE {m['model_metrics']['mae']:.4f}  zero-velocity "
                  f"{m['zero_velocity']['mae']:.4f}  ({_pct(m['improvement_vs_zero_velocity'], '+')})  "
                  f"positive_rate {m['positive_rate']}")
        if "online" in result:
            _print_online(result["online"])


def _print_online(online: dict) -> None:
    """Streamed through the live core: published / model alone / adapted, each as x zero-velocity."""
    def ratios(block: dict, key: str = "ratio_vs_zero_velocity") -> str:
        r = block.get(key) or {}
        return "  ".join(f"{k} {v:.3f}" for k, v in r.items() if v is not None) or "n/a"

    print(f"online ({online['people']} people, {online['windows']} windows), MAE / zero-velocity: {ratios(online)}")
    for name, block in online["by_watch_time"].items():
        if block["windows"]:
            print(f"  watched {name:8s} {block['windows']:7d} windows, {block['people']} people, mean of people: "
                  f"{ratios(block, 'mean_person_ratio_vs_zero_velocity')}")


def _plot(a: argparse.Namespace) -> None:
    from nvhai_training.plots import mae_curves

    mae_curves(dict(a.log), a.out)
    print(f"wrote {a.out}")


def _plot_tiers(a: argparse.Namespace) -> None:
    from nvhai_training.plots import read_log, tier_improvement

    scratch = read_log(a.scratch)[1][-1]
    tiers = {name: read_log(path)[1][-1] for name, path in a.tier}
    tier_improvement(scratch, tiers, a.out)
    print(json.dumps({"scratch_mae": scratch, "tiers_mae": tiers}, indent=2))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nvhai-train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synth", help="procedural labelled motion")
    p.add_argument("--count", type=positive_int, default=9000)
    p.add_argument("--frames", type=positive_int, default=90)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    writes(p, lambda a: [("--out", npz_written(a.out))])
    p.set_defaults(func=_synth)

    for name, arg, func, help_ in (("import-bvh", "--bvh-dir", _import_bvh, "folder of .bvh files"),
                                   ("import-humanml3d", "--joints-dir", _import_humanml3d,
                                    "folder of (T, 22, 3) .npy joint files")):
        p = sub.add_parser(name, help=help_)
        p.add_argument(arg, required=True)
        p.add_argument("--views", type=positive_int, default=4, help="random cameras per clip")
        p.add_argument("--exclude", nargs="*", help="clip names to leave out (held-out test clips)")
        p.add_argument("--exclude-from", help="leave out the clips of this keypoint .npz (e.g. the test split)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--out", required=True)
        writes(p, lambda a: [("--out", npz_written(a.out))])
        p.set_defaults(func=func)

    p = sub.add_parser(
        "extract", help="videos -> keypoints through the perception node's own core",
        description="Every frame of every video in --videos goes, at its own time, through the perception core "
                    "as the node runs it (lite model, roi, One-Euro smoothing, track ids); each tracked person "
                    "becomes clips <video>_p<id> cut at gaps the live window would restart at, resampled to 30 "
                    "FPS as the live window does, with each keypoint's confidence. Resumable (<out>.cache/).")
    p.add_argument("--videos", required=True, help="folder of videos (.mp4 .avi .mov .mkv .webm; not searched "
                                                    "recursively)")
    p.add_argument("--labels", help="CSV with the columns clip,emotion (a model label per video), or file,label "
                                    "as ../shared/data/real_video/labels.csv (greeting, enthusiastic, laughing, "
                                    "neutral; its other columns, e.g. framing, become each clip's metadata)")
    p.add_argument("--max-people", type=positive_int, default=1,
                   help="people tracked at once (default 1, the perception node's; more runs its roi mode)")
    p.add_argument("--max-side", type=non_negative_int, default=0,
                   help="downscale frames whose longer side exceeds this, as the video source node's max_side "
                        "(default 0: keep)")
    p.add_argument("--min-seconds", type=positive_float, default=1.0,
                   help="leave out pieces of a track shorter than this (default 1 s)")
    p.add_argument("--out", required=True, help="keypoint .npz to write (with .labels.csv and .meta.json)")
    writes(p, lambda a: [("--out", npz_written(a.out))])
    p.set_defaults(func=_extract)

    p = sub.add_parser("label", help="label real clips with the mapping table (label_map.py)")
    p.add_argument("--keypoints", required=True, help=".npz (with its .meta.json / _meta.json for Bandai)")
    p.add_argument("--image-aspect", type=image_aspect, default=1.0,
                   help="width/height of the image the file's x was divided by, when x and y were normalised "
                        "by width and height (4/3 for the 640x480 renders: Bandai, MSRC-12, CMU 131); x is "
                        "multiplied by it so that poses have a live camera's proportions. 1: already square")
    p.add_argument("--out", required=True)
    writes(p, lambda a: [("--out", npz_written(a.out))])
    p.set_defaults(func=_label)

    p = sub.add_parser("split", help="train/test split holding out whole groups")
    p.add_argument("--keypoints", required=True)
    p.add_argument("--by", default="clip",
                   help="clip | person (CMU subject 001..131, MSRC-12 msrc12_s01..s29, Bandai dataset) | prefix "
                        "(the key up to its first '_') | a metadata field (content, style, dataset, action)")
    p.add_argument("--test-groups", nargs="*", help="the held-out groups (default: a random --test-fraction of them)")
    p.add_argument("--test-fraction", type=fraction, default=0.2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-train", required=True)
    p.add_argument("--out-test", required=True)
    writes(p, lambda a: [("--out-train", npz_written(a.out_train)), ("--out-test", npz_written(a.out_test))])
    p.set_defaults(func=_split)

    p = sub.add_parser("train", help="train or finetune")
    p.add_argument("--arch", default="residual_dct",
                   choices=list(ARCHITECTURES))
    p.add_argument("--train", nargs="+", required=True, type=keypoint_spec,
                   help="keypoint .npz files (file.npz@N: stride N for that file; file.npz:W: forecast loss weight W)")
    p.add_argument("--test", nargs="*", type=keypoint_spec,
                   help="held-out keypoint .npz files, scored every --eval-every epochs")
    p.add_argument("--init", help="checkpoint to finetune from (same architecture)")
    p.add_argument("--epochs", type=positive_int, default=200)
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--lr", type=positive_float, help="default: the paper's rate for the architecture")
    p.add_argument("--optimizer", choices=["adam", "adamw"], default="adam",
                   help="adam: the paper's (L2 weight decay); adamw: decoupled weight decay")
    p.add_argument("--weight-decay", type=non_negative_float, default=1e-4)
    p.add_argument("--stride", type=positive_int, default=1, help="window stride in frames (paper: 1)")
    p.add_argument("--test-stride", type=positive_int, default=5)
    p.add_argument("--eval-every", type=positive_int, default=5)
    p.add_argument("--threads", type=non_negative_int, default=0)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: CUDA when present")
    p.add_argument("--loss", choices=["mse", "mse+l1"], default="mse", help="forecast loss (scored as MAE)")
    p.add_argument("--bone-augment", type=non_negative_float, default=0.0,
                   help="randomise shoulder/hip widths by up to this fraction (e.g. 0.15)")
    p.add_argument("--x-scale-augment", type=non_negative_float, default=0.0,
                   help="randomise the body's width in the image by up to this fraction (camera yaw; e.g. 0.2)")
    p.add_argument("--input-noise", type=non_negative_float, default=0.0,
                   help="Gaussian noise (std, normalised units) on the observed window only (e.g. 0.005: Kinect jitter)")
    p.add_argument("--camera-effects", type=unit_interval, default=0.0, metavar="SHARE",
                   help="share of windows framed (knees-, waist-, chest-up), cut at the frame's edge, occluded and "
                        "filmed at 10-29 FPS, as a camera would (camera_effects.py; e.g. 0.5); losses count the "
                        "keypoints that were seen")
    p.add_argument("--time-warp", type=non_negative_float, default=0.0,
                   help="share of windows slowed to 0.6-1x and held still for 5-60 frames (people hold gestures; e.g. 0.3)")
    p.add_argument("--time-warp-skip", nargs="+", default=[], metavar="PATTERN",
                   help="training files (fnmatch on the path as given, e.g. '*msrc*') whose windows are never "
                        "time-warped: instructed repetitions that already show their speed")
    p.add_argument("--time-warp-share", nargs="+", default=[], type=pattern_share, metavar="PATTERN=SHARE",
                   help="training files (fnmatch, as --time-warp-skip) time-warped at their own share instead of "
                        "--time-warp's, e.g. '*msrc*=0.15' (the first pattern that matches)")
    p.add_argument("--velocity-loss", type=non_negative_float, default=0.0,
                   help="weight of an L1 loss on the forecast's frame-to-frame change (siMLPe's; e.g. 1)")
    p.add_argument("--lr-schedule", choices=["constant", "cosine"], default="constant")
    p.add_argument("--label-smoothing", type=non_negative_float, default=0.0)
    p.add_argument("--class-weights", action="store_true", help="weight CE by inverse label frequency")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="output folder: model.pt, log.csv")
    writes(p, lambda a: [("--out", Path(a.out) / "model.pt"), ("--out", Path(a.out) / "log.csv")])
    p.set_defaults(func=_train)

    p = sub.add_parser("export", help="checkpoint -> ONNX")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--name", help="model name recorded in the contract")
    odds = p.add_mutually_exclusive_group()
    odds.add_argument("--no-prior-correction", action="store_true",
                      help="keep the balanced odds a --class-weights model learned (default: restore the data's)")
    odds.add_argument("--emotion-prior", type=label_share, nargs="+", metavar="LABEL=P",
                      help="the odds of the people the model will meet, e.g. neutral=0.5 (the other labels share "
                           "the rest): for a --class-weights model, instead of its training data's frequencies")
    p.add_argument("--out", required=True)
    writes(p, lambda a: [("--out", a.out)])
    p.set_defaults(func=_export)

    p = sub.add_parser("evaluate", help="score an ONNX model on a keypoint set")
    p.add_argument("--model", required=True)
    p.add_argument("--keypoints", required=True)
    p.add_argument("--clips", nargs="*", help="only these clips")
    p.add_argument("--stride", type=positive_int, default=1)
    p.add_argument("--group-by", help="per-group metrics: person (CMU subject, MSRC-12 subject, Bandai dataset), prefix, "
                   "or a metadata field (content, action, …)")
    p.add_argument("--plot", type=Path, help="per-group bar plot (.png) and, with labels, <name>_confusion.png")
    p.add_argument("--label-switches", action="store_true",
                   help="also stream each clip through the live predictor (smoothed and raw) and report /emotion's "
                        "top-label switches per minute (label_switches)")
    p.add_argument("--online", action="store_true",
                   help="also stream each person's clips (key order, one track) through the live predictor core "
                        "with online adaptation and gate, and score as it watches (online; every --stride-th forecast). "
                        "A clip's person: its metadata's 'person' (extract writes one per tracked person), else the "
                        "CMU subject, MSRC-12 subject or Bandai dataset its name carries; a clip whose name carries "
                        "none is its own person")
    p.add_argument("--json", action="store_true")
    writes(p, lambda a: [("--plot", a.plot), ("--plot", a.plot.with_name(a.plot.stem + "_confusion.png"))]
           if a.plot else [])
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("plot", help="MAE curves from training logs")
    p.add_argument("--log", nargs="+", required=True, type=name_and_path, help="NAME=path/to/log.csv")
    p.add_argument("--out", required=True)
    writes(p, lambda a: [("--out", a.out)])
    p.set_defaults(func=_plot)

    p = sub.add_parser("plot-tiers", help="relative improvement over scratch per synthetic tier")
    p.add_argument("--scratch", required=True, help="log.csv of the model trained from scratch")
    p.add_argument("--tier", nargs="+", required=True, type=name_and_path,
                   help="NAME=log.csv of the finetuned model per tier")
    p.add_argument("--out", required=True)
    writes(p, lambda a: [("--out", a.out)])
    p.set_defaults(func=_plot_tiers)
    return parser


def main(argv: list[str] | None = None) -> int:
    from nvhai_predictor.model_runner import ModelLoadError, ModelOutputError

    args = build_parser().parse_args(argv)
    return run_command(f"nvhai-train {args.command}", lambda: refuse_to_overwrite(args) or args.func(args),
                       (*USER_ERRORS, ModelLoadError, ModelOutputError))  # user mistakes: one line, no traceback


if __name__ == "__main__":
    sys.exit(main())
