"""Training loop: loss = MSE(forecast) + 0.3 * CE(emotion, masked for unlabeled windows), Adam.

Pretraining and finetuning are the same call; finetuning starts from `init` (a checkpoint of the
same architecture). The test MAE (and the zero-velocity baseline on the same windows) is logged
to CSV every `eval_every` epochs.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from nvhai_common.coco17 import FLIP_ORDER, NUM_KEYPOINTS
from nvhai_predictor.contract import EMOTION_LABELS
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


def mirror(x: torch.Tensor) -> torch.Tensor:
    """Mirror (B, T, 17, 2) normalised poses left<->right."""
    x = x[:, :, list(FLIP_ORDER)].clone()
    x[..., 0] = -x[..., 0]
    return x


def predict(model: nn.Module, windows: Windows, batch: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(N, T_out, 17, 2) forecasts and (N, n_labels) probabilities of a torch model."""
    model.eval()
    futures, probs = [], []
    with torch.no_grad():
        for i in range(0, len(windows), batch):
            x = torch.from_numpy(windows.inputs[i:i + batch]).flatten(2)
            future, logits = model(x)
            futures.append(future.view(len(x), -1, NUM_KEYPOINTS, 2).numpy())
            probs.append(torch.softmax(logits, -1).numpy())
    if not futures:
        return np.empty_like(windows.targets), np.empty((0, len(EMOTION_LABELS)), np.float32)
    return np.concatenate(futures), np.concatenate(probs)


def evaluate_model(model: nn.Module, windows: Windows) -> dict[str, float | None]:
    future, probs = predict(model, windows)
    out: dict[str, float | None] = dict(forecast_metrics(future, windows.targets))
    out["mae_zero_velocity"] = forecast_metrics(zero_velocity(windows.inputs, windows.targets.shape[1]),
                                                windows.targets)["mae"]
    out["accuracy"] = accuracy(probs, windows.labels)
    return out


def load_checkpoint(path: str | Path) -> tuple[nn.Module, dict]:
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    config = json.loads(ckpt["config"])
    model = build_model(config["arch"], config["t_in"], config["t_out"], len(EMOTION_LABELS))
    model.load_state_dict(ckpt["state_dict"])
    return model, config


def train(config: TrainConfig, train_set: Windows, test_set: Windows | None, out_dir: str | Path,
          init: str | Path | None = None, progress: bool = True) -> dict:
    """Train, log to out_dir/log.csv, save out_dir/model.pt; returns the last test metrics."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    rng = np.random.default_rng(config.seed)
    if init:
        model, init_config = load_checkpoint(init)
        if init_config["arch"] != config.arch:
            raise ValueError(f"--init is a {init_config['arch']} checkpoint, training {config.arch}")
    else:
        model = build_model(config.arch, config.t_in, config.t_out, len(EMOTION_LABELS))
    lr = config.lr or LEARNING_RATES[config.arch]
    opt_class = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[config.optimizer]
    free = set(getattr(model, "no_weight_decay", lambda: ())())
    groups = [{"params": [p for n, p in model.named_parameters() if n not in free]},
              {"params": [p for n, p in model.named_parameters() if n in free], "weight_decay": 0.0}]
    optimizer = opt_class([g for g in groups if g["params"]], lr=lr, weight_decay=config.weight_decay)
    x_all = torch.from_numpy(train_set.inputs)
    y_all = torch.from_numpy(train_set.targets)
    l_all = torch.from_numpy(train_set.labels)
    log_path = out / "log.csv"
    fields = ["epoch", "train_loss", "mae", "mae_5", "mae_10", "mae_20", "mae_30", "mae_zero_velocity", "accuracy",
              "seconds"]
    start = time.time()
    last: dict = {}
    with log_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        bar = tqdm(range(1, config.epochs + 1), desc=f"train {config.arch}", unit="epoch", disable=not progress)
        for epoch in bar:
            model.train()
            order = torch.from_numpy(rng.permutation(len(x_all)))
            total, batches = 0.0, 0
            for i in range(0, len(order), config.batch_size):
                idx = order[i:i + config.batch_size]
                if len(idx) < 2:  # BatchNorm needs two samples
                    continue
                x, y, lab = x_all[idx], y_all[idx], l_all[idx]
                if config.flip_augment and rng.random() < 0.5:
                    x, y = mirror(x), mirror(y)
                future, logits = model(x.flatten(2))
                loss = nn.functional.mse_loss(future, y.flatten(1))
                known = lab >= 0
                if known.any():
                    loss = loss + config.ce_weight * nn.functional.cross_entropy(logits[known], lab[known])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item()
                batches += 1
            row = {"epoch": epoch, "train_loss": total / max(batches, 1), "seconds": round(time.time() - start, 1)}
            if test_set is not None and len(test_set) and (epoch % config.eval_every == 0 or epoch == config.epochs):
                last = evaluate_model(model, test_set)
                row.update(last)
                bar.set_postfix(loss=f"{row['train_loss']:.4f}", mae=f"{last['mae']:.4f}",
                                zero_vel=f"{last['mae_zero_velocity']:.4f}")
            writer.writerow(row)
            f.flush()
    torch.save({"state_dict": model.state_dict(), "config": json.dumps(asdict(config))}, out / "model.pt")
    return last


def load_model_for_export(path: str | Path) -> tuple[nn.Module, TrainConfig]:
    model, config = load_checkpoint(path)
    return model.eval(), TrainConfig(**config)
