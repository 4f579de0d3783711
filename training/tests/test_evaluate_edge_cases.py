"""`nvhai-train evaluate` and `train` at their edges (issue 34, items 6, 7, 10), through the CLI's own `main()`:
`--online --stride N` scores every person (the stride counts each person's own forecasts); `--json` never holds
NaN and stderr no numpy warning, even on clips where nobody moves; a `--group-by` field that no clip has, or
an empty one, is refused in one line; `train` without a test set says what it wrote instead of a bare `{}`;
`extract --help` describes each option."""

from __future__ import annotations

import json

import numpy as np
import pytest
from swaying import motion

from nvhai_predictor.model_runner import default_model_path
from nvhai_training.cli import main
from nvhai_training.keypoint_dataset import save_clips


def strict_loads(text: str):
    def refuse(name: str):
        raise AssertionError(f"bare {name} in the JSON")
    return json.loads(text, parse_constant=refuse)


def test_online_stride_counts_each_persons_own_forecasts(tmp_path, capsys):
    path = tmp_path / "crowd.npz"
    save_clips(path, {f"{100 + p}_{c:02d}": motion(100, 2 * p + c) for p in range(30) for c in range(2)})
    capsys.readouterr()
    assert main(["evaluate", "--model", default_model_path(), "--keypoints", str(path), "--online", "--stride", "5",
                 "--json"]) == 0
    online = strict_loads(capsys.readouterr().out)["online"]
    scored = {person for person, block in online["groups"].items() if block["windows"]}
    assert len(online["groups"]) == 30 and len(scored) == 30, f"{len(scored)} of 30 people scored"
    # each person: two clips of 100 frames, 11 forecasts with a future in the clip each: every 5th of their 22
    assert all(block["windows"] == 5 for block in online["groups"].values())


@pytest.mark.parametrize("clip", ["all zero", "identical frames"])
def test_json_never_holds_nan_and_stderr_no_numpy_warning(tmp_path, capsys, clip):
    still = np.zeros((200, 17, 2), np.float32) if clip == "all zero" else np.repeat(motion(1, 3), 200, axis=0)
    path = tmp_path / "still.npz"
    save_clips(path, {"901_01": still, "902_01": still + 0.01})
    capsys.readouterr()
    assert main(["evaluate", "--model", default_model_path(), "--keypoints", str(path), "--online",
                 "--group-by", "person", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "NaN" not in out and "Infinity" not in out
    strict_loads(out)
    assert "Warning" not in err and "Mean of empty slice" not in err, err[-2000:]


@pytest.fixture
def tagged(tmp_path):
    path = tmp_path / "tagged.npz"
    save_clips(path, {"bandai1_a": motion(150, 0), "bandai1_b": motion(150, 1)},
               metadata={"bandai1_a": {"content": "bye", "style": "happy"},
                         "bandai1_b": {"content": "wave", "style": "sad"}})
    return path


@pytest.mark.parametrize("by", ["nosuchfield", ""])
def test_group_by_a_field_no_clip_has_is_refused_in_one_line(capsys, tagged, by):
    capsys.readouterr()
    assert main(["evaluate", "--model", default_model_path(), "--keypoints", str(tagged), "--group-by", by]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("nvhai-train evaluate: --group-by"), err
    assert all(field in err for field in ("clip", "person", "prefix", "content", "style")), err


def test_group_by_a_metadata_field_still_groups(capsys, tagged):
    capsys.readouterr()
    assert main(["evaluate", "--model", default_model_path(), "--keypoints", str(tagged), "--group-by", "content",
                 "--json"]) == 0
    assert set(strict_loads(capsys.readouterr().out)["groups"]) == {"bye", "wave"}


def test_train_without_a_test_set_says_what_it_wrote(tmp_path, capsys, tagged):
    capsys.readouterr()
    assert main(["train", "--arch", "residual_linear", "--train", str(tagged), "--epochs", "1", "--stride", "10",
                 "--out", str(tmp_path / "run")]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last != "{}" and "model.pt" in last and "--test" in last, last


def test_extract_help_describes_each_option(capsys):
    with pytest.raises(SystemExit) as e:
        main(["extract", "--help"])
    assert e.value.code == 0
    options = " ".join(capsys.readouterr().out.split()).split("options:", 1)[1]
    for option, words in (("--videos", "folder"), ("--labels", "CSV"), ("--out", ".npz"), ("--force", "replace")):
        assert f"{option} " in options and words in options.split(option, 1)[1][:80], (option, options)


def test_split_by_a_field_no_clip_has_is_refused_too(tmp_path, capsys, tagged):
    capsys.readouterr()
    assert main(["split", "--keypoints", str(tagged), "--by", "colour", "--out-train", str(tmp_path / "tr.npz"),
                 "--out-test", str(tmp_path / "te.npz")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--by 'colour'" in err and "content, style" in err, err
    assert not (tmp_path / "tr.npz").exists()
