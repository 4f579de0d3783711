"""The core's settings under the names of the node's parameters, with their defaults defined once.

The defaults are ForecasterConfig's (and its nested dataclasses'); the node's parameter table takes each
of these parameters' default from here (parameters.py), and the node and `nvhai-train evaluate --online`
both build their ForecasterConfig with `forecaster_config`, so the live predictor and the evaluation of it
"as shipped" start from the same settings. A test ties config/predictor.yaml to them.
"""

from __future__ import annotations

from typing import Any

from nvhai_predictor.forecaster import ForecasterConfig

# Node parameter -> field of ForecasterConfig (dotted through its nested configs)
CORE_PARAMETERS: dict[str, str] = {
    "input_frames": "window.frames",
    "rate_hz": "window.rate_hz",
    "max_gap_s": "window.max_gap_s",
    "min_confidence": "window.min_confidence",
    "min_visible": "window.min_visible",
    "forget_after_s": "forget_after_s",
    "max_people_per_step": "max_people_per_step",
    "ensemble_forecasts": "ensemble_forecasts",
    "emotion_smoothing": "emotion_smoothing",
    "emotion_time_constant_s": "emotion_time_constant_s",
    "online_adaptation": "online.adaptation.enabled",
    "adaptation_strength": "online.adaptation.strength",
    "adaptation_memory_s": "online.adaptation.memory_s",
    "adaptation_axis_strength": "online.adaptation.axis_strength",
    "forecast_gate": "online.scoring.gate",
    "new_person_prior": "online.scoring.new_person_prior",
    "sparse_person_prior": "online.scoring.sparse_prior",
    "self_scoring_time_constant_s": "online.scoring.time_constant_s",
    "plausibility_gate": "online.plausibility.enabled",
}


def _owner(config: ForecasterConfig, name: str) -> tuple[Any, str]:
    """The (nested) config object holding parameter `name`'s field, and the field's name."""
    *path, field = CORE_PARAMETERS[name].split(".")
    for part in path:
        config = getattr(config, part)
    return config, field


def default(name: str) -> Any:
    """The shipped default of the core parameter `name` (KeyError for a parameter the core does not read)."""
    return getattr(*_owner(ForecasterConfig(), name))


def forecaster_config(**values: Any) -> ForecasterConfig:
    """ForecasterConfig with the shipped defaults, the given core parameters (by the node's names) set."""
    config = ForecasterConfig()
    for name, value in values.items():
        if name not in CORE_PARAMETERS:
            raise KeyError(f"{name} is not a predictor core parameter (one of {', '.join(CORE_PARAMETERS)})")
        setattr(*_owner(config, name), value)
    return config
