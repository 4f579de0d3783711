"""The one mapping from real motion data to emotion labels (or none: unlabeled, CE-masked).

Labels mean what the robot should answer, not what the actor felt:
- "happy to see you": a greeting addressed to someone — a wave or a raised hand, done with energy;
- "enthusiastic": both hands up or pumping, energetically (celebrating, cheering);
- "laughing": no real labelled source yet — procedural only;
- "neutral": no positive display — walking or running past, standing, working, sport, and any
  gesture done in a low-energy style (tired, exhausted, sad, elderly, not-confident, old).
Everything else stays unlabeled: the forecast still trains on it, the emotion head does not.

Bandai Namco (../shared/data/bandai_namco, CC BY-NC 4.0): label = f(content, style) below.
CMU (../shared/data/cmu_mocap, subjects 01, 02, 03, 05; cmu_subject131): by subject, from the
database's subject descriptions, in CMU_SUBJECTS.
MSRC-12 (../shared/data/msrc12, 22 people, 12 gestures): by gesture id, from the gestures' own
descriptions, in MSRC12_GESTURES. A clip is one person repeating one gesture ~10 times with rest
poses between; the whole clip carries the gesture's label (the rests belong to their clip).
"""

from __future__ import annotations

NEUTRAL, HAPPY, ENTHUSIASTIC = "neutral", "happy to see you", "enthusiastic"

# Styles in which any content is shown without energy: never a positive display.
LOW_ENERGY_STYLES = frozenset({"tired", "exhausted", "sad", "elderly", "old", "not-confident"})
# Styles whose gestures read as an energetic, positive display.
ENERGETIC_STYLES = frozenset({"active", "youthful", "happy", "childish", "musical"})
# Styles that make a gesture unfriendly: a wave done angrily is no greeting to celebrate.
HOSTILE_STYLES = frozenset({"angry", "chimpira"})

# Contents that are locomotion: neutral in every style (a person passing by).
LOCOMOTION = frozenset({"walk", "walk-back", "walk-left", "walk-right", "walk-turn-left", "walk-turn-right",
                        "run", "dash"})
GREETINGS = frozenset({"wave-left-hand", "wave-right-hand", "wave-both-hands", "bye", "byebye",
                       "raise-up-left-hand", "raise-up-right-hand"})
CHEERS = frozenset({"raise-up-both-hands"})

# (content family, style class) -> label; None = unlabeled. Style classes: "energetic", "low",
# "hostile" and "plain" (normal, feminine, masculine, masculinity, proud, giant).
BANDAI_TABLE: dict[tuple[str, str], str | None] = {
    ("locomotion", "energetic"): NEUTRAL, ("locomotion", "plain"): NEUTRAL, ("locomotion", "low"): NEUTRAL,
    ("greeting", "energetic"): HAPPY, ("greeting", "plain"): HAPPY, ("greeting", "low"): NEUTRAL,
    ("cheer", "energetic"): ENTHUSIASTIC, ("cheer", "plain"): None, ("cheer", "low"): NEUTRAL,
    ("other", "energetic"): None, ("other", "plain"): None, ("other", "low"): NEUTRAL,
    ("locomotion", "hostile"): NEUTRAL, ("greeting", "hostile"): None, ("cheer", "hostile"): None,
    ("other", "hostile"): None,
}


def style_class(style: str) -> str:
    if style in LOW_ENERGY_STYLES:
        return "low"
    if style in HOSTILE_STYLES:
        return "hostile"
    return "energetic" if style in ENERGETIC_STYLES else "plain"


def content_family(content: str) -> str:
    if content in LOCOMOTION:
        return "locomotion"
    if content in GREETINGS:
        return "greeting"
    return "cheer" if content in CHEERS else "other"


def bandai_label(content: str, style: str) -> str | None:
    """Label of a Bandai Namco clip from its metadata (content, style); None = unlabeled."""
    return BANDAI_TABLE[(content_family(content), style_class(style))]


