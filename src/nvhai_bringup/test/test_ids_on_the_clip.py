"""Identities on the bundled clip, every frame in order (no real-time pacing, so no frame a loaded
machine skips): two people and no re-entry, the jumper re-found where he lands after his backflip."""

from __future__ import annotations

from real_media import demo_video_frames

from nvhai_perception.pipeline import KeypointPipeline, PipelineConfig


def test_two_people_keep_their_ids_through_the_clip():
    frames = demo_video_frames()
    pipeline = KeypointPipeline(PipelineConfig(max_people=2, smoothing=True, min_tracking_confidence=0.3))
    try:
        ids_per_frame = [{p.person_id for p in pipeline.process(rgb, k / 30)} for k, rgb in enumerate(frames)]
    finally:
        pipeline.close()
    assert len(frames) == 230
    seen = set().union(*ids_per_frame)
    # The jumper keeps his id through the backflip the detector loses him in (tracker.REACQUIRE_SIZES).
    assert len(seen) == 2, f"ids {sorted(seen)}: two people, no re-entry"
    assert sum(len(ids) == 2 for ids in ids_per_frame) > 30, "both people are tracked at once for a while"
