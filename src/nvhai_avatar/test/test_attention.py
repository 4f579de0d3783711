"""Whom the avatar answers: engagement cues, hysteresis with two people crossing, forgetting."""

from __future__ import annotations

import numpy as np

from nvhai_avatar.attention import Attention, AttentionConfig, engagement_cues
from nvhai_avatar.controller import AvatarController
from nvhai_avatar.response_policy import ATTEND, IDLE, REST_POSE

W, H = 640, 480
CONF = np.ones(17, np.float32)


def standing(cx: float, height: float, frontal: bool = True) -> np.ndarray:
    """A person standing at x = cx, `height` pixels tall, facing the camera or seen from the side."""
    pose = REST_POSE.astype(np.float64).copy()
    if not frontal:
        pose[:, 0] *= 0.1
    return pose * height / 1.75 + [cx, H * 0.55]


def test_cues_prefer_a_frontal_close_central_person():
    near = engagement_cues(standing(W / 2, 300), CONF, W, H)
    far_side = engagement_cues(standing(60, 120, frontal=False), CONF, W, H)
    assert near["facing"] > 0.9 and far_side["facing"] < 0.3
    assert near["size"] > far_side["size"] and near["centrality"] > 0.95 > far_side["centrality"]
    hidden_face = CONF.copy()
    hidden_face[:3] = 0.0
    assert engagement_cues(standing(W / 2, 300), hidden_face, W, H)["facing"] == 0.0


def crossing(attention: Attention, seconds: float = 8.0, fps: float = 30.0):
    """A walks from the centre to the right edge, B from the left edge to the centre (they cross)."""
    log = []
    for k in range(int(seconds * fps)):
        t = k / fps
        u = t / seconds
        people = {1: (standing(W / 2 + u * W / 2, 260), CONF), 2: (standing(u * W / 2, 260), CONF)}
        attention.observe(t, people, W, H)
        log.append((t, attention.attended, dict(attention.scores())))
    return log


def test_attention_switches_once_and_only_after_the_lead_persists():
    config = AttentionConfig(switch_margin=0.05, switch_after_s=1.0)
    log = crossing(Attention(config))
    attended = [a for _, a, _ in log]
    assert attended[0] == 1 and attended[-1] == 2
    switches = [i for i in range(1, len(log)) if attended[i] != attended[i - 1]]
    assert len(switches) == 1, f"hopped at {[log[i][0] for i in switches]}"
    t_switch = log[switches[0]][0]
    lead = [t for t, _, s in log if t <= t_switch and s[2] > s[1] + config.switch_margin]
    assert lead and t_switch - lead[0] >= config.switch_after_s - 1e-9, "switched before the lead lasted"
    first_ahead = next(t for t, _, s in log if s[2] > s[1])
    assert t_switch > first_ahead + config.switch_after_s - 1e-9, "not the moment B was merely ahead"


def test_a_brief_lead_does_not_move_attention():
    attention = Attention(AttentionConfig(switch_margin=0.05, switch_after_s=1.0, presence_full_s=0.0))
    for k in range(90):  # B steps into the centre for 0.5 s, then back to the edge
        t = k / 30
        b_x = W / 2 if 1.0 <= t < 1.5 else 40.0
        attention.observe(t, {1: (standing(W * 0.7, 260), CONF), 2: (standing(b_x, 300), CONF)}, W, H)
        assert attention.attended == 1, t


def test_a_lost_person_is_forgotten_with_their_label_and_the_avatar_idles():
    controller = AvatarController(attention=Attention(AttentionConfig(forget_after_s=2.0)))
    labels = ["enthusiastic", "laughing", "happy to see you", "neutral"]
    for k in range(30):
        controller.on_people(k / 30, {7: (standing(W / 2, 300), CONF)}, W, H)
        controller.on_emotion(7, labels, np.array([0.9, 0.05, 0.03, 0.02]))
    assert controller.emotion(7) == ("enthusiastic", 0.9)
    assert controller.on_people(1.0, {}, W, H).gesture != IDLE, "a brief loss keeps attention"
    t, r = 1.0, None
    while controller.emotion(7) != ("", 0.0):
        t += 1 / 30
        r = controller.on_people(t, {}, W, H)
        assert t < 1.0 + 2.0 + 0.1, "label outlived forget_after_s"
    assert r.gesture == IDLE and r.emotion == "" and controller.attention.attended is None


def test_neutral_is_answered_with_attention_only():
    controller = AvatarController()
    labels = ["enthusiastic", "laughing", "happy to see you", "neutral"]
    controller.on_people(0.0, {3: (standing(W / 2, 300), CONF)}, W, H)
    controller.on_emotion(3, labels, np.array([0.05, 0.05, 0.05, 0.85]))
    r = controller.on_forecast(3, 0.0, np.repeat(standing(W / 2, 300)[None], 30, 0))
    assert r.emotion == "neutral" and r.gesture == ATTEND and r.intensity == 0.0
