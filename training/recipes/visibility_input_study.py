"""Study (nothing ships): does the forecaster gain from *seeing* which keypoints the camera saw?

The shipped path masks only: unseen keypoints are completed (nvhai_predictor/visibility.py) and left out of the
losses and scores, and the model never learns which were seen. The variant here is `residual_mlp` with 34 more
inputs to its pose MLP: per keypoint, unseen in the window's last frame (17 flags) and the share of the 60 frames
it was unseen in (17). Both are 0 for a fully seen window; their weights start at 0 and no other initial weight
changes (no extra random draw), so the untrained variant is the untrained baseline, and on mocap windows the two
differ only through what training on camera-effect windows taught them.

The flags come from where the live window gets them: camera_effects (its input seen flags) for the mocap and Kinect
training windows, a keypoint's confidence >= the window's min_confidence for extracted footage (clip_seen); a window
with neither is all seen.

    # train the variant with the baseline's own `nvhai-train train` arguments (run in the folder they name)
    python visibility_input_study.py train -- <nvhai-train train arguments>
    # score baseline and variant (torch, seen-aware) next to zero-velocity on the same windows
    python visibility_input_study.py score --baseline B/model.pt --variant V/model.pt --mocap msrc_test.npz@10 \\
        cmu_test.npz@1 --real real_video.npz@1 --out vis_study.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from nvhai_common.coco17 import NUM_KEYPOINTS
from nvhai_predictor.window import sliding_windows
from nvhai_training import train as train_module
from nvhai_training.camera_effects import apply as apply_camera_effects
from nvhai_training.keypoint_dataset import clip_seen, load_clips, load_labels, load_metadata, make_windows, split_spec
from nvhai_training.metrics import forecast_metrics, zero_velocity
from nvhai_training.models import FEATURES, ResidualPoseMLP

VIS_FEATURES = 2 * NUM_KEYPOINTS  # unseen in the last frame, unseen share over the window


def visibility_features(seen: torch.Tensor) -> torch.Tensor:
    """(B, T_in, 17) seen flags -> (B, 34): unseen in the last frame, share of frames unseen (0 = all seen)."""
    seen = seen.float()
    return torch.cat([1.0 - seen[:, -1], 1.0 - seen.mean(1)], dim=1)


class _Pending:
    """The seen flags of the batch the training loop is about to feed the model (set by the patched camera_batch)."""

    seen: torch.Tensor | None = None


class VisibilityPoseMLP(ResidualPoseMLP):
    """residual_mlp whose pose MLP also reads `visibility_features` of the input window's seen flags."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        first = self.pose_mlp[0]
        weight = torch.zeros(first.out_features, first.in_features + VIS_FEATURES)  # no random draw
        weight[:, : first.in_features] = first.weight.detach()
        first.weight = torch.nn.Parameter(weight)
        first.in_features += VIS_FEATURES

    def forward(self, x: torch.Tensor, seen: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[override]
        if seen is None:
            pending, _Pending.seen = _Pending.seen, None
            seen = pending if pending is not None and len(pending) == len(x) else torch.ones(
                len(x), x.shape[1], NUM_KEYPOINTS, dtype=torch.bool)
        future, logits = super(ResidualPoseMLP, self).forward(x)  # linear path and emotion branch
        rel = x - x[:, -1:]
        features = torch.cat([torch.matmul(self.dct_in[: self.k], rel).flatten(1), x[:, -1],
                              visibility_features(seen).to(x.device)], dim=1)
        return future + self.pose_mlp(features), logits


def _camera_batch_with_input_seen(x, y, rng, effects):
    xn, yn, seen, input_seen = apply_camera_effects(x.numpy(), y.numpy(), rng, effects, input_seen=True)
    _Pending.seen = torch.from_numpy(input_seen)
    return torch.from_numpy(np.asarray(xn, np.float32)), torch.from_numpy(np.asarray(yn, np.float32)), seen


def train_variant(argv: list[str]) -> int:
    """`nvhai-train train` with the variant model and the camera's input seen flags handed to it; nothing else
    changes (the same data, augmentations, random draws and checkpoint format; arch stays 'residual_mlp' in the
    config, the pose MLP's first weight is 34 columns wider)."""
    from nvhai_training.cli import main

    def build(name: str, t_in: int = 60, t_out: int = 30, n_labels: int = 4):
        if name != "residual_mlp":
            raise ValueError(f"the study's variant is residual_mlp's, not {name}'s")
        return VisibilityPoseMLP(t_in, t_out, n_labels)

    train_module.build_model = build
    train_module.camera_batch = _camera_batch_with_input_seen
    return main(["train", *argv])


def load_model(path: str | Path) -> tuple[torch.nn.Module, bool]:
    """A checkpoint of either model, and whether it reads seen flags (by its pose MLP's width)."""
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    config = json.loads(ckpt["config"])
    state = ckpt["state_dict"]
    reads_seen = state["pose_mlp.0.weight"].shape[1] == 20 * FEATURES + FEATURES + VIS_FEATURES
    model = (VisibilityPoseMLP if reads_seen else ResidualPoseMLP)(config["t_in"], config["t_out"],
                                                                   len(config["labels"]))
    model.load_state_dict(state)
    return model.eval(), reads_seen


def windows_with_input_seen(path: str, stride: int, t_in: int = 60, t_out: int = 30):
    """make_windows (the evaluate path: completion, normalisation, target seen flags) plus (N, T_in, 17) input seen
    flags cut the same way, and each window's clip name."""
    clips = load_clips(path)
    windows = make_windows(clips, load_labels(path), t_in, t_out, stride)
    names = sorted(clips)
    seen_parts = []
    for name in names:  # make_windows' order: sorted clips, windows in time order
        xs, _ = sliding_windows(clip_seen(clips[name]), t_in, t_out, stride)
        seen_parts.append(xs)
    input_seen = np.concatenate(seen_parts) if seen_parts else np.ones(windows.inputs.shape[:3], bool)
    assert len(input_seen) == len(windows)
    return windows, input_seen, np.array([names[i] for i in windows.clip_index])


def forecast(model: torch.nn.Module, reads_seen: bool, inputs: np.ndarray, input_seen: np.ndarray | None,
             batch: int = 1024) -> np.ndarray:
    out = []
    with torch.no_grad():
        for i in range(0, len(inputs), batch):
            x = torch.from_numpy(inputs[i:i + batch]).flatten(2)
            if reads_seen:
                s = torch.ones(x.shape[0], x.shape[1], NUM_KEYPOINTS, dtype=torch.bool) if input_seen is None \
                    else torch.from_numpy(input_seen[i:i + batch])
                future, _ = model(x, s)
            else:
                future, _ = model(x)
            out.append(future.view(len(x), -1, NUM_KEYPOINTS, 2).numpy())
    return np.concatenate(out)


def _block(future: np.ndarray, targets: np.ndarray, seen: np.ndarray, zv: np.ndarray) -> dict:
    m, z = forecast_metrics(future, targets, seen)["mae"], forecast_metrics(zv, targets, seen)["mae"]
    return {"windows": len(targets), "mae": m, "mae_zero_velocity": z, "ratio": m / z if z > 0 else None}


def score(a: argparse.Namespace) -> dict:
    models = {"baseline": load_model(a.baseline), "variant": load_model(a.variant)}
    if models["baseline"][1] or not models["variant"][1]:
        raise SystemExit("--baseline must be a plain residual_mlp checkpoint and --variant the study's")
    # The variant told every keypoint was seen: how much of its change is the flags', not its training's.
    runs = {"baseline": (*models["baseline"], True), "variant": (*models["variant"], True),
            "variant_told_all_seen": (*models["variant"], False)}
    result: dict = {"baseline": str(a.baseline), "variant": str(a.variant), "files": {}}
    pooled: dict[str, list] = {"mocap": [], "real": []}
    for kind, specs in (("mocap", a.mocap), ("real", a.real)):
        for spec in specs:
            path, stride, _ = split_spec(spec)
            windows, input_seen, clip = windows_with_input_seen(path, int(stride or 1))
            zv = zero_velocity(windows.inputs, windows.targets.shape[1])
            futures = {name: forecast(m, reads, windows.inputs, input_seen if use_flags else None)
                       for name, (m, reads, use_flags) in runs.items()}

            def blocks(sel, futures=futures, windows=windows, zv=zv) -> dict:
                return {name: _block(f[sel], windows.targets[sel], windows.target_seen[sel], zv[sel])
                        for name, f in futures.items()}
            entry = {"stride": int(stride or 1), "clips": len(set(clip.tolist())),
                     "input_keypoints_seen": float(input_seen.mean()),
                     "target_keypoints_seen": float(windows.target_seen.mean()),
                     **blocks(slice(None))}
            cut = ~input_seen[:, -1].all(-1)  # a keypoint unseen in the newest frame: where the flags say something
            entry["by_last_frame"] = {
                part: {"share": float(sel.mean()), **blocks(sel)}
                for part, sel in (("some_unseen", cut), ("all_seen", ~cut)) if sel.any()}
            if kind == "real":
                meta = load_metadata(path)
                per_clip = {}
                for c in sorted(set(clip.tolist())):
                    sel = clip == c
                    per_clip[c] = {"framing": meta.get(c, {}).get("framing"), "windows": int(sel.sum()), **blocks(sel)}
                entry["clips_detail"] = per_clip
                framings = sorted({v["framing"] for v in per_clip.values()})
                entry["framings"] = {}
                for fr in framings:
                    sel = np.array([per_clip[c]["framing"] == fr for c in clip])
                    names = [c for c, v in per_clip.items() if v["framing"] == fr]
                    entry["framings"][fr] = {
                        "clips": len(names),
                        **{name: {**block, "mean_clip_ratio": float(np.mean([per_clip[c][name]["ratio"] for c in names]))}
                           for name, block in blocks(sel).items()}}
                entry["mean_clip_ratio"] = {name: float(np.mean([v[name]["ratio"] for v in per_clip.values()]))
                                            for name in futures}
            result["files"][path] = entry
            pooled[kind].append((futures, windows.targets, windows.target_seen, zv))
    result["pooled"] = {}
    for kind, parts in pooled.items():
        if not parts:
            continue
        targets = np.concatenate([p[1] for p in parts])
        seen = np.concatenate([p[2] for p in parts])
        zv = np.concatenate([p[3] for p in parts])
        result["pooled"][kind] = {name: _block(np.concatenate([p[0][name] for p in parts]), targets, seen, zv)
                                  for name in runs}
    return result


MODELS = ("baseline", "variant", "variant_told_all_seen")


def summarize(scores: list[dict]) -> tuple[dict, str]:
    """Score JSONs of several seeds (each one baseline/variant pair) -> the figures per seed and their mean, and a
    markdown table of MAE / zero-velocity MAE."""
    rows: dict[str, dict[str, list[float]]] = {}

    def add(row: str, block: dict, key: str = "ratio") -> None:
        for m in MODELS:
            rows.setdefault(row, {}).setdefault(m, []).append(block[m][key])

    per_clip: dict[str, dict] = {}
    for sc in scores:
        for path, e in sc["files"].items():
            name = Path(path).name.removesuffix(".npz")
            add(f"{name} (stride {e['stride']}, {e['baseline']['windows']} windows), pooled", e)
            for part, block in e["by_last_frame"].items():
                if part == "some_unseen":
                    add(f"{name} windows with a keypoint unseen in the last frame ({block['share']:.0%}), pooled", block)
            if "framings" in e:
                add(f"{name}: mean of the {e['clips']} clip ratios",
                    {m: {"ratio": v} for m, v in e["mean_clip_ratio"].items()})
                for fr, g in e["framings"].items():
                    add(f"{name} {fr} ({g['clips']} clips): mean clip ratio", g, "mean_clip_ratio")
                    add(f"{name} {fr} ({g['clips']} clips): pooled", g)
                for c, v in e["clips_detail"].items():
                    d = per_clip.setdefault(c, {"framing": v["framing"], "windows": v["windows"]})
                    for m in MODELS:
                        d.setdefault(m, []).append(v[m]["ratio"])
        for kind, block in sc["pooled"].items():
            add(f"pooled {kind}", block)
    out = {"seeds": len(scores), "rows": {r: {m: {"per_seed": v, "mean": float(np.mean(v))} for m, v in ms.items()}
                                          for r, ms in rows.items()},
           "clips": per_clip}
    lines = ["| MAE / zero-velocity MAE | baseline | variant (visibility input) | variant, told all seen | "
             "variant - baseline (mean; per seed) |", "|---|---|---|---|---|"]
    for r, ms in rows.items():
        diff = [v - b for v, b in zip(ms["variant"], ms["baseline"], strict=True)]
        lines.append(f"| {r} | " + " | ".join(f"{np.mean(ms[m]):.4f}" for m in MODELS)
                     + f" | {np.mean(diff):+.4f} ({', '.join(f'{d:+.3f}' for d in diff)}) |")
    lines += ["", "| clip | framing | windows | baseline | variant | variant - baseline (per seed) |",
              "|---|---|---|---|---|---|"]
    for c, d in sorted(per_clip.items(), key=lambda kv: (kv[1]["framing"], kv[0])):
        diff = [v - b for v, b in zip(d["variant"], d["baseline"], strict=True)]
        lines.append(f"| {c} | {d['framing']} | {d['windows']} | {np.mean(d['baseline']):.3f} | "
                     f"{np.mean(d['variant']):.3f} | {np.mean(diff):+.3f} ({', '.join(f'{x:+.3f}' for x in diff)}) |")
    return out, "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    torch.set_num_threads(1)
    if argv[:1] == ["train"]:
        rest = argv[1:]
        return train_variant(rest[1:] if rest[:1] == ["--"] else rest)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("score")
    s.add_argument("--baseline", required=True)
    s.add_argument("--variant", required=True)
    s.add_argument("--mocap", nargs="*", default=[], help="held-out mocap files, file.npz@STRIDE")
    s.add_argument("--real", nargs="*", default=[], help="extracted camera footage, file.npz@STRIDE")
    s.add_argument("--out", required=True)
    m = sub.add_parser("summarize", help="score JSONs of several seeds -> mean figures (JSON) and a markdown table")
    m.add_argument("scores", nargs="+")
    m.add_argument("--json", required=True)
    m.add_argument("--md", required=True)
    a = p.parse_args(argv)
    if a.command == "summarize":
        out, table = summarize([json.loads(Path(f).read_text()) for f in a.scores])
        out["score_files"] = a.scores
        Path(a.json).write_text(json.dumps(out, indent=1))
        Path(a.md).write_text(table)
        return 0
    Path(a.out).write_text(json.dumps(score(a), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
