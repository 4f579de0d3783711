"""`nvhai-train` given bad input (issue 23, items 4-6): bad numbers refused by argparse before any work;
BVH files, checkpoints, labels and metadata that are not what they claim refused in one line naming the
file; an Excel CSV's byte-order mark read. Runs the CLI's own `main()` as test_faults.py does."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from swaying import motion

from nvhai_predictor.model_runner import default_model_path
from nvhai_training.cli import main
from nvhai_training.keypoint_dataset import load_labels, save_clips


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.npz"
    save_clips(path, {f"c{i}": motion(150, i) for i in range(3)}, {"c0": "laughing"})
    return path


def refused(capsys, argv: list[str], *names: str) -> str:
    """A known error: exit 1 and one stderr line `nvhai-train COMMAND: ...` naming `names` (after any progress bar)."""
    capsys.readouterr()
    assert main(argv) == 1, f"{argv} was accepted"
    err = capsys.readouterr().err.strip()
    last = err.splitlines()[-1]
    assert sum(line.startswith("nvhai-train") for line in err.splitlines()) == 1, err
    assert last.startswith(f"nvhai-train {argv[0]}:"), err
    assert "Traceback" not in err and all(n in last for n in names), err
    print(last)
    return last


def usage_error(capsys, argv: list[str], *names: str) -> str:
    """Refused by argparse before any work: exit 2, its last stderr line naming the option and value."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "error:" in last and all(n in last for n in names), last
    return last


@pytest.mark.parametrize("args, names", [
    (["train", "--train", "GOOD", "--stride", "0"], ["--stride", "'0'"]),
    (["train", "--train", "GOOD", "--stride", "-1"], ["--stride", "'-1'"]),
    (["train", "--train", "GOOD@0"], ["--train", "stride"]),
    (["train", "--train", "GOOD@x"], ["--train", "stride"]),
    (["train", "--train", "GOOD:nan"], ["--train", "weight"]),
    (["train", "--train", "GOOD", "--eval-every", "0"], ["--eval-every"]),
    (["train", "--train", "GOOD", "--epochs", "0"], ["--epochs"]),
    (["train", "--train", "GOOD", "--batch-size", "0"], ["--batch-size"]),
    (["train", "--train", "GOOD", "--lr", "nan"], ["--lr"]),
    (["evaluate", "--model", "M.onnx", "--keypoints", "GOOD", "--stride", "0"], ["--stride"]),
    (["import-bvh", "--bvh-dir", ".", "--views", "0"], ["--views"]),
    (["synth", "--count", "-5"], ["--count"]),
    (["split", "--keypoints", "GOOD", "--test-fraction", "1.5"], ["--test-fraction"]),
    (["plot", "--log", "runs/a/log.csv"], ["--log", "NAME=PATH"]),
    (["train", "--train", "GOOD", "--time-warp-share", "*good*=1.5"], ["--time-warp-share", "'*good*=1.5'", "[0, 1]"]),
    (["train", "--train", "GOOD", "--time-warp-share", "0.15"], ["--time-warp-share", "PATTERN=SHARE"]),
])
def test_bad_numbers_and_specs_are_refused_before_any_work(tmp_path, capsys, good, args, names):
    args = [a.replace("GOOD", str(good)) for a in args] + ["--out", str(tmp_path / "run")]
    if args[0] == "split":
        args = [*args[:-2], "--out-train", str(tmp_path / "a.npz"), "--out-test", str(tmp_path / "b.npz")]
    usage_error(capsys, args, *names)
    assert not (tmp_path / "run").exists()


