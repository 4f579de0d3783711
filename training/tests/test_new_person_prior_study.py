"""training/recipes/new_person_prior_study.py: its two ways of choosing the share, on a hand-made sweep where one
clip alone wants a small share."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SPEC = importlib.util.spec_from_file_location(
    "new_person_prior_study", Path(__file__).resolve().parents[1] / "recipes" / "new_person_prior_study.py")
study = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(study)

# a and b like the model's move (best at 1), c is hurt by it (only 0.2 keeps it under 1.10)
SWEEP = {1.0: {"people": {"a": 0.80, "b": 0.90, "c": 1.50}}, 0.6: {"people": {"a": 0.85, "b": 0.92, "c": 1.20}},
         0.2: {"people": {"a": 0.95, "b": 0.97, "c": 1.05}}}


def test_the_largest_share_within_the_goal_is_set_by_the_worst_clip():
    assert study.largest_within(SWEEP, 1.10) == 0.2
    assert study.largest_within(SWEEP, 1.30) == 0.6
    assert study.largest_within(SWEEP, 1.00) is None


def test_leave_one_out_by_the_worst_other_clip():
    loo = study.leave_one_out(SWEEP)
    assert loo["a"] == (0.2, 0.95) and loo["b"] == (0.2, 0.97)  # c is among the others: the small share wins
    assert loo["c"] == (1.0, 1.50)  # without c nothing asks for a hedge: c held out is not protected
