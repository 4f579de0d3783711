"""Results do not vanish (issue 34, item 9): every `nvhai-train` command that writes a result refuses, before any
work, to write over one that exists (one line naming it, exit 1, the file untouched) and replaces it with
`--force`; `extract` writes no empty dataset at all. Runs the CLI's own `main()` as the other CLI tests do."""

from __future__ import annotations

import pytest
from swaying import motion

from nvhai_training.cli import main
from nvhai_training.keypoint_dataset import load_clips, save_clips

EARLIER = b"an earlier result"


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "data.npz"
    save_clips(path, {f"c{i}": motion(150, i) for i in range(4)})
    return path


def commands(tmp_path, data) -> dict[str, tuple[list[str], str]]:
    """command -> (argv, the output it writes, relative to tmp_path)"""
    (tmp_path / "bvh").mkdir(exist_ok=True)
    (tmp_path / "videos").mkdir(exist_ok=True)
    log = tmp_path / "log.csv"
    log.write_text("epoch,train_loss,test_mae\n1,0.5,0.4\n2,0.4,0.3\n")
    return {
        "synth": (["synth", "--count", "4", "--out", str(tmp_path / "synth.npz")], "synth.npz"),
        "synth without .npz": (["synth", "--count", "4", "--out", str(tmp_path / "plain")], "plain.npz"),
        "import-bvh": (["import-bvh", "--bvh-dir", str(tmp_path / "bvh"), "--out", str(tmp_path / "b.npz")], "b.npz"),
        "import-humanml3d": (["import-humanml3d", "--joints-dir", str(tmp_path / "bvh"), "--out",
                              str(tmp_path / "h.npz")], "h.npz"),
        "extract": (["extract", "--videos", str(tmp_path / "videos"), "--out", str(tmp_path / "x.npz")], "x.npz"),
        "label": (["label", "--keypoints", str(data), "--out", str(tmp_path / "lab.npz")], "lab.npz"),
        "label in place": (["label", "--keypoints", str(data), "--out", str(data)], "data.npz"),
        "split (train)": (["split", "--keypoints", str(data), "--test-groups", "c0", "--out-train",
                           str(tmp_path / "tr.npz"), "--out-test", str(tmp_path / "te_new.npz")], "tr.npz"),
        "split (test)": (["split", "--keypoints", str(data), "--test-groups", "c0", "--out-train",
                          str(tmp_path / "tr_new.npz"), "--out-test", str(tmp_path / "te.npz")], "te.npz"),
        "train": (["train", "--arch", "residual_linear", "--train", str(data), "--epochs", "1", "--stride", "10",
                   "--out", str(tmp_path / "run")], "run/model.pt"),
        "train (log only)": (["train", "--arch", "residual_linear", "--train", str(data), "--epochs", "1",
                              "--stride", "10", "--out", str(tmp_path / "run2")], "run2/log.csv"),
        "export": (["export", "--checkpoint", str(tmp_path / "ckpt.pt"), "--out", str(tmp_path / "m.onnx")], "m.onnx"),
        "evaluate --plot": (["evaluate", "--model", "m.onnx", "--keypoints", str(data), "--plot",
                             str(tmp_path / "groups.png")], "groups.png"),
        "plot": (["plot", "--log", f"a={log}", "--out", str(tmp_path / "mae.png")], "mae.png"),
        "plot-tiers": (["plot-tiers", "--scratch", str(log), "--tier", f"9k={log}", "--out", str(tmp_path / "t.png")],
                       "t.png"),
    }


@pytest.mark.parametrize("command", ["synth", "synth without .npz", "import-bvh", "import-humanml3d", "extract",
                                     "label", "label in place", "split (train)", "split (test)", "train",
                                     "train (log only)", "export", "evaluate --plot", "plot", "plot-tiers"])
def test_an_existing_result_is_refused_in_one_line_and_kept(tmp_path, capsys, data, command):
    argv, output = commands(tmp_path, data)[command]
    path = tmp_path / output
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(EARLIER)
    capsys.readouterr()
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith(f"nvhai-train {argv[0]}:") and str(path) in err and "exists already" in err \
        and "--force" in err, err
    assert path.read_bytes() == EARLIER


@pytest.mark.parametrize("command", ["synth", "label in place", "split (train)", "train", "plot"])
def test_force_replaces_it(tmp_path, data, command):
    argv, output = commands(tmp_path, data)[command]
    path = tmp_path / output
    if command != "label in place":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(EARLIER)
    assert main([*argv, "--force"]) == 0
    assert path.read_bytes() != EARLIER
    if path.suffix == ".npz":
        assert load_clips(path)


def test_extract_writes_no_empty_dataset(tmp_path, capsys):
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "broken.mp4").write_bytes(b"not a video")
    out = tmp_path / "real.npz"
    capsys.readouterr()
    assert main(["extract", "--videos", str(videos), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "no clip extracted" in err and "unreadable 1" in err and "nothing written" in err, err
    assert not out.exists()
    out.write_bytes(EARLIER)  # an earlier dataset is kept even with --force when nothing was extracted
    assert main(["extract", "--videos", str(videos), "--out", str(out), "--force"]) == 1
    assert out.read_bytes() == EARLIER