BVH_HEAD = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Head
  {
    OFFSET 0 10 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 5 0
    }
  }
}
"""


def bvh(frames: int, declared: int | None = None, frame_time: str = "0.0333333", value: str = "1.0") -> str:
    rows = "\n".join(" ".join([value] * 9) for _ in range(frames))
    return f"{BVH_HEAD}MOTION\nFrames: {declared or frames}\nFrame Time: {frame_time}\n{rows}\n"


@pytest.mark.parametrize("text, names", [
    ("", ["empty file"]),
    (BVH_HEAD, ["no MOTION"]),
    (bvh(10, frame_time="0"), ["Frame Time: 0"]),
    (bvh(5, declared=10), ["declares 10 frames", "5 complete"]),
    (bvh(10, value="nan"), ["NaN/inf", "frame 0"]),
    (bvh(10), ["another rig", "CC_Base_Head"]),  # a valid file of a rig this importer does not map
])
def test_import_bvh_names_the_file_and_what_is_wrong_with_it(tmp_path, capsys, text, names):
    folder = tmp_path / "bvh"
    folder.mkdir()
    (folder / "clip01.bvh").write_text(text)
    refused(capsys, ["import-bvh", "--bvh-dir", str(folder), "--out", str(tmp_path / "b.npz")], "clip01.bvh", *names)
    assert not (tmp_path / "b.npz").exists()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ckpt")
    data = tmp / "d.npz"
    save_clips(data, {f"c{i}": motion(150, i) for i in range(3)})
    assert main(["train", "--arch", "residual_linear", "--train", str(data), "--stride", "10", "--epochs", "1",
                 "--out", str(tmp / "run")]) == 0
    return tmp / "run" / "model.pt"


@pytest.mark.parametrize("case", ["arch disagrees with weights", "bare state_dict", "not a checkpoint"])
def test_export_refuses_what_is_not_a_checkpoint_of_its_own(tmp_path, capsys, checkpoint, case):
    ckpt = torch.load(checkpoint, map_location="cpu", weights_only=True)
    bad = tmp_path / "bad.pt"
    if case == "arch disagrees with weights":
        config = json.loads(ckpt["config"])
        torch.save({**ckpt, "config": json.dumps({**config, "arch": "mlp"})}, bad)
        names = ["weights do not fit", "'mlp'"]
    elif case == "bare state_dict":
        torch.save(ckpt["state_dict"], bad)
        names = ["bare state_dict"]
    else:
        bad.write_bytes(b"\x80\x04not a pickle at all" * 10)
        names = ["not a checkpoint"]
    refused(capsys, ["export", "--checkpoint", str(bad), "--out", str(tmp_path / "m.onnx")], "bad.pt", *names)
    assert not (tmp_path / "m.onnx").exists()


def test_labels_meta_and_clips_that_are_not_what_they_claim(tmp_path, capsys, good):
    labels = good.with_name("good.labels.csv")
    labels.write_text("clip,emotion\nc0,laughing\nc1\n")
    refused(capsys, ["split", "--keypoints", str(good), "--out-train", str(tmp_path / "a.npz"),
                     "--out-test", str(tmp_path / "b.npz")], "good.labels.csv", "line 3", "emotion")
    labels.write_text("clip,emotion\n")
    good.with_name("good.meta.json").write_text(json.dumps([{"content": "walk"}]))
    refused(capsys, ["label", "--keypoints", str(good), "--out", str(tmp_path / "l.npz")], "good.meta.json", "list")
    complex_clips = tmp_path / "complex.npz"
    np.savez(complex_clips, c0=motion(150).astype(np.complex64))
    refused(capsys, ["evaluate", "--model", default_model_path(), "--keypoints", str(complex_clips)], "complex.npz",
            "complex64",
            "real numbers")


def test_an_excel_labels_csv_with_a_byte_order_mark_is_read(good):
    good.with_name("good.labels.csv").write_bytes("clip,emotion\r\nc0,laughing\r\nc2,neutral\r\n".encode("utf-8-sig"))
    assert load_labels(good) == {"c0": "laughing", "c2": "neutral"}


def test_a_time_warp_share_that_matches_no_training_file_is_refused_before_training(tmp_path, capsys, good):
    refused(capsys, ["train", "--train", str(good), "--time-warp-share", "*msrc*=0.15", "--out", str(tmp_path / "run")],
            "--time-warp-share", "'*msrc*'", "good.npz")
    assert not (tmp_path / "run").exists()


def test_a_time_warp_skip_that_matches_no_training_file_is_refused_before_training(tmp_path, capsys, good):
    refused(capsys, ["train", "--train", f"{good}@2", "--time-warp", "0.3", "--time-warp-skip", "*msrc*",
                     "--out", str(tmp_path / "run")], "--time-warp-skip", "'*msrc*'", "good.npz")
    assert not (tmp_path / "run").exists()
