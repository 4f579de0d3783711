"""Fault injection against `nvhai-train` (issue 12, items 7 and 10): bad keypoint data, bad labels,
missing folders and models. Each case: a non-zero exit, one line on stderr naming the file and
what is wrong, no traceback, nothing written; and the same command on valid data still works."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from swaying import motion

from nvhai_predictor.model_runner import default_model_path
from nvhai_training.cli import main
from nvhai_training.keypoint_dataset import save_clips


@pytest.fixture
def good(tmp_path) -> Path:
    path = tmp_path / "good.npz"
    save_clips(path, {f"c{i}": motion(150, i) for i in range(3)}, {"c0": "laughing"})
    return path


def refused(capsys, argv: list[str], *names: str) -> str:
    """Run the CLI in-process: it must return non-zero with one stderr line naming `names`."""
    capsys.readouterr()
    assert main(argv) != 0, f"{argv} was accepted"
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith(f"nvhai-train {argv[0]}:"), err
    assert "Traceback" not in err and all(n in err for n in names), err
    return err


def evaluates(capsys, model: str, keypoints: Path) -> dict:
    capsys.readouterr()
    assert main(["evaluate", "--model", model, "--keypoints", str(keypoints), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


# 7 -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("poison", [np.nan, np.inf])
def test_train_and_evaluate_refuse_non_finite_keypoints(tmp_path, capsys, good, poison):
    clips = {f"c{i}": motion(150, i) for i in range(3)}
    clips["c1"][40, 5, 0] = poison
    save_clips(tmp_path / "bad.npz", clips)
    err = refused(capsys, ["train", "--train", str(tmp_path / "bad.npz"), "--epochs", "1", "--stride", "10",
                           "--out", str(tmp_path / "run")], "bad.npz", "'c1'", "NaN/inf", "frame 40")
    assert not (tmp_path / "run" / "model.pt").exists(), "no model may be written from NaN data"
    assert "fix or drop" in err
    refused(capsys, ["evaluate", "--model", default_model_path(), "--keypoints", str(tmp_path / "bad.npz")],
            "bad.npz", "NaN/inf")
    result = evaluates(capsys, default_model_path(), good)
    assert np.isfinite(result["model_metrics"]["mae"])


def test_train_refuses_data_without_a_single_window(tmp_path, capsys, good):
    save_clips(tmp_path / "short.npz", {f"s{i}": motion(80, i) for i in range(4)})  # < 60 + 30 frames each
    refused(capsys, ["train", "--train", str(tmp_path / "short.npz"), "--epochs", "1", "--out", str(tmp_path / "run")],
            "0 windows", "shorter than input + output frames")
    assert not (tmp_path / "run" / "model.pt").exists()
    assert main(["train", "--train", str(good), "--epochs", "1", "--stride", "20", "--out", str(tmp_path / "ok")]) == 0
    assert (tmp_path / "ok" / "model.pt").exists()


# 10 ------------------------------------------------------------------------------------------
def test_labels_csv_without_its_header_is_refused(tmp_path, capsys, good):
    save_clips(tmp_path / "data.npz", {"c0": motion(150)})
    (tmp_path / "data.labels.csv").write_text("c0,laughing\n")  # no clip,emotion header line
    for argv in (["split", "--keypoints", str(tmp_path / "data.npz"), "--out-train", str(tmp_path / "a.npz"),
                  "--out-test", str(tmp_path / "b.npz")],
                 ["evaluate", "--model", default_model_path(), "--keypoints", str(tmp_path / "data.npz")]):
        refused(capsys, argv, "data.labels.csv", "clip,emotion")
    videos = tmp_path / "videos"
    videos.mkdir()
    refused(capsys, ["extract", "--videos", str(videos), "--labels", str(tmp_path / "data.labels.csv"),
                     "--out", str(tmp_path / "x.npz")], "data.labels.csv", "clip,emotion")
    assert evaluates(capsys, default_model_path(), good)["model_metrics"]["accuracy"] is not None


def test_npz_member_that_is_not_an_npy_array_is_refused(tmp_path, capsys, good):
    with zipfile.ZipFile(tmp_path / "odd.npz", "w") as z:
        z.writestr("notes.txt", "this is not an array")
    refused(capsys, ["train", "--train", str(tmp_path / "odd.npz"), "--epochs", "1", "--out", str(tmp_path / "r")],
            "odd.npz", "not a keypoint .npz")
    refused(capsys, ["evaluate", "--model", default_model_path(), "--keypoints", str(tmp_path / "odd.npz")], "odd.npz")
    evaluates(capsys, default_model_path(), good)


@pytest.mark.parametrize(("command", "option", "pattern"), [("import-bvh", "--bvh-dir", "*.bvh"),
                                                            ("import-humanml3d", "--joints-dir", "*.npy")])
def test_import_from_a_missing_or_empty_folder_writes_nothing(tmp_path, capsys, command, option, pattern):
    out = tmp_path / "out.npz"
    refused(capsys, [command, option, str(tmp_path / "nope"), "--out", str(out)], "nope", "no such folder")
    (tmp_path / "empty").mkdir()
    refused(capsys, [command, option, str(tmp_path / "empty"), "--out", str(out)], "empty", pattern)
    assert not out.exists(), "an import that read nothing must not write an empty dataset"


def test_evaluate_with_a_missing_model_through_the_installed_command(tmp_path, good):
    """The real `nvhai-train` executable: exit 1, one line, no traceback; then a real model works."""
    exe = [str(Path(sys.executable).with_name("nvhai-train"))]
    if not Path(exe[0]).exists():
        exe = [sys.executable, "-m", "nvhai_training.cli"]
    bad = subprocess.run([*exe, "evaluate", "--model", str(tmp_path / "nope.onnx"), "--keypoints", str(good)],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr, bad.stderr
    assert bad.stderr.strip().splitlines() == [f"nvhai-train evaluate: model file not found: {tmp_path / 'nope.onnx'}"]
    ok = subprocess.run([*exe, "evaluate", "--model", default_model_path(), "--keypoints", str(good), "--json"],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0 and json.loads(ok.stdout)["windows"] > 0, ok.stderr[-2000:]
