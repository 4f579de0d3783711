"""Two people per frame on the bundled clip's frames 60-140 (both people in view), in one run, with the
lite and the full pose model: bare MediaPipe PoseLandmarker (num_poses=2), the perception core with
multi_person "roi" (the default: a cropped single-person tracker per person, a newcomer search every
`detect_every` frames; the trackers in threads, in one thread for comparison, and with refresh_every
2: one landmark pass per frame, the people in turn, also compared with roi's own every-frame
keypoints) and with "landmarker".
Speed (ms per frame), people found, and how well each agrees with roi's keypoints with the full
model: the people matched by box, per keypoint seen by both (confidence >= 0.5), the distance over
the person's box height: median, and PCK@0.1 (share within 10 % of it).

    .venv/bin/python benchmarks/multi_person.py [--detect-every 10] [--first 60 --last 140] [--json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from real_media import demo_video_frames
from table import peak_rss_mb, print_table

from nvhai_common.person import PersonKeypoints

MODELS = {0: "lite", 1: "full"}


def run(frames: list[np.ndarray], estimate) -> tuple[list[list[PersonKeypoints]], dict[str, float]]:
    seen, ms = [], []
    for i, f in enumerate(frames):
        t0 = time.perf_counter()
        seen.append(estimate(f, i / 30))
        ms.append(1000 * (time.perf_counter() - t0))
    ms = ms[5:]  # graph start-up
    return seen, {"median": round(float(np.median(ms)), 2), "p99": round(float(np.percentile(ms, 99)), 2),
                  "mean": round(float(np.mean(ms)), 2)}


def centre(p: PersonKeypoints) -> np.ndarray:
    x0, y0, x1, y1 = p.bbox()
    return np.array([(x0 + x1) / 2, (y0 + y1) / 2])


def agreement(ours: list[list[PersonKeypoints]], ref: list[list[PersonKeypoints]]) -> dict[str, float]:
    """Keypoint agreement with `ref`, people matched by nearest box centre."""
    errors, matched, ref_people = [], 0, 0
    for a, b in zip(ours, ref, strict=True):
        ref_people += len(b)
        for r in b:
            rb = r.bbox()
            height = max(rb[3] - rb[1], 1.0)
            near = sorted(a, key=lambda p: np.linalg.norm(centre(p) - centre(r)))
            if not near or np.linalg.norm(centre(near[0]) - centre(r)) > 0.5 * height:
                continue
            matched += 1
            p = near[0]
            both = (p.confidence >= 0.5) & (r.confidence >= 0.5)
            errors += list(np.linalg.norm(p.xy[both] - r.xy[both], axis=1) / height)
    e = np.asarray(errors)
    return {"people_matched": round(matched / max(ref_people, 1), 3),
            "median_error": round(float(np.median(e)), 4) if e.size else None,
            "pck_0.1": round(float(np.mean(e < 0.1)), 3) if e.size else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--detect-every", type=int, default=10)
    parser.add_argument("--first", type=int, default=60, help="first clip frame (from 60 both people are in view)")
    parser.add_argument("--last", type=int, default=140, help="last clip frame (after ~145 the far person is lost)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from nvhai_perception.blazepose import blazepose_to_coco
    from nvhai_perception.multi_pose_estimator import pose_landmarker_bundle
    from nvhai_perception.pipeline import KeypointPipeline, PipelineConfig
    from nvhai_perception.roi_pose_estimator import RoiPoseEstimator

    frames = demo_video_frames(args.first, args.last + 1)
    rows = []
    for model in (1, 0):
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=pose_landmarker_bundle(model)),
            running_mode=vision.RunningMode.VIDEO, num_poses=2)
        with vision.PoseLandmarker.create_from_options(options) as landmarker:
            def bare(f: np.ndarray, t: float, landmarker=landmarker) -> list[PersonKeypoints]:
                result = landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=f),
                                                     round(t * 1000))
                out = []
                for pose in result.pose_landmarks:
                    xy, c = blazepose_to_coco(np.array([(p.x, p.y, p.visibility or 0.0) for p in pose]),
                                              f.shape[1], f.shape[0])
                    out.append(PersonKeypoints(xy=xy, confidence=c, score=float(c.mean())))
                return out

            bare_seen, bare_ms = run(frames, bare)
        rows.append({"what": f"bare MediaPipe PoseLandmarker, num_poses=2, {MODELS[model]}", "ms": bare_ms,
                     "people_per_frame": round(float(np.mean([len(s) for s in bare_seen])), 2)})
    reference = every_frame = None
    # (model, multi_person, trackers in threads, refresh_every); the first is the reference: roi (the default
    # mode) with the full model
    for model, mode, parallel, refresh in ((1, "roi", True, 1), (0, "roi", True, 1), (0, "roi", False, 1),
                                           (0, "roi", True, 2), (1, "landmarker", True, 1), (0, "landmarker", True, 1)):
        config = PipelineConfig(max_people=2, multi_person=mode, detect_every=args.detect_every, smoothing=False,
                                refresh_every=refresh, model_complexity=model)
        estimator = None if parallel else RoiPoseEstimator(2, args.detect_every, parallel=False,
                                                             model_complexity=model)
        pipeline = KeypointPipeline(config, estimator)
        seen, ms = run(frames, pipeline.process)
        pipeline.close()
        reference = reference or seen
        if mode == "roi" and model == 0 and refresh == 1:
            every_frame = seen
        details = [MODELS[model]] + ([f"detect_every {args.detect_every}"] if mode == "roi" else []) + (
            [] if parallel else ["one thread"]) + (
            [f"refresh_every {refresh}: each person measured every {refresh} frames"] if refresh > 1 else [])
        rows.append({"what": f"perception core, max_people 2, multi_person {mode} ({', '.join(details)})",
                     "ms": ms, "people_per_frame": round(float(np.mean([len(s) for s in seen])), 2),
                     "agreement": agreement(seen, reference)})
        if refresh > 1:
            rows[-1]["agreement_with_roi_every_frame"] = agreement(seen, every_frame)
    result = {"date": datetime.date.today().isoformat(), "cpus": os.cpu_count(), "frames": len(frames),
              "clip_frames": [args.first, args.last], "reference": rows[2]["what"],
              "load_avg_1m": round(os.getloadavg()[0], 2), "rows": rows, "peak_rss_mb": round(peak_rss_mb())}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print_table(f"Two people, {len(frames)} clip frames (ms per frame)",
                ["what", "median", "p99", "people/frame", "matched", "median error / box height", "PCK@0.1"],
                [[r["what"], r["ms"]["median"], r["ms"]["p99"], r["people_per_frame"],
                  *(list(r["agreement"].values()) if "agreement" in r else ["", "", ""])]
                 for r in rows])


if __name__ == "__main__":
    main()
