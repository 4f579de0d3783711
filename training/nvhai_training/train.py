"""Training loop: loss = MSE(forecast) + 0.3 * CE(emotion, masked for unlabeled windows), Adam.

`forecast_loss="mse+l1"` adds the L1 error the forecast is scored with (MAE), `velocity_loss` an L1 on
frame-to-frame change (siMLPe's: a forecast must move like the person, not only end near them);
`bone_augment` randomises shoulder/hip widths per sample (converters, Kinect and MediaPipe disagree on
them), `x_scale_augment` the body's width in the image (a camera yawed by up to ~35° foreshortens it),
`time_warp` slows a share of windows and freezes them for a moment (people hold gestures),
`input_noise` adds Gaussian jitter to the observed window only (Kinect joints jitter by ~2 cm; the
model must forecast the motion, not the noise), `camera_effects` frames, cuts, occludes and slows a share of
windows as a camera would (camera_effects.py). Losses count the target keypoints that were seen.

Pretraining and finetuning are the same call; finetuning starts from `init` (a checkpoint of the
same architecture). The test MAE (and the zero-velocity baseline on the same windows) is logged
to CSV every `eval_every` epochs.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from nvhai_common.coco17 import FLIP_ORDER, NUM_KEYPOINTS
from nvhai_predictor.contract import EMOTION_LABELS, PAPER_LABELS
from nvhai_training.camera_effects import CameraEffects
from nvhai_training.camera_effects import apply as apply_camera_effects
from nvhai_training.keypoint_dataset import Windows
from nvhai_training.metrics import accuracy, forecast_metrics, zero_velocity
from nvhai_training.models import LEARNING_RATES, build_model


@dataclass
class TrainConfig:
    arch: str = "residual_dct"
    epochs: int = 200
    batch_size: int = 32
    lr: float | None = None  # None: the paper's rate for the architecture
    weight_decay: float = 1e-4
    # "adam": the paper's Adam with L2 weight decay. "adamw": decoupled decay; with gradients as
    # small as a forecast residual's, Adam's L2 term pulls a model back towards zero velocity.
    optimizer: str = "adam"
    ce_weight: float = 0.3
    eval_every: int = 5
    flip_augment: bool = True
    seed: int = 0
    t_in: int = 60
    t_out: int = 30
    threads: int = 0  # torch intra-op threads; 0 = torch's default
    device: str = "auto"  # auto: CUDA when present, else CPU
    labels: tuple[str, ...] = EMOTION_LABELS
    forecast_loss: str = "mse"  # "mse" (the paper's) or "mse+l1"
    bone_augment: float = 0.0  # max relative change of shoulder / hip half-widths, 0 = off
    label_smoothing: float = 0.0
    class_weights: bool = False  # weight CE by inverse class frequency of the labelled windows
    velocity_loss: float = 0.0  # weight of the L1 error of frame-to-frame change (0 = off)
    x_scale_augment: float = 0.0  # max relative change of the pose's width in the image, 0 = off
    time_warp: float = 0.0  # share of windows slowed and held still for a while (see time_warp()), 0 = off
    time_warp_skip: tuple[str, ...] = ()  # training files never warped (recorded; the windows carry `warp_share`)
    time_warp_share: tuple[tuple[str, float], ...] = ()  # (file pattern, share) instead of time_warp (recorded)
    input_noise: float = 0.0  # std of Gaussian noise added to the observed window (normalised units), 0 = off
    camera_effects: float = 0.0  # share of windows framed, cut, occluded and slowed as a camera would (camera_effects.py)
    lr_schedule: str = "constant"  # "constant" or "cosine" (decays to 0 over the epochs)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA device here (use --device auto or cpu)")
    return torch.device(name)


def check_windows(windows: Windows, what: str) -> None:
    """Refuse data that would train nothing or train NaN, before any epoch runs."""
    if not len(windows):
        raise ValueError(f"{what}: 0 windows (every clip is shorter than input + output frames)")
    for name in ("inputs", "targets"):
        bad = ~np.isfinite(getattr(windows, name)).all(axis=(1, 2, 3))
        if bad.any():
            clips = sorted(set(windows.clip_index[bad].tolist()))[:5]
            raise ValueError(f"{what}: {int(bad.sum())} windows with NaN/inf {name} (clip indices {clips}); "
                             "clean the keypoints first")


# Each side's shoulder/hip and the limb hanging from it: moved together, so bone lengths hold.
_CHAINS = {5: (5, 7, 9), 6: (6, 8, 10), 11: (11, 13, 15), 12: (12, 14, 16)}


def widen(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Scale shoulder and hip half-widths of (B, T, 17, 2) poses by factor (B, 2): [shoulders, hips]."""
    x = x.clone()
    for (a, b), f in (((5, 6), factor[:, 0]), ((11, 12), factor[:, 1])):
        mid = (x[:, :, a] + x[:, :, b]) / 2
        for side in (a, b):
            delta = (x[:, :, side] - mid) * (f[:, None, None] - 1)
            x[:, :, list(_CHAINS[side])] += delta[:, :, None]
    return x

