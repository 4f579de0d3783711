"""Online adaptation, self-scoring and gate: only futures already observed, reset with the track."""

from __future__ import annotations

import numpy as np
import pytest

from nvhai_predictor.forecast_gate import ForecastGate
from nvhai_predictor.forecaster import Forecaster, ForecasterConfig, Observation
from nvhai_predictor.frame_grid import FrameGrid
from nvhai_predictor.model_runner import ModelRunner, default_model_path
from nvhai_predictor.normalization import normalize
from nvhai_predictor.online import OnlineConfig, OnlineCorrection
from nvhai_predictor.online_adaptation import AdaptationConfig, features
from nvhai_predictor.plausibility import PlausibilityConfig
from nvhai_predictor.self_scoring import ScoringConfig

W, H, RATE, T_IN, T_OUT = 640, 480, 30.0, 60, 30
ONES = np.ones(17)
GRID = FrameGrid(RATE, T_OUT)


def one_person(config: OnlineConfig) -> OnlineCorrection:
    return OnlineCorrection(config, GRID)


@pytest.fixture(scope="module")
def runner() -> ModelRunner:
    return ModelRunner(default_model_path())


def waving(frames: int, seed: int = 0) -> np.ndarray:
    """(frames, 17, 2) pixels: a body whose keypoints swing periodically, each with its own phase."""
    rng = np.random.default_rng(seed)
    base = np.array([320.0, 240.0]) + rng.uniform(-60, 60, (17, 2))
    phase, amp = rng.uniform(0, 2 * np.pi, (17, 2)), rng.uniform(5, 25, (17, 2))
    t = np.arange(frames)[:, None, None] / RATE
    return base + amp * np.sin(2 * np.pi * 0.7 * t + phase)


def stream(forecaster: Forecaster, motion: np.ndarray, pid: int = 0, t0: float = 0.0) -> list[tuple]:
    """Feed `motion` frame by frame; after each frame the person's adaptation and scoring state (None before
    their first forecast)."""
    states = []
    for k, xy in enumerate(motion):
        forecaster.step(t0 + k / RATE, [Observation(pid, xy, ONES)], W, H)
        person = forecaster.people.get(pid)
        online = None if person is None else person.online
        states.append(None if online is None or not online.pending.queue else  # no forecast yet
                      (online.ridge.observed, online.ridge.xty.copy(), online.scores.scored, dict(online.scores.mae)))
    return states


def test_adaptation_learns_only_from_futures_already_observed(runner):
    """Two streams equal until frame N, then the second one's motion turns back: the states may part
    only once frame N has been seen, and each forecast is learned from exactly 30 frames after it."""
    n = 130
    a = waving(200)
    b = a.copy()
    b[n:] = a[2 * n - 1 - np.arange(n, 200)]  # from frame N on, the motion runs backwards
    config = ForecasterConfig(online=OnlineConfig(AdaptationConfig(refit_every=1)))
    sa, sb = stream(Forecaster(runner, config), a), stream(Forecaster(runner, config), b)
    first_forecast = T_IN - 1
    for k in range(200):
        expected = max(0, k - first_forecast - T_OUT + 1)  # forecasts made at least T_OUT frames ago
        assert sa[k] is None if k < first_forecast else sa[k][0] == sa[k][2] == expected, k
    for k in range(first_forecast, n):
        np.testing.assert_array_equal(sa[k][1], sb[k][1], err_msg=f"states differ at frame {k} < {n}: peeked")
        assert sa[k][3] == sb[k][3]
    assert not np.array_equal(sa[n][1], sb[n][1]), "frame N observed: the forecast made 30 frames before learns it"
    # The first statistic learned is the first forecast against the 30 frames that really followed it.
    normed = normalize(a[:T_IN + T_OUT])[0]
    model = runner.run(normed[None, :T_IN].astype(np.float32))[0].future
    phi = features(normed[:T_IN], model, AdaptationConfig().history)
    error = (normed[T_IN:] - model).reshape(T_OUT, -1).T
    k = first_forecast + T_OUT
    np.testing.assert_allclose(sa[k][1], phi.T @ error, rtol=1e-3, atol=1e-5)  # window is float32


def test_a_forgotten_track_starts_again_from_the_model_and_a_gap_keeps_what_was_learned(runner):
    f = Forecaster(runner, ForecasterConfig(forget_after_s=2.0))
    motion = waving(400)
    states = stream(f, motion[:150], pid=3)
    learned = states[-1][0]
    assert learned == 150 - (T_IN - 1) - T_OUT
    # 1 s away (more than max_gap_s, less than forget_after_s): the window restarts, the person is kept
    t = 149 / RATE + 1.0
    states = stream(f, motion[150:150 + T_IN], pid=3, t0=t)
    assert states[-1][0] == learned and len(f.people[3].online.pending.queue) == 1, \
        "adaptation kept; forecasts from before the gap dropped, not scored against frames after it"
    result = f.step(t + 10.0, [Observation(4, motion[0], ONES)], W, H)
    assert 3 in result.forgotten and 3 not in f.people
    states = stream(f, motion[:T_IN + 1], pid=3, t0=t + 10.5)
    assert states[-1][0] == 0 and states[-1][2] == 0 and f.people[3].online.ridge.weights is None


