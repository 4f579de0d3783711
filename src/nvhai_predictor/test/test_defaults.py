"""Defaults defined once: the core's dataclasses (ForecasterConfig and the configs in it) hold them, the node's
parameter table takes them from there, config/predictor.yaml states the same, and the node builds its config
through the same mapping `evaluate --online` uses (training/tests/test_online_eval.py ties that side)."""

from __future__ import annotations

from pathlib import Path

import yaml

from nvhai_common.ros_params import defaults
from nvhai_predictor.forecaster import ForecasterConfig
from nvhai_predictor.parameters import PARAMETERS
from nvhai_predictor.settings import CORE_PARAMETERS, default, forecaster_config

CONFIG = Path(__file__).resolve().parents[1] / "config" / "predictor.yaml"
NODE = defaults(PARAMETERS)


def test_every_core_parameter_is_declared_with_the_cores_default():
    assert set(CORE_PARAMETERS) <= set(NODE), "a core setting the node does not declare"
    differ = {name: (NODE[name], default(name)) for name in CORE_PARAMETERS
              if NODE[name] != default(name) or type(NODE[name]) is not type(default(name))}
    assert not differ, f"node parameter default != core dataclass default (node, core): {differ}"


def test_the_node_at_its_defaults_runs_the_cores_shipped_config():
    assert forecaster_config(**{name: NODE[name] for name in CORE_PARAMETERS}) == ForecasterConfig()


def test_yaml_states_the_cores_defaults():
    yaml_values = yaml.safe_load(CONFIG.read_text())["nvhai_predictor"]["ros__parameters"]
    assert yaml_values == NODE
    differ = {name: (yaml_values.get(name), default(name)) for name in CORE_PARAMETERS
              if yaml_values.get(name) != default(name)}
    assert not differ, f"config/predictor.yaml != core dataclass default (yaml, core): {differ}"


def test_a_setting_reaches_its_field():
    config = forecaster_config(adaptation_strength=12.0, rate_hz=25.0, forecast_gate=False, max_people_per_step=0)
    assert (config.online.adaptation.strength, config.window.rate_hz, config.online.scoring.gate,
            config.max_people_per_step) == (12.0, 25.0, False, 0)
    assert ForecasterConfig().online.adaptation.strength == default("adaptation_strength"), "defaults untouched"