def scale_x(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Scale (B, T, 17, 2) normalised poses' x by factor (B,): a yawed camera sees a narrower body."""
    x = x.clone()
    x[..., 0] *= factor[:, None, None]
    return x


def mirror(x: torch.Tensor) -> torch.Tensor:
    """Mirror (B, T, 17, 2) normalised poses left<->right."""
    x = x[:, :, list(FLIP_ORDER)].clone()
    x[..., 0] = -x[..., 0]
    return x


TIME_WARP_MIN_SPEED = 0.6  # the slowest a time-warped window plays, as a share of real time


def time_warp(x: torch.Tensor, y: torch.Tensor, warped: np.ndarray,
              rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Slow the `warped` windows of (B, T_in, 17, 2) inputs and (B, T_out, 17, 2) futures, and hold them still.

    Each warped window plays at 0.6-1x speed around its last observed frame and freezes for 5-60 frames
    from a frame of its last observed second or its future: people hold a pointing arm, or pause before waving
    back, longer than MSRC-12's brisk repetitions teach, and a forecaster that has only seen arms come straight back
    down overshoots held gestures (Bandai guide, call, bye). Only frames inside the window are resampled,
    linearly, so nothing is invented beyond what the person did. (A slower warp and holds at the wrists' furthest
    reach were studied for guide and not shipped: docs/model_history.md, *a slower time warp for guide*.)
    """
    n = int(warped.sum())
    if n == 0:
        return x, y
    t_in, t_out = x.shape[1], y.shape[1]
    mask = torch.from_numpy(warped)
    seq = torch.cat([x[mask], y[mask]], dim=1)  # (n, T, 17, 2)
    total = t_in + t_out
    t = np.arange(total, dtype=np.float64)[None]
    speed = rng.uniform(TIME_WARP_MIN_SPEED, 1.0, (n, 1))
    start = rng.integers(t_in - t_out, total, (n, 1))  # in the last observed second or the future: a held pose may stay held
    length = rng.integers(5, 61, (n, 1))  # up to 2 s: long enough to hold through the whole forecast
    # the held output frames map to one source frame, the rest shift back by the hold; held lies in [0, total)
    # and speed <= 1 around the last observed frame, so src stays inside the window (no clipping needed)
    held = np.where(t < start, t, np.where(t < start + length, start, t - length))
    src = (t_in - 1) + speed * (held - (t_in - 1))
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, total - 1)
    frac = torch.from_numpy((src - lo).astype(np.float32))[:, :, None, None]
    rows = np.arange(n)[:, None]
    out = seq[rows, lo] * (1 - frac) + seq[rows, hi] * frac
    x, y = x.clone(), y.clone()
    x[mask], y[mask] = out[:, :t_in], out[:, t_in:]
    return x, y


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per row, the mean of `values` where `mask` is 1 (0 for a row with nothing seen)."""
    return (values * mask).sum(1) / mask.sum(1).clamp(min=1.0)


def camera_batch(x: torch.Tensor, y: torch.Tensor, rng: np.random.Generator, effects: CameraEffects
                 ) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """camera_effects.apply on a batch of torch windows: inputs, targets and the targets' seen flags."""
    xn, yn, seen = apply_camera_effects(x.numpy(), y.numpy(), rng, effects)
    return torch.from_numpy(np.asarray(xn, np.float32)), torch.from_numpy(np.asarray(yn, np.float32)), seen


def warp_shares(windows: Windows, default: float) -> np.ndarray:
    """Each window's chance of a time warp: its file's own share where it has one, else `default`."""
    return np.where(np.isnan(windows.warp_share), default, windows.warp_share)


def predict(model: nn.Module, windows: Windows, batch: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(N, T_out, 17, 2) forecasts and (N, n_labels) probabilities of a torch model."""
    model.eval()
    device = next(model.parameters()).device
    futures, probs = [], []
    with torch.no_grad():
        for i in range(0, len(windows), batch):
            x = torch.from_numpy(windows.inputs[i:i + batch]).flatten(2).to(device)
            future, logits = model(x)
            futures.append(future.view(len(x), -1, NUM_KEYPOINTS, 2).cpu().numpy())
            probs.append(torch.softmax(logits, -1).cpu().numpy())
    if not futures:
        return np.empty_like(windows.targets), np.empty((0, 0), np.float32)
    return np.concatenate(futures), np.concatenate(probs)


def evaluate_model(model: nn.Module, windows: Windows) -> dict[str, float | None]:
    future, probs = predict(model, windows)
    out: dict[str, float | None] = dict(forecast_metrics(future, windows.targets, windows.target_seen))
    out["mae_zero_velocity"] = forecast_metrics(zero_velocity(windows.inputs, windows.targets.shape[1]),
                                                windows.targets, windows.target_seen)["mae"]
    out["accuracy"] = accuracy(probs, windows.labels)
    return out


def load_checkpoint(path: str | Path) -> tuple[nn.Module, dict]:
    """The model and training config of a `train` checkpoint (model.pt); ValueError (one line) for any other file."""
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as e:  # UnpicklingError, RuntimeError ("not a zip archive"), EOFError: not a torch file
        raise ValueError(f"{path}: not a checkpoint written by `nvhai-train train` "
                         f"(torch.load: {type(e).__name__})") from None
    if not isinstance(ckpt, dict) or not {"config", "state_dict"} <= set(ckpt):
        raise ValueError(f"{path}: a bare state_dict or other torch file, not a checkpoint written by "
                         "`nvhai-train train` (it needs 'config' and 'state_dict')")
    config: dict = {}
    try:
        config = json.loads(ckpt["config"])
        config["labels"] = tuple(config.get("labels", PAPER_LABELS))  # checkpoints before "neutral" had three
        model = build_model(config["arch"], config["t_in"], config["t_out"], len(config["labels"]))
        model.load_state_dict(ckpt["state_dict"])
    except (RuntimeError, KeyError, TypeError, ValueError) as e:  # load_state_dict: missing/unexpected/size mismatch
        what = " ".join(str(e).split())[:300] or type(e).__name__
        c = config if isinstance(config, dict) else {}
        raise ValueError(f"{path}: its weights do not fit its config (arch {c.get('arch')!r}, t_in {c.get('t_in')}, "
                         f"t_out {c.get('t_out')}): {what}") from None
    config["class_weight_values"] = ckpt.get("class_weight_values")
    return model, config


@contextmanager
def flushed_subnormals() -> Iterator[None]:
    """Treat subnormal floats as zero on the CPU while training. Weight decay drives weights and Adam's
    moment estimates towards zero; once many are subnormal, each CPU operation on them is 10-15x slower.
    This happened to the paper's MLP here: about 1,900 training windows/s fell to 130 by epoch 9. Values
    that small do not change a forecast. The previous state comes back afterwards: it is process-wide CPU
    state, and other code in the process (hypothesis, numpy users) needs IEEE subnormals."""
    was_on = torch.tensor([1e-39]).item() == 0.0  # torch has no getter; a flushed subnormal reads 0
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(was_on)


def train(config: TrainConfig, train_set: Windows, test_set: Windows | None, out_dir: str | Path,
          init: str | Path | None = None, progress: bool = True) -> dict:
    """Train, log to out_dir/log.csv, save out_dir/model.pt; returns the last test metrics."""
    with flushed_subnormals():
        return _train(config, train_set, test_set, out_dir, init, progress)


def _train(config: TrainConfig, train_set: Windows, test_set: Windows | None, out_dir: str | Path,
           init: str | Path | None, progress: bool) -> dict:
    check_windows(train_set, "training data")
    if test_set is not None and len(test_set):
        check_windows(test_set, "test data")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    device = pick_device(config.device)
    rng = np.random.default_rng(config.seed)
    n_labels = len(config.labels)
    if init:
        model, init_config = load_checkpoint(init)
        if init_config["arch"] != config.arch:
            raise ValueError(f"--init is a {init_config['arch']} checkpoint, training {config.arch}")
        if tuple(init_config["labels"]) != tuple(config.labels):
            raise ValueError(f"--init has labels {init_config['labels']}, training {config.labels}")
    else:
        model = build_model(config.arch, config.t_in, config.t_out, n_labels)
    model.to(device)
    lr = config.lr or LEARNING_RATES[config.arch]
    opt_class = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[config.optimizer]
    free = set(getattr(model, "no_weight_decay", lambda: ())())
    groups = [{"params": [p for n, p in model.named_parameters() if n not in free]},
              {"params": [p for n, p in model.named_parameters() if n in free], "weight_decay": 0.0}]
    optimizer = opt_class([g for g in groups if g["params"]], lr=lr, weight_decay=config.weight_decay)
    steps = config.epochs * max(1, -(-len(train_set) // config.batch_size))
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps) if config.lr_schedule == "cosine" else None
    x_all = torch.from_numpy(train_set.inputs)
    y_all = torch.from_numpy(train_set.targets)
    l_all = torch.from_numpy(train_set.labels)
    w_all = torch.from_numpy(train_set.forecast_weight.astype(np.float32))
    seen_all = torch.from_numpy(train_set.target_seen)
    effects = CameraEffects(share=config.camera_effects)
    warp_share = warp_shares(train_set, config.time_warp)
    warp_any = warp_share.max(initial=0.0) > 0  # once: the shares do not change between batches
    if int(l_all.max()) >= n_labels:
        raise ValueError(f"training labels go up to index {int(l_all.max())}, the model has {n_labels} labels")
    weight = None
    if config.class_weights and (l_all >= 0).any():
        counts = torch.bincount(l_all[l_all >= 0], minlength=n_labels).float()
        weight = (counts.sum() / counts.clamp(min=1) / n_labels).to(device)
    log_path = out / "log.csv"
    fields = ["epoch", "train_loss", "mae", "mae_5", "mae_10", "mae_20", "mae_30", "mae_zero_velocity", "accuracy",
              "seconds", "windows_per_s"]
    start = time.time()
    last: dict = {}
    with log_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for epoch in range(1, config.epochs + 1):
            model.train()
            order = torch.from_numpy(rng.permutation(len(x_all)))
            total, batches, seen, t_epoch = 0.0, 0, 0, time.time()
            bar = tqdm(range(0, len(order), config.batch_size), desc=f"{config.arch} epoch {epoch}/{config.epochs}",
                       unit="batch", disable=not progress, mininterval=1.0, leave=False)
            for i in bar:
                idx = order[i:i + config.batch_size]
                if len(idx) < 2:  # BatchNorm needs two samples
                    continue
                x, y, lab, fw = x_all[idx], y_all[idx], l_all[idx].to(device), w_all[idx].to(device)
                if config.flip_augment and rng.random() < 0.5:
                    x, y = mirror(x), mirror(y)
                if config.bone_augment > 0:
                    factor = 1 + torch.from_numpy(rng.uniform(-1, 1, (len(idx), 2)).astype(np.float32)) \
                        * config.bone_augment
                    x, y = widen(x, factor), widen(y, factor)
                if config.x_scale_augment > 0:
                    factor = 1 + torch.from_numpy(rng.uniform(-1, 1, len(idx)).astype(np.float32)) \
                        * config.x_scale_augment
                    x, y = scale_x(x, factor), scale_x(y, factor)
                if warp_any:
                    x, y = time_warp(x, y, rng.random(len(idx)) < warp_share[idx.numpy()], rng)
                visible = seen_all[idx]
                if config.camera_effects > 0:
                    x, y, camera_seen = camera_batch(x, y, rng, effects)
                    visible = visible & torch.from_numpy(camera_seen)
                if config.input_noise > 0:
                    x = x + torch.from_numpy(rng.normal(0, config.input_noise, x.shape).astype(np.float32))
                x, y = x.to(device), y.to(device)
                future, logits = model(x.flatten(2))
                err = future - y.flatten(1)
                # Only the target keypoints the camera saw have a truth (all of them for mocap).
                mask = visible.repeat_interleave(2, dim=-1).flatten(1).float().to(device)  # (B, T_out * 34)
                per_window = _masked_mean(err ** 2, mask)
                if config.forecast_loss == "mse+l1":
                    per_window = per_window + _masked_mean(err.abs(), mask)
                if config.velocity_loss > 0:
                    step_err = err.view(len(idx), config.t_out, -1).diff(dim=1).flatten(1)
                    both = (mask.view(len(idx), config.t_out, -1)[:, 1:] * mask.view(len(idx), config.t_out, -1)[:, :-1])
                    per_window = per_window + config.velocity_loss * _masked_mean(step_err.abs(), both.flatten(1))
                loss = (per_window * fw).sum() / fw.sum().clamp(min=1e-6)
                known = lab >= 0
                if known.any():
                    loss = loss + config.ce_weight * nn.functional.cross_entropy(
                        logits[known], lab[known], weight=weight, label_smoothing=config.label_smoothing)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if schedule is not None:
                    schedule.step()
                total += loss.item()
                batches += 1
                seen += len(idx)
                if batches % 50 == 0:
                    bar.set_postfix(loss=f"{total / batches:.4f}", win_s=f"{seen / (time.time() - t_epoch):.0f}")
            if not np.isfinite(total):
                raise ValueError(f"training loss became {total} in epoch {epoch}: lower --lr or check the data")
            row = {"epoch": epoch, "train_loss": total / max(batches, 1), "seconds": round(time.time() - start, 1),
                   "windows_per_s": round(seen / max(time.time() - t_epoch, 1e-9))}
            if test_set is not None and len(test_set) and (epoch % config.eval_every == 0 or epoch == config.epochs):
                last = evaluate_model(model, test_set)
                row.update(last)
            if progress:
                tqdm.write(f"epoch {epoch}: loss {row['train_loss']:.4f}, {row['windows_per_s']} windows/s"
                           + (f", test MAE {row['mae']:.4f} (zero-velocity {row['mae_zero_velocity']:.4f}), "
                              f"accuracy {row['accuracy']}" if "mae" in row else ""))
            writer.writerow(row)
            f.flush()
    model.cpu()
    torch.save({"state_dict": model.state_dict(), "config": json.dumps(asdict(config)),
                "class_weight_values": None if weight is None else weight.cpu().tolist()}, out / "model.pt")
    return last


def load_model_for_export(path: str | Path) -> tuple[nn.Module, TrainConfig, list[float] | None]:
    """The model, its training config, and the class weights its CE used (None: unweighted)."""
    model, config = load_checkpoint(path)
    known = {f for f in TrainConfig.__dataclass_fields__}
    return model.eval(), TrainConfig(**{k: v for k, v in config.items() if k in known}), config["class_weight_values"]


def prior_correction(class_weights: list[float] | None) -> list[float] | None:
    """Logit offsets that undo class-weighted CE: weighting class c by w_c multiplies its odds by w_c,
    so adding -log(w_c) gives back probabilities at the training data's class frequencies."""
    if class_weights is None:
        return None
    return [-float(np.log(w)) for w in class_weights]


def deployment_prior(class_weights: list[float] | None, labels: list[str], prior: dict[str, float]) -> list[float]:
    """Logit offsets that put a class-weighted model's odds at the class frequencies it will meet, instead of
    its training data's (which only say which datasets were mixed in: MSRC-12 alone brings ten neutral gestures).

    Inverse-frequency weights make every class equally likely a priori, so the offset for class c is log(p_c).
    `prior` names some labels' shares; the other labels split what is left equally."""
    if class_weights is None:
        raise ValueError("--emotion-prior needs a model trained with --class-weights (its odds are balanced)")
    return prior_log_shares(labels, prior)


def prior_log_shares(labels: list[str], prior: dict[str, float]) -> list[float]:
    """log share per label: `prior` names some labels' shares, the other labels split what is left equally."""
    unknown = sorted(set(prior) - set(labels))
    if unknown:
        raise ValueError(f"--emotion-prior: unknown label(s) {unknown} (the model's: {', '.join(labels)})")
    rest = [lab for lab in labels if lab not in prior]
    left = 1.0 - sum(prior.values())
    if not 0 < sum(prior.values()) <= 1 or (rest and left <= 0) or (not rest and abs(left) > 1e-6):
        raise ValueError(f"--emotion-prior: shares {prior} must be > 0 and sum to 1 (or below 1 with labels left "
                         "to share the rest)")
    shares = {**prior, **{lab: left / len(rest) for lab in rest}}
    return [float(np.log(shares[lab])) for lab in labels]
