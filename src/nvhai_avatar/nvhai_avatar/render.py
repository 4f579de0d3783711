"""Drawing the on-screen avatar: a cartoon body in the response pose with a face that shows the
recognised emotion. Plain OpenCV, a few milliseconds per frame."""

from __future__ import annotations

import cv2
import numpy as np

from nvhai_common.coco17 import INDEX, SKELETON

BACKGROUND = {"celebrate": (255, 236, 200), "laugh_along": (255, 250, 205), "wave_back": (220, 240, 255),
              "attend": (235, 235, 235)}
BODY = (70, 90, 160)
SKIN = (250, 215, 180)


def render_avatar(pose: np.ndarray, gesture: str, emotion: str, confidence: float, intensity: float,
                  size: tuple[int, int] = (360, 320)) -> np.ndarray:
    """(H, W, 3) RGB image of the avatar taking `pose` ((17, 2) normalised, y down)."""
    h, w = size
    img = np.full((h, w, 3), BACKGROUND.get(gesture, BACKGROUND["attend"]), np.uint8)
    scale = 0.36 * min(h, w)
    pts = (pose * scale + [w / 2, h * 0.55]).astype(int)
    limb = max(4, int(0.04 * min(h, w)))
    for a, b in SKELETON:
        if a >= INDEX["left_shoulder"] and b >= INDEX["left_shoulder"]:
            cv2.line(img, tuple(pts[a]), tuple(pts[b]), BODY, limb, cv2.LINE_AA)
    neck = ((pts[INDEX["left_shoulder"]] + pts[INDEX["right_shoulder"]]) / 2).astype(int)
    head = pts[[INDEX["nose"], INDEX["left_ear"], INDEX["right_ear"]]].mean(axis=0).astype(int)
    cv2.line(img, tuple(neck), tuple(head), BODY, limb, cv2.LINE_AA)
    radius = max(10, int(0.09 * min(h, w)))
    _face(img, head, radius, gesture, intensity)
    for wrist in ("left_wrist", "right_wrist"):
        cv2.circle(img, tuple(pts[INDEX[wrist]]), limb, SKIN, -1, cv2.LINE_AA)
    label = f"{emotion} {confidence:.0%}" if emotion else "..."
    cv2.putText(img, label, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (40, 40, 40), 1, cv2.LINE_AA)
    cv2.putText(img, gesture.replace("_", " "), (8, h - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (90, 90, 90), 1,
                cv2.LINE_AA)
    cv2.rectangle(img, (8, 30), (8 + int((w - 16) * confidence), 36), (90, 160, 90), -1)
    return img


def _face(img: np.ndarray, c: np.ndarray, r: int, gesture: str, intensity: float) -> None:
    x, y = int(c[0]), int(c[1])
    cv2.circle(img, (x, y), r, SKIN, -1, cv2.LINE_AA)
    cv2.circle(img, (x, y), r, (120, 90, 70), 2, cv2.LINE_AA)
    eye_dy, eye_dx = int(0.25 * r), int(0.35 * r)
    if gesture == "laugh_along":  # squinting eyes
        for s in (-1, 1):
            cv2.ellipse(img, (x + s * eye_dx, y - eye_dy), (int(0.18 * r), int(0.1 * r)), 0, 180, 360, (40, 40, 40), 2)
    else:
        for s in (-1, 1):
            cv2.circle(img, (x + s * eye_dx, y - eye_dy), max(2, int(0.1 * r)), (40, 40, 40), -1, cv2.LINE_AA)
    mouth_w = int((0.35 + 0.2 * intensity) * r)
    if gesture == "laugh_along":  # open laughing mouth
        cv2.ellipse(img, (x, y + int(0.3 * r)), (mouth_w, int((0.2 + 0.2 * intensity) * r)), 0, 0, 180,
                    (150, 40, 50), -1, cv2.LINE_AA)
    elif gesture == "attend":
        cv2.line(img, (x - mouth_w // 2, y + int(0.35 * r)), (x + mouth_w // 2, y + int(0.35 * r)), (60, 40, 40), 2)
    else:  # smile, wider with intensity
        cv2.ellipse(img, (x, y + int(0.2 * r)), (mouth_w, int((0.15 + 0.2 * intensity) * r)), 0, 10, 170,
                    (60, 40, 40), 2, cv2.LINE_AA)
