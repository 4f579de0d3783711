"""The one mapping from real motion data to emotion labels (or none: unlabeled, CE-masked).

Labels mean what the robot should answer, not what the actor felt:
- "happy to see you": a greeting addressed to someone — a wave or a raised hand, done with energy;
- "enthusiastic": both hands up or pumping, energetically (celebrating, cheering);
- "laughing": no real labelled source yet — procedural only;
- "neutral": no positive display — walking or running past, standing, working, sport, and any
  gesture done in a low-energy style (tired, exhausted, sad, elderly, not-confident, old).
Everything else stays unlabeled: the forecast still trains on it, the emotion head does not.

Bandai Namco (../shared/data/bandai_namco, CC BY-NC 4.0): label = f(content, style) below.
CMU (../shared/data/cmu_mocap, subjects 01, 02, 03, 05): by subject, from the database's
subject descriptions, clip by clip in CMU_CLIPS.
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
}


def cmu_label(clip: str) -> str | None:
    """Label of a CMU clip named `<subject>_<trial>` (e.g. 002_05); None = unlabeled or unknown subject."""
    entry = CMU_SUBJECTS.get(clip.split("_", 1)[0])
    return entry[1] if entry else None


def label_clips(names: list[str], metadata: dict[str, dict]) -> dict[str, str]:
    """clip -> label for every clip this table knows (Bandai by its metadata, CMU by name)."""
    out = {}
    for name in names:
        meta = metadata.get(name)
        if meta and "content" in meta and "style" in meta:
            label = bandai_label(meta["content"], meta["style"])
        else:
            label = cmu_label(name)
        if label is not None:
            out[name] = label
    return out
