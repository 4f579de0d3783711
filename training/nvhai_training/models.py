"""The paper's four dual-task architectures and nvhai's own residual-DCT forecaster.

Every model maps a (B, T_in, 34) window of normalised COCO-17 keypoints to a (B, T_out * 34)
forecast (generation head) and (B, n_labels) emotion logits (classification head) from one
shared encoder. Parameter counts of encoder + generation head match the paper's Table 1
exactly (tests/test_models.py); the classifier comes on top.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nvhai_predictor.contract import EMOTION_LABELS

FEATURES = 34  # 17 keypoints x (x, y)


class DualTaskModel(nn.Module):
    """Shared encoder -> (generation head, classification head)."""

    def __init__(self, encoder: nn.Module, feat_dim: int, t_out: int, n_labels: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.t_out = t_out
        self.generation_head = nn.Linear(feat_dim, t_out * FEATURES)
        self.classification_head = nn.Linear(feat_dim, n_labels)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return self.generation_head(h), self.classification_head(h)

    def paper_parameter_count(self) -> int:
        """Encoder + generation head: what the paper's Table 1 counts."""
        return sum(p.numel() for m in (self.encoder, self.generation_head) for p in m.parameters())


class MLPEncoder(nn.Module):
    def __init__(self, t_in: int, hidden: tuple[int, ...] = (1024, 512, 256, 128), dropout: float = 0.3) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        prev = t_in * FEATURES
        for width in hidden:
            layers += [nn.Linear(prev, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Dropout(dropout)]
            prev = width
        self.net = nn.Sequential(*layers)
        self.out_dim = prev

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class LSTMEncoder(nn.Module):
    def __init__(self, in_dim: int = FEATURES, hidden: int = 128, layers: int = 2, dropout: float = 0.2) -> None:
        super().__init__()
        self.lstm = nn.LSTM(in_dim, hidden, num_layers=layers, batch_first=True, dropout=dropout)
        self.out_dim = hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return out[:, -1]


class CNNLSTMEncoder(nn.Module):
    def __init__(self, channels: tuple[int, ...] = (64, 128, 256), hidden: int = 128) -> None:
        super().__init__()
        convs: list[nn.Module] = []
        prev = FEATURES
        for c in channels:
            convs += [nn.Conv1d(prev, c, kernel_size=3, padding=1), nn.BatchNorm1d(c), nn.ReLU()]
            prev = c
        self.conv = nn.Sequential(*convs)
        self.lstm = LSTMEncoder(prev, hidden)
        self.out_dim = hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lstm(self.conv(x.transpose(1, 2)).transpose(1, 2))


class SinusoidalPositionalEncoding(nn.Module):
    def __init__(self, d_model: int, max_len: int = 512) -> None:
        super().__init__()
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pe[: x.shape[1]]


class TransformerEncoder(nn.Module):
    def __init__(self, d_model: int = 256, layers: int = 4, heads: int = 8, ff: int = 1024, dropout: float = 0.1) -> None:
        super().__init__()
        self.embed = nn.Linear(FEATURES, d_model)
        self.pe = SinusoidalPositionalEncoding(d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, ff, dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.out_dim = d_model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(self.pe(self.embed(x)))[:, -1]


def dct_matrix(n: int) -> torch.Tensor:
    """Orthonormal DCT-II matrix (n, n): row k is the k-th cosine basis over n frames."""
    k = torch.arange(n).unsqueeze(1).float()
    t = torch.arange(n).unsqueeze(0).float()
    m = torch.cos(math.pi / n * (t + 0.5) * k) * math.sqrt(2.0 / n)
    m[0] /= math.sqrt(2.0)
    return m


class ResidualDCT(nn.Module):
    """nvhai's own forecaster (siMLPe-style), small and fast (~60 k parameters).

    - works on the motion relative to the last observed frame, in DCT coefficients over time;
    - one temporal MLP shared by all 34 keypoint coordinates (weight sharing is what lets it
      generalise from a few dozen clips), then a spatial mixing layer across coordinates;
    - predicts DCT coefficients of the future residual; its output layer starts at zero, so an
      untrained model *is* the zero-velocity baseline and training only learns what beats it.
    """

    def __init__(self, t_in: int = 60, t_out: int = 30, n_labels: int = len(EMOTION_LABELS), hidden: int = 128,
                 dropout: float = 0.1, mlp_forecast: bool = True) -> None:
        super().__init__()
        # False: the forecast is the linear path alone (one 60 -> 30 map shared by every coordinate),
        # and the MLP, free of forecasting, reads the window itself rather than its motion relative to
        # the last frame, so the emotion head sees posture (hands above the head) as well as movement.
        self.mlp_forecast = mlp_forecast
        self.t_out = t_out
        self.register_buffer("dct_in", dct_matrix(t_in), persistent=False)  # (T_in, T_in)
        self.register_buffer("idct_out", dct_matrix(t_out).T.contiguous(), persistent=False)  # (T_out, T_out)
        self.temporal = nn.Sequential(nn.Linear(t_in, hidden), nn.GELU(), nn.Dropout(dropout),
                                      nn.Linear(hidden, hidden), nn.GELU())
        self.spatial = nn.Linear(FEATURES, FEATURES)  # mixes coordinates, residual
        self.encoder = nn.ModuleList([self.temporal, self.spatial])
        self.generation_head = nn.Linear(hidden, t_out)
        # A linear path from the recent frames straight to the forecast: damped velocity and drift
        # back to the mean pose, which is most of what a 1 s forecast can know, are linear.
        self.linear_path = nn.Linear(t_in, t_out)
        for layer in (self.generation_head, self.linear_path):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)
        self.classification_head = nn.Sequential(nn.Dropout(dropout), nn.Linear(FEATURES * hidden, n_labels))

    def no_weight_decay(self) -> tuple[str, ...]:
        """The linear path is exempt from L2 decay: decay would pull it back to zero velocity."""
        return ("linear_path.weight", "linear_path.bias")

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        last = x[:, -1:]  # (B, 1, 34)
        rel = x - last
        coeffs = torch.matmul(self.dct_in, rel if self.mlp_forecast else x).transpose(1, 2)  # (B, 34, T_in)
        h = self.temporal(coeffs)  # (B, 34, hidden)
        h = h + self.spatial(h.transpose(1, 2)).transpose(1, 2)
        linear = self.linear_path(rel.transpose(1, 2))  # (B, 34, T_out) in time
        future = last + linear.transpose(1, 2)
        if self.mlp_forecast:
            out = self.generation_head(h)  # (B, 34, T_out) DCT coefficients of the residual
            future = future + torch.matmul(self.idct_out, out.transpose(1, 2))
        return future.flatten(1), self.classification_head(h.flatten(1))

    def paper_parameter_count(self) -> int:
        heads = (self.generation_head, self.linear_path) if self.mlp_forecast else (self.linear_path,)
        return sum(p.numel() for m in (self.encoder, *heads) for p in m.parameters())


class ResidualPoseMLP(ResidualDCT):
    """nvhai's forecaster for many people: residual_linear's emotion branch and linear path, plus an MLP
    over the whole pose's motion (siMLPe-style input, as in Mao et al. and Guo et al.).

    The linear path, shared by the 34 coordinates, knows damped velocity; what it cannot know is where a
    gesture goes next, which depends on every joint at once (arms rising together, a wind-up before a
    throw). The MLP reads the first `k` DCT coefficients of the window's motion relative to its last
    frame (low frequencies: the gesture's shape, not Kinect jitter) and the last pose itself, for every
    coordinate together, and adds a future residual. Its output layer starts at zero, so an untrained
    model is still zero-velocity.
    """

    def __init__(self, t_in: int = 60, t_out: int = 30, n_labels: int = len(EMOTION_LABELS), k: int = 20,
                 width: int = 512, depth: int = 2, dropout: float = 0.1) -> None:
        super().__init__(t_in, t_out, n_labels, mlp_forecast=False)
        self.k = k
        layers: list[nn.Module] = []
        prev = k * FEATURES + FEATURES
        for _ in range(depth):
            layers += [nn.Linear(prev, width), nn.GELU(), nn.Dropout(dropout)]
            prev = width
        out = nn.Linear(prev, t_out * FEATURES)
        nn.init.zeros_(out.weight)
        nn.init.zeros_(out.bias)
        self.pose_mlp = nn.Sequential(*layers, out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        future, logits = super().forward(x)
        rel = x - x[:, -1:]
        features = torch.cat([torch.matmul(self.dct_in[: self.k], rel).flatten(1), x[:, -1]], dim=1)
        return future + self.pose_mlp(features), logits

    def paper_parameter_count(self) -> int:
        return super().paper_parameter_count() + sum(p.numel() for p in self.pose_mlp.parameters())


ARCHITECTURES = ("mlp", "lstm", "cnn_lstm", "transformer", "residual_dct", "residual_linear", "residual_mlp")
# The paper's learning rates; ours use the LSTM's.
LEARNING_RATES = {"mlp": 2e-3, "lstm": 1e-3, "cnn_lstm": 1e-3, "transformer": 5e-4, "residual_dct": 1e-3,
                  "residual_linear": 1e-3, "residual_mlp": 1e-3}


def build_model(name: str, t_in: int = 60, t_out: int = 30, n_labels: int = len(EMOTION_LABELS)) -> nn.Module:
    if name in ("residual_dct", "residual_linear"):
        return ResidualDCT(t_in, t_out, n_labels, mlp_forecast=name == "residual_dct")
    if name == "residual_mlp":
        return ResidualPoseMLP(t_in, t_out, n_labels)
    encoders = {
        "mlp": lambda: MLPEncoder(t_in),
        "lstm": LSTMEncoder,
        "cnn_lstm": CNNLSTMEncoder,
        "transformer": TransformerEncoder,
    }
    if name not in encoders:
        raise ValueError(f"unknown architecture '{name}' (choose from {', '.join(ARCHITECTURES)})")
    encoder = encoders[name]()
    return DualTaskModel(encoder, encoder.out_dim, t_out, n_labels)