# CMU clips: subject -> (description from the CMU database's subject index, label).
CMU_SUBJECTS: dict[str, tuple[str, str | None]] = {
    "001": ("playground: climbing, hanging, swinging, jumping", NEUTRAL),
    "002": ("various everyday and sport motions: walking, running, jumping, punching, swordplay, washing, "
            "carrying a suitcase", NEUTRAL),
    "003": ("walking on uneven terrain", NEUTRAL),
    "005": ("modern dance (expressive arms, turns, jumps): a performance, neither a display addressed to the "
            "robot nor neutral — unlabeled", None),
    "131": ("Michael Jackson styled motions: start, walk, hop, stop (a dance-style performance) — unlabeled", None),
}


# MSRC-12 gesture id -> (the dataset's own description, label). Fixed from these descriptions before
# any model was scored on MSRC-12: both arms raised above the head or beating up and down are the card's
# "both hands up or pumping"; every other gesture (ducking, pushing, goggles, winding up, shooting,
# bowing, throwing, protesting, changing weapon, kicking) is no positive display addressed to the robot.
MSRC12_GESTURES: dict[int, tuple[str, str]] = {
    1: ("lift outstretched arms: both arms raised sideways above the head ('start music / raise volume')",
        ENTHUSIASTIC),
    2: ("duck: crouch", NEUTRAL),
    3: ("push right", NEUTRAL),
    4: ("goggles: hands to the eyes", NEUTRAL),
    5: ("wind it up", NEUTRAL),
    6: ("shoot", NEUTRAL),
    7: ("bow", NEUTRAL),
    8: ("throw", NEUTRAL),
    9: ("had enough: hands to the head ('protest the music')", NEUTRAL),
    10: ("change weapon", NEUTRAL),
    11: ("beat both: both arms beating up and down ('move up the tempo')", ENTHUSIASTIC),
    12: ("kick", NEUTRAL),
}
MSRC12_DATASET = "MSRC-12"


def msrc12_label(gesture_id: int) -> str:
    """Label of an MSRC-12 clip from its metadata's `gesture_id` (1..12); ValueError for any other id."""
    if gesture_id not in MSRC12_GESTURES:
        raise ValueError(f"MSRC-12 gesture_id {gesture_id!r} is not one of 1..12")
    return MSRC12_GESTURES[gesture_id][1]


def cmu_label(clip: str) -> str | None:
    """Label of a CMU clip named `<subject>_<trial>` (e.g. 002_05); None = unlabeled or unknown subject."""
    entry = CMU_SUBJECTS.get(clip.split("_", 1)[0])
    return entry[1] if entry else None


# Camera footage (../shared/data/real_video/labels.csv `label` column) -> label. Fixed from that README's own
# definitions before any model was scored on the clips: its greetings are waves addressed to the camera (the
# card's "happy to see you"), its enthusiastic clips are claps, cheering and jumping for joy ("enthusiastic"),
# everything else (walking, a phone call, sitting, exercise, dance, talking) shows no positive display.
# "mixed" clips hold more than one of these: unlabeled.
VIDEO_LABELS: dict[str, str | None] = {
    "greeting": HAPPY, "enthusiastic": ENTHUSIASTIC, "laughing": "laughing", "neutral": NEUTRAL, "mixed": None,
}


def video_label(label: str) -> str | None:
    """Label of a video clip from its labels CSV's `label` column; ValueError naming the known ones otherwise."""
    if label not in VIDEO_LABELS:
        raise ValueError(f"label {label!r} is not one of {', '.join(VIDEO_LABELS)}")
    return VIDEO_LABELS[label]


def label_clips(names: list[str], metadata: dict[str, dict]) -> dict[str, str]:
    """clip -> label for every clip this table knows (Bandai and MSRC-12 by their metadata, CMU by name)."""
    out = {}
    for name in names:
        meta = metadata.get(name) or {}
        if name.split("_", 1)[0].isdigit():  # CMU keys: <subject>_<take>; their metadata has no Bandai style
            label = cmu_label(name)
        elif meta.get("dataset") == MSRC12_DATASET:
            label = msrc12_label(meta["gesture_id"])
        elif "content" in meta and "style" in meta:
            label = bandai_label(meta["content"], meta["style"])
        else:
            label = None
        if label is not None:
            out[name] = label
    return out
