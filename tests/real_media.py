"""Real images and video of people shipped with packages/the repo, for perception tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEMO_VIDEO = REPO / "src" / "nvhai_bringup" / "nvhai_bringup" / "media" / "sports2d_demo_640x360.mp4"


def grace_hopper_rgb() -> np.ndarray:
    """matplotlib's sample portrait (512x600): head and shoulders, hips out of frame."""
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        bgr = cv2.imdecode(np.frombuffer(f.read(), np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def demo_video_frames(start: int = 0, stop: int | None = None) -> list[np.ndarray]:
    """RGB frames of the bundled Sports2D demo clip (640x360, 30 FPS, 230 frames)."""
    cap = cv2.VideoCapture(str(DEMO_VIDEO))
    frames = []
    i = 0
    while stop is None or i < stop:
        ok, bgr = cap.read()
        if not ok:
            break
        if i >= start:
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        i += 1
    cap.release()
    return frames


def assert_box_person_and_walker_keep_their_ids(seen: list[list], scored: int) -> None:
    """On the demo clip: in >= 80 % of `scored` frames both people are found, the person on the box
    (boxes ending above y 190) and the walker below each keep one id, and nobody is found twice."""
    both = [people for people in seen if len(people) == 2]
    assert len(both) >= 0.8 * scored, [len(p) for p in seen]
    on_box, walker = set(), set()
    for people in both:
        for p in people:
            _, y0, _, y1 = p.bbox()
            (on_box if y1 < 190 else walker).add(p.person_id)
            assert y1 < 190 or y0 > 150, "each box is one of the two people"
    assert len(on_box) == 1 and len(walker) == 1 and on_box != walker, (on_box, walker)
    assert all(len(people) <= 2 for people in seen), "no duplicate of one person"