def test_memory_per_person_stays_bounded(runner):
    f = Forecaster(runner)
    stream(f, waving(300), pid=1)
    person = f.people[1].online
    assert len(person.pending.queue) <= T_OUT + 1
    assert person.ridge.xtx.shape == (AdaptationConfig().history - 1 + T_OUT,) * 2


def _windows(motion: np.ndarray):
    normed = normalize(motion)[0]
    for k in range(T_IN - 1, len(motion)):
        yield k / RATE, normed[k - T_IN + 1:k + 1]


def _windows_with_future(motion: np.ndarray):
    """(t, window, the next T_OUT normalised frames) for every window whose whole future is in `motion`."""
    normed = normalize(motion)[0]
    for i, (t, window) in enumerate(_windows(motion)):
        truth = normed[T_IN + i:T_IN + i + T_OUT]
        if len(truth) < T_OUT:
            return
        yield t, window, truth


def test_the_gate_falls_back_to_zero_velocity_for_a_bad_forecast_and_trusts_a_good_one():
    motion = waving(600, seed=1)
    normed = normalize(motion)[0]
    bad = one_person(OnlineConfig(AdaptationConfig(enabled=False)))
    good = one_person(OnlineConfig(AdaptationConfig(enabled=False)))
    for i, (t, window) in enumerate(_windows(motion)):
        held = np.repeat(window[-1:], T_OUT, axis=0)
        wrong = held + 0.3 * (window[-1] - window[-10])[None] * np.arange(1, T_OUT + 1)[:, None, None]  # overshoots
        out = bad.forecast(t, window, -wrong + 2 * held)  # away from where the motion goes
        k = T_IN - 1 + i
        truth = normed[k + 1:k + 1 + T_OUT]
        if len(truth) == T_OUT:
            good.forecast(t, window, truth)  # an oracle: exactly what happens
    scores = bad.scores
    assert scores.mae["model"] > 1.5 * scores.mae["zero_velocity"], "the test's model is worse than standing still"
    assert bad.gate.weight < 0.2 and scores.mae["published"] < scores.mae["model"]
    a = bad.gate.weights[:, :1]  # no adaptation: only the model's move is weighed, per coordinate
    np.testing.assert_allclose(out.published, held + (a * (out.adapted - held).reshape(T_OUT, 34).T).T.reshape(
        T_OUT, 17, 2), atol=1e-9)
    assert good.gate.weight == pytest.approx(1.0, abs=1e-6)


def test_the_gate_keeps_the_body_parts_the_model_gets_right():
    """A model exact on the legs and wrong on the arms: the gate drops the arms' motion, not the legs'."""
    core = one_person(OnlineConfig(AdaptationConfig(enabled=False)))
    arms = [7, 8, 9, 10]
    for t, window, truth in _windows_with_future(waving(600, seed=3)):
        forecast = truth.copy()
        forecast[:, arms] = 2 * window[-1, arms] - truth[:, arms]  # the arms mirrored: away from their motion
        out = core.forecast(t, window, forecast)
    w = core.gate.weights[:, 0].reshape(17, 2)
    assert np.all(w[arms] < 0.2) and np.all(w[13:] > 0.95), w
    np.testing.assert_allclose(out.published[:, 13:], out.model[:, 13:], atol=0.05 * np.abs(
        out.model[:, 13:] - window[-1, 13:]).max())


def test_the_gate_drops_a_correction_that_does_not_help():
    """Scored directly: the model exact, the 'adapted' forecast the model plus noise; the correction's weight
    goes to 0 and the model's stays at 1."""
    from nvhai_predictor.self_scoring import Pending, RunningScores

    rng = np.random.default_rng(0)
    scores, gate = RunningScores(ScoringConfig(), GRID), ForecastGate(ScoringConfig())
    for _ in range(400):
        target = rng.normal(0, 1, (34, T_OUT)).cumsum(axis=1) * 0.01
        last = rng.normal(0, 0.1, 34)
        phi = np.concatenate([np.zeros((34, 29)), target], axis=1)
        adapted = target + rng.normal(0, 0.02, target.shape)
        pending = Pending(0.0, last, phi, adapted, gate.decide(target, adapted))
        gate.learn(scores.add(pending.relative(target.T + last), pending))
    assert gate.scored == scores.scored == 400
    w = gate.weights
    assert np.all(w[:, 0] > 0.9) and np.all(w[:, 1] < 0.3), w


