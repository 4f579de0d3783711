"""multi_person "roi": a cropped single-person tracker per person, on the bundled two-person clip."""

from __future__ import annotations

import numpy as np
import pytest
from real_media import DEMO_VIDEO, assert_box_person_and_walker_keep_their_ids, demo_video_frames

from nvhai_perception.pipeline import KeypointPipeline, PipelineConfig
from nvhai_perception.roi_pose_estimator import RoiPoseEstimator

pytestmark = pytest.mark.skipif(not DEMO_VIDEO.exists(), reason="bundled demo video missing")


def test_two_people_get_two_persistent_ids_from_cropped_trackers():
    """The person on the box (y < 190) and the walker below, both in view from frame 60 on, are found
    by the newcomer search (the one on the box, small and far, only in a half-frame) and keep their ids;
    frames 80-140 scored."""
    frames = demo_video_frames(60, 140)
    pipeline = KeypointPipeline(PipelineConfig(max_people=3, multi_person="roi", smoothing=True))
    assert isinstance(pipeline.estimator, RoiPoseEstimator)
    seen = [pipeline.process(rgb, i / 30.0) for i, rgb in enumerate(frames)][20:]
    pipeline.close()
    assert_box_person_and_walker_keep_their_ids(seen, len(seen))


def test_trackers_are_retired_when_people_leave():
    frames = demo_video_frames(0, 20)
    blank = np.zeros_like(frames[0])
    with RoiPoseEstimator(max_people=2, detect_every=5) as estimator:
        assert any(estimator.estimate(f) for f in frames), "the person on the box is found"
        after = [estimator.estimate(blank) for _ in range(6)]
        assert after[-1] == [] and estimator.tracked == 0, "their tracker is retired on an empty scene"


def test_a_newcomer_gets_a_started_graph_and_a_retired_one_is_reused():
    """No frame starts a MediaPipe graph itself (130-300 ms): the person on the box is found, leaves (blank
    frames), comes back and is found again, each time by a tracker on a graph warmed in the background."""
    frames = demo_video_frames(0, 20)
    blank = np.zeros_like(frames[0])
    with RoiPoseEstimator(max_people=2, detect_every=5) as estimator:
        for _ in range(2):
            assert any(estimator.estimate(f) for f in frames), "the person on the box is found"
            for _ in range(6):
                estimator.estimate(blank)
            assert estimator.tracked == 0
        assert estimator._poses.started_in_frame == 0 and estimator._poses.lent == 0


def test_refresh_every_2_runs_one_landmark_pass_per_frame_and_keeps_both_people(monkeypatch):
    """Two people at refresh_every 2: the trackers take turns (at most one landmark pass a frame once
    both are measured), both people are still reported every frame with their ids, and the keypoints
    carried forward stay near those measured on every frame."""
    from nvhai_perception import roi_pose_estimator

    frames = demo_video_frames(60, 140)
    passes: list[int] = []
    step = roi_pose_estimator._Track.step

    def counted(track, rgb):
        passes[-1] += 1
        return step(track, rgb)

    monkeypatch.setattr(roi_pose_estimator._Track, "step", counted)
    runs = {}
    for refresh in (1, 2):
        pipeline = KeypointPipeline(PipelineConfig(max_people=3, multi_person="roi", refresh_every=refresh))
        seen, per_frame = [], []
        for i, rgb in enumerate(frames):
            passes.append(0)
            seen.append(pipeline.process(rgb, i / 30.0))
            per_frame.append(passes[-1])
        pipeline.close()
        runs[refresh] = (seen[20:], per_frame[20:])
    seen, per_frame = runs[2]
    assert_box_person_and_walker_keep_their_ids(seen, len(seen))
    assert max(per_frame) <= 2 and sum(per_frame) <= 0.6 * sum(runs[1][1]), (per_frame, runs[1][1])
    errors = []
    for carried, measured in zip(seen, runs[1][0], strict=True):
        for p in carried:
            q = min(measured, key=lambda q: float(np.abs(q.xy - p.xy).mean()))
            height = float(np.ptp(q.xy[:, 1]))
            errors.append(float(np.median(np.linalg.norm(p.xy - q.xy, axis=1))) / height)
    assert np.median(errors) < 0.05, f"median keypoint distance {np.median(errors):.3f} of the person's height"


def test_both_people_are_found_within_frames_and_a_lost_one_again_where_they_were():
    """Shipped defaults (lite, roi, max_people 2): the search runs on the next frame after a start, a newcomer
    or a loss (at doubling gaps after that), and a lost person is looked for in their own last crop, where the
    far person on the box is large enough for the lite model. Here they are hidden for 5 frames (30-34)."""
    frames = [f.copy() for f in demo_video_frames(60, 140)]
    for f in frames[30:35]:
        f[0:200, 150:350] = 0  # the person on the box, covered
    pipeline = KeypointPipeline(PipelineConfig(max_people=2))
    found = [len(pipeline.process(rgb, i / 30.0)) for i, rgb in enumerate(frames)]
    pipeline.close()
    assert 2 in found[:6], f"both people found in the first 6 frames: {found[:15]}"
    assert max(found[30:35]) == 1, "hidden means lost"
    assert 2 in found[35:39] and min(found[39:60]) == 2, f"found again within 4 frames of coming back: {found[30:60]}"
