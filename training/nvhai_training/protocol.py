"""Which clips may meet in training and test: groups of clips (a person, a dataset, a content)
and splits that hold whole groups out.

A forecaster is deployed on people it never saw, so its numbers must come from groups it never
saw: CMU by subject (`001_*` … `131_*`: the clip-name prefix), MSRC-12 by subject (`msrc12_s07_*`),
Bandai Namco by dataset or content (its actors are not identified per clip). `person` groups every file
by who moves in it. A clip split is kept for comparison only.
"""

from __future__ import annotations

import numpy as np

PREFIX = "prefix"  # the clip name up to its first "_": a CMU subject ("002"), a Bandai dataset ("bandai2")
PERSON = "person"  # who moves: a CMU subject ("002", "131"), an MSRC-12 subject ("msrc12_s07"), a Bandai dataset,
# a tracked person of a video (extract's metadata), else the clip itself
MSRC12 = "msrc12"


def person_of(name: str, metadata: dict[str, dict] | None = None) -> str:
    """The person in clip `name`: its metadata's `person` when it has one (`extract` writes `<video>_p<id>`);
    else from the key: MSRC-12 keys are `msrc12_s<NN>_g<GG>_…` (22 people); CMU keys `<subject>_<take>[_v<view>]`;
    Bandai's three actors per dataset are not told apart, so a Bandai clip's person is its dataset (`bandai1`,
    `bandai2`). A key that names no person is its own person (its camera views `_v<N>` included)."""
    person = (metadata or {}).get(name, {}).get(PERSON)
    if person is not None:
        return str(person)
    head, _, rest = name.partition("_")
    if head == MSRC12:
        subject = rest.split("_", 1)[0]
        if not (len(subject) == 3 and subject[0] == "s" and subject[1:].isdigit()):
            raise ValueError(f"clip '{name}': an MSRC-12 key must be msrc12_s<NN>_…")
        return f"{MSRC12}_{subject}"
    if head.isdigit() or head.startswith("bandai"):
        return head
    stem, _, view = name.rpartition("_v")
    return stem if stem and view.isdigit() else name


def group_of(name: str, by: str, metadata: dict[str, dict] | None = None) -> str:
    """The group of clip `name`: "clip" (itself), "person", "prefix", or any metadata field (content, style,
    dataset); clips without that field fall back to their person."""
    if by == "clip":
        return name
    if by == PERSON:
        return person_of(name, metadata)
    meta = (metadata or {}).get(name, {})
    if by != PREFIX and by in meta:
        return str(meta[by])
    return person_of(name, metadata) if by != PREFIX else name.split("_", 1)[0]


def check_grouping(by: str, metadata: dict[str, dict] | None, option: str = "--by") -> None:
    """ValueError (one line, listing what there is) for a grouping no clip has: group_of would fall back to
    the person for every clip, silently (`--group-by nosuchfield`, `--group-by ''`)."""
    fields = sorted({field for meta in (metadata or {}).values() for field in meta})
    if by in ("clip", PERSON, PREFIX) or by in fields:
        return
    raise ValueError(f"{option} {by!r}: no clip has that field (group by clip, person, prefix"
                     + (f" or a metadata field: {', '.join(fields)})" if fields else "; these clips have no metadata)"))


def groups(names: list[str], by: str, metadata: dict[str, dict] | None = None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in sorted(names):
        out.setdefault(group_of(name, by, metadata), []).append(name)
    return out


def split_by_group(names: list[str], by: str, test_groups: list[str] | None = None, test_fraction: float = 0.2,
                   seed: int = 0, metadata: dict[str, dict] | None = None) -> tuple[list[str], list[str]]:
    """(train, test) clip names with every group wholly on one side.

    `test_groups` names the held-out groups; without it a seeded random `test_fraction` of the groups
    is held out (at least one). Raises ValueError for a named group that does not exist.
    """
    by_group = groups(names, by, metadata)
    if test_groups:
        unknown = sorted(set(test_groups) - set(by_group))
        if unknown:
            raise ValueError(f"no clips in group(s) {unknown} when grouping by '{by}' "
                             f"(groups: {', '.join(sorted(by_group)[:20])}{' …' if len(by_group) > 20 else ''})")
        held = set(test_groups)
    else:
        order = sorted(by_group)
        np.random.default_rng(seed).shuffle(order)
        held = set(order[:max(1, round(len(order) * test_fraction))]) if test_fraction > 0 else set()
    train = [n for g, members in by_group.items() if g not in held for n in members]
    test = [n for g, members in by_group.items() if g in held for n in members]
    return sorted(train), sorted(test)
