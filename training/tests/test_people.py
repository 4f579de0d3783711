"""People as groups: every dataset's person is known by name, splits by person never leak one, and the
MSRC-12 rows of the mapping table are applied by gesture id as documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from nvhai_training.cli import main
from nvhai_training.keypoint_dataset import load_clips, load_labels, load_metadata, save_clips
from nvhai_training.label_map import MSRC12_GESTURES, label_clips, msrc12_label
from nvhai_training.protocol import group_of, person_of

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
FILES = {
    "cmu": SHARED / "cmu_mocap" / "cmu_coco17_30fps_train.npz",
    "cmu131": SHARED / "cmu_subject131" / "cmu131_coco17_30fps.npz",
    "msrc12": SHARED / "msrc12" / "msrc12_coco17_30fps.npz",
}


def test_person_of_every_key_form():
    assert person_of("002_05") == "002" and person_of("002_05_v3") == "002"  # BVH views keep their subject
    assert person_of("131_02") == "131"
    assert person_of("msrc12_s07_g01_P2_1") == "msrc12_s07"
    assert person_of("msrc12_s19_g01_P1_1A_part2") == "msrc12_s19"
    assert person_of("bandai2_walk-active-001") == "bandai2"
    assert group_of("msrc12_s07_g01_P2_1", "prefix") == "msrc12"  # prefix stays the key's first part
    assert group_of("msrc12_s07_g01_P2_1", "content", {}) == "msrc12_s07"  # no such field: the person
    with pytest.raises(ValueError, match="msrc12_s<NN>"):
        person_of("msrc12_x_g01")
    # Keys that name nobody (a video's clips, generated samples): each clip is its own person, its camera views
    # with it; a video's tracked person is told by the metadata extract writes.
    assert person_of("kard_high_wave_s02_p0") == "kard_high_wave_s02_p0" and person_of("lcm_0007_v2") == "lcm_0007"
    meta = {"clip_p3_1": {"person": "clip_p3"}}
    assert person_of("clip_p3_1", meta) == group_of("clip_p3_1", "person", meta) == "clip_p3"


def _msrc_like(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    clips, meta = {}, {}
    for s in (1, 2, 3):
        for g in (1, 2, 11, 12):
            name = f"msrc12_s{s:02d}_g{g:02d}_P1_1"
            clips[name] = 0.5 + 0.02 * rng.standard_normal((100, 17, 2))
            meta[name] = {"dataset": "MSRC-12", "subject": f"s{s:02d}", "gesture_id": g,
                          "action": f"G{g} {MSRC12_GESTURES[g][0].split(':')[0]}"}
    (tmp_path / "m_meta.json").write_text(json.dumps({"clips": meta}))
    save_clips(tmp_path / "m.npz", clips)
    return tmp_path / "m.npz"


def test_msrc12_rows_are_applied_by_gesture_id(tmp_path):
    assert {g: msrc12_label(g) for g in (1, 11)} == {1: "enthusiastic", 11: "enthusiastic"}
    assert {msrc12_label(g) for g in (2, 3, 4, 5, 6, 7, 8, 9, 10, 12)} == {"neutral"}
    with pytest.raises(ValueError, match="gesture_id 13"):
        msrc12_label(13)
    path = _msrc_like(tmp_path)
    assert main(["label", "--keypoints", str(path), "--out", str(tmp_path / "lab.npz")]) == 0
    labels = load_labels(tmp_path / "lab.npz")
    meta = load_metadata(tmp_path / "lab.npz")
    assert len(labels) == 12 and all(labels[n] == msrc12_label(meta[n]["gesture_id"]) for n in labels)
    # the rule follows the metadata's gesture_id, not the key: a clip's name cannot relabel it
    assert label_clips(["msrc12_s01_g01_P1_1"], {"msrc12_s01_g01_P1_1": {"dataset": "MSRC-12", "gesture_id": 7}}) \
        == {"msrc12_s01_g01_P1_1": "neutral"}


def test_person_split_of_msrc_like_clips_holds_whole_people_out(tmp_path):
    path = _msrc_like(tmp_path)
    assert main(["split", "--keypoints", str(path), "--by", "person", "--test-groups", "msrc12_s02",
                 "--out-train", str(tmp_path / "tr.npz"), "--out-test", str(tmp_path / "te.npz")]) == 0
    test, train = load_clips(tmp_path / "te.npz"), load_clips(tmp_path / "tr.npz")
    assert len(test) == 4 and all("_s02_" in n for n in test) and not any("_s02_" in n for n in train)
    assert main(["split", "--keypoints", str(path), "--by", "person", "--test-groups", "msrc12_s09",
                 "--out-train", str(tmp_path / "a.npz"), "--out-test", str(tmp_path / "b.npz")]) == 1


@pytest.mark.parametrize("dataset", sorted(FILES))
def test_real_person_splits_never_leak_a_person(tmp_path, dataset):
    path = FILES[dataset]
    if not path.exists():
        pytest.skip(f"{path} not found (../shared beside the checkout)")
    names = list(np.load(path).files)
    meta = load_metadata(path)
    people = sorted({person_of(n) for n in names})
    if dataset == "msrc12":  # the key and the metadata must agree on who moves
        assert len(people) == 22 and all(person_of(n) == f"msrc12_{meta[n]['subject']}" for n in names)
    held = people[::5] if len(people) > 2 else people[:1]
    # cmu131 has one person: holding them out leaves an empty training side, which must still be written
    assert main(["split", "--keypoints", str(path), "--by", "person", "--test-groups", *held,
                 "--out-train", str(tmp_path / "tr.npz"), "--out-test", str(tmp_path / "te.npz")]) == 0
    test = set(np.load(tmp_path / "te.npz").files)
    train = set(np.load(tmp_path / "tr.npz").files)
    assert test and train | test == set(names) and not train & test
    assert {person_of(n) for n in test} == set(held)
    assert not {person_of(n) for n in train} & set(held)
    if dataset == "msrc12":  # by name too: no held-out subject's key in training
        pattern = re.compile("|".join(f"_{p.removeprefix('msrc12_')}_" for p in held))
        assert not any(pattern.search(n) for n in train)
