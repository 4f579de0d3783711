"""Time-warp augmentation: slowed, held windows made only of the window's own frames, in order."""

from __future__ import annotations

import numpy as np
import torch

from nvhai_training.train import TIME_WARP_MIN_SPEED, time_warp


def _ramp(batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Windows whose every coordinate at frame t equals t: a warped frame's value is the source time it shows."""
    t = torch.arange(90, dtype=torch.float32)[None, :, None, None].repeat(batch, 1, 17, 2)
    return t[:, :60], t[:, 60:]


def test_warped_windows_are_slowed_and_held_from_their_own_frames():
    x, y = _ramp(64)
    warped = np.arange(64) % 2 == 0
    wx, wy = time_warp(x, y, warped, np.random.default_rng(0))
    seq = torch.cat([wx, wy], dim=1)[..., 0, 0].numpy()  # (64, 90) source times
    kept = ~torch.from_numpy(warped)
    assert torch.equal(wx[kept], x[kept]) and torch.equal(wy[kept], y[kept])
    for row in seq[warped]:
        steps = np.diff(row)
        assert row.min() >= 0 and row.max() <= 89  # nothing beyond what the person did
        assert (steps >= -1e-5).all() and (steps <= 1 + 1e-5).all()  # in order, never faster than life
        still = np.flatnonzero(np.abs(steps) < 1e-5)
        assert len(still) and still.min() >= 29  # held from the last observed second on ...
        assert len(still) >= min(5, 89 - still.min())  # ... for 5+ frames, or to the window's end
        assert np.allclose(np.diff(still), 1)  # one hold
    assert seq[warped].std(axis=0).max() > 1  # each window draws its own speed and hold


def test_warped_windows_play_at_0_6_to_1x():
    x, y = _ramp(256)
    wx, wy = time_warp(x, y, np.ones(256, bool), np.random.default_rng(0))
    steps = np.diff(torch.cat([wx, wy], dim=1)[..., 0, 0].numpy()[:, :60], axis=1)  # the observed frames
    playing = steps[steps > 1e-5]  # not held
    assert playing.min() >= TIME_WARP_MIN_SPEED - 1e-5 and playing.max() <= 1 + 1e-5
    assert playing.min() < TIME_WARP_MIN_SPEED + 0.05  # the range is used down to its end


def test_nothing_warped_leaves_the_batch_alone():
    x, y = _ramp(4)
    wx, wy = time_warp(x, y, np.zeros(4, bool), np.random.default_rng(0))
    assert wx is x and wy is y


def test_time_warp_skip_marks_only_the_matching_files(tmp_path):
    from swaying import motion

    from nvhai_training.keypoint_dataset import load_windows, save_clips

    for name in ("mocap.npz", "msrc12.npz"):
        save_clips(tmp_path / name, {f"c{i}": motion(120, i) for i in range(2)})
    specs = [str(tmp_path / "mocap.npz"), f"{tmp_path / 'msrc12.npz'}@4:0.5"]
    windows = load_windows(specs, 1, 60, 30, no_warp=["*msrc*"])
    every = load_windows(specs, 1, 60, 30)
    assert np.isnan(every.warp_share).all()  # every window at the run's share
    skipped = windows.warp_share == 0
    assert (~skipped).sum() == 2 * 31  # mocap.npz's windows: 120 - 90 + 1 per clip
    assert skipped[windows.forecast_weight == 0.5].all()  # the @stride:weight file, matched by path
    assert len(windows.select(~skipped)) == 62


def test_time_warp_share_gives_matching_files_their_own_chance(tmp_path):
    from swaying import motion

    from nvhai_training.keypoint_dataset import load_windows, save_clips
    from nvhai_training.train import warp_shares

    for name in ("mocap.npz", "msrc12.npz", "synth.npz"):
        save_clips(tmp_path / name, {f"c{i}": motion(120, i) for i in range(2)})
    specs = [str(tmp_path / "mocap.npz"), f"{tmp_path / 'msrc12.npz'}@4:0.5", str(tmp_path / "synth.npz")]
    windows = load_windows(specs, 1, 60, 30, no_warp=["*synth*"], warp_share=[("*msrc*", 0.15), ("*ms*", 0.9)])
    share = warp_shares(windows, 0.5)
    msrc = windows.forecast_weight == 0.5
    assert np.all(share[msrc] == np.float32(0.15))  # the first matching pattern, not the later one
    assert (share == 0.5).sum() == 62 and (share == 0).sum() == 62  # mocap at the run's share, synth skipped
    # the share is the chance a window is warped: drawn as train() draws it
    drawn = np.random.default_rng(0).random((2000, len(share))) < share
    assert abs(drawn[:, msrc].mean() - 0.15) < 0.01 and abs(drawn[:, share == 0.5].mean() - 0.5) < 0.01
    assert not drawn[:, share == 0].any()