def test_without_gate_and_adaptation_the_model_is_published_as_is():
    core = one_person(OnlineConfig(AdaptationConfig(enabled=False), ScoringConfig(gate=False)))
    for t, window in _windows(waving(200)):
        model = np.repeat(window[-1:], T_OUT, axis=0) + 0.01
        out = core.forecast(t, window, model)
        np.testing.assert_allclose(out.published, model, atol=1e-12)
        assert out.weight == 1.0


def test_adaptation_learns_a_repeating_motion_the_model_cannot_forecast():
    """Zero-velocity as the model: a periodic swing is linear in its own past, so the person's map learns it."""
    motion = waving(1800, seed=2)
    core = one_person(OnlineConfig(AdaptationConfig(strength=30.0), ScoringConfig(gate=False)))
    for t, window in _windows(motion):
        core.forecast(t, window, np.repeat(window[-1:], T_OUT, axis=0))
    mae = core.scores.mae
    assert mae["model"] == pytest.approx(mae["zero_velocity"])
    assert mae["adapted"] < 0.3 * mae["model"]


def test_the_ridge_is_solved_on_one_blas_thread(monkeypatch):
    """OpenBLAS would spread the 59 x 59 solve over every core; on a robot busy with perception its threads
    wait on each other (12-21 ms a solve instead of 0.1 ms), so the refit runs on one thread."""
    from threadpoolctl import threadpool_info

    from nvhai_predictor import online_adaptation

    def numpy_blas_threads() -> int:  # numpy's own BLAS (torch, when a test run loaded it, brings another)
        return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas" and "numpy" in i["filepath"])

    if numpy_blas_threads() == 1:
        pytest.skip("this numpy's BLAS runs one thread anyway")
    during: list[int] = []
    solve = np.linalg.solve

    def counted(a, b):
        during.append(numpy_blas_threads())
        return solve(a, b)

    monkeypatch.setattr(online_adaptation.np.linalg, "solve", counted)
    ridge = online_adaptation.RidgeCorrection(AdaptationConfig(refit_every=1), GRID)
    phi = np.random.default_rng(0).normal(size=(34, 29 + T_OUT))
    ridge.observe(phi, np.random.default_rng(1).normal(size=(34, T_OUT)))
    assert during == [1, 1] and ridge.weights is not None  # the shared map, then the x and y maps (batched)
    assert ridge.axis_weights is not None
    assert numpy_blas_threads() > 1, "restored after"


def test_the_x_and_y_maps_learn_what_one_shared_map_cannot():
    """The model forecasts y exactly and x twice too far: one map shared by both axes can only split the
    difference; with a map per axis the x forecast is halved and y left alone."""
    maes = {}
    for axis_strength in (0.0, 30.0):
        core = one_person(OnlineConfig(AdaptationConfig(axis_strength=axis_strength), ScoringConfig(gate=False)))
        for t, window, truth in _windows_with_future(waving(1800, seed=4)):
            model = truth.copy()
            model[..., 0] = 2 * truth[..., 0] - window[-1, :, 0]  # x: twice the move
            core.forecast(t, window, model)
        maes[axis_strength] = core.scores.mae
    assert maes[0.0]["adapted"] < maes[0.0]["model"]  # the shared map helps a little
    assert maes[30.0]["adapted"] < 0.5 * maes[0.0]["adapted"], maes


def test_until_the_gate_has_evidence_a_new_person_gets_the_prior_share_and_a_sparse_one_half_of_it():
    """Before min_scored windows are scored the published move is new_person_prior x the model's, and
    sparse_prior x that for a person with six keypoints unseen in the newest frame (chest-up); once the gate
    has its evidence it decides alone."""
    rng = np.random.default_rng(5)
    window, model = rng.normal(0, 0.2, (T_IN, 17, 2)), rng.normal(0, 0.2, (T_OUT, 17, 2))
    chest_up = np.ones((T_IN, 17), bool)
    chest_up[:, 11:] = False
    last = window[-1]
    config = OnlineConfig(AdaptationConfig(enabled=False), ScoringConfig(new_person_prior=0.3, sparse_prior=0.5),
                          PlausibilityConfig(enabled=False))  # random poses: no body, no plausibility check
    core, other = one_person(config), one_person(config)
    sparse = core.forecast(0.0, window, model, chest_up)
    whole = other.forecast(0.0, window, model, np.ones((T_IN, 17), bool))
    np.testing.assert_allclose(sparse.published - last, 0.15 * (model - last), atol=1e-12)
    np.testing.assert_allclose(whole.published - last, 0.3 * (model - last), atol=1e-12)
    assert sparse.weight == pytest.approx(0.15) and whole.weight == pytest.approx(0.3)  # /diagnostics' gate_weight
    core.gate.scored = ScoringConfig().min_scored  # the gate has its evidence now: it decides
    np.testing.assert_allclose(core.forecast(0.5, window, model, chest_up).published, model, atol=1e-12)
