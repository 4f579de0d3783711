"""What the predictor reports on /diagnostics, without ROS: the counters of one period, the health ladder
that turns them into a level and one message, and the values listed beside it (people, window fill,
per-person running scores and gate weight). The node counts into a PredictorStats and publishes `report`'s
answer once per diagnostics_period_s. Levels and mean_ms are nvhai_common.health's, as perception's."""

from __future__ import annotations

from dataclasses import dataclass

from nvhai_common.health import ERROR, OK, WARN, mean_ms
from nvhai_predictor.forecaster import Forecaster, StepResult

__all__ = ["ERROR", "OK", "WARN", "PredictorStats", "health", "online_values", "values"]
MAX_LISTED_PEOPLE = 20  # window_fill and the per-person scores list this many people at most


@dataclass
class PredictorStats:
    """Counters of one /diagnostics period, and the last problem of each kind in it."""

    received: int = 0  # messages that reached the callback
    processed: int = 0  # of those, run through the forecaster
    dropped: int = 0  # messages published but never received (gaps in the publishers' sequence numbers)
    rejected: int = 0  # observations refused (bad keypoints, stamps) or messages with no model loaded
    non_finite: int = 0  # forecasts not published: NaN/inf, not probabilities, or inference failed
    implausible: int = 0  # forecasts published as zero-velocity: no human body could follow them
    forecasts: int = 0
    served: int = 0  # people forecast (load shedding: at most max_people_per_step a frame)
    thinned: int = 0  # people ready but left for a later frame
    forgotten: int = 0
    infer_s: float = 0.0
    last_problem: str = ""  # of the inputs refused
    last_output_error: str = ""  # of the outputs dropped
    last_implausible: str = ""

    def refused(self, problem: str) -> None:
        self.rejected += 1
        self.last_problem = problem

    def bad_output(self, count: int, problem: str) -> None:
        self.non_finite += count
        self.last_output_error = problem

    def stepped(self, result: StepResult) -> None:
        """One message run through the forecaster."""
        self.processed += 1
        for problem in result.errors:
            self.refused(problem)
        if result.bad_outputs:
            self.bad_output(result.bad_outputs, result.output_error)
        if result.implausible:
            self.implausible += result.implausible
            self.last_implausible = result.implausible_reason
        self.forecasts += len(result.forecasts)
        self.served += len(result.forecasts) + result.bad_outputs
        self.thinned += len(result.thinned)
        self.forgotten += len(result.forgotten)


def health(s: PredictorStats, inactive: str | None, model_error: str | None,
           max_people_per_step: int) -> tuple[bytes, str]:
    """The level and message of a period, worst first. `inactive`: the lifecycle state when the node is not
    active (None when it is); `model_error`: why no model is loaded (None when one is)."""
    if inactive is not None:
        return OK, inactive
    if model_error is not None:
        return ERROR, f"no model: {model_error}"
    if s.non_finite:
        return ERROR, f"dropped {s.non_finite} bad model output(s): {s.last_output_error}"
    if s.dropped:
        return WARN, f"lost {s.dropped} of {s.dropped + s.received} input message(s): input faster than the " \
                     "predictor (raise keypoints_qos_depth for bursts)"
    if s.thinned:
        return WARN, f"crowd: {s.thinned} forecast(s) thinned, {s.served} served (at most {max_people_per_step} " \
                     "people a frame, the nearest every frame)"
    if s.rejected:
        return WARN, f"refused {s.rejected} input(s): {s.last_problem}"
    if s.implausible:
        return WARN, f"published zero-velocity for {s.implausible} implausible forecast(s): {s.last_implausible}"
    return OK, "ok"


def values(s: PredictorStats, forecaster: Forecaster | None) -> dict[str, object]:
    """The key-values beside the message."""
    people = forecaster.people if forecaster else {}
    listed = list(people)[:MAX_LISTED_PEOPLE]
    fills = [f"{pid}:{people[pid].window.fill:.2f}" for pid in listed]
    if len(people) > MAX_LISTED_PEOPLE:
        fills.append(f"... {len(people) - MAX_LISTED_PEOPLE} more")
    return {
        "received": s.received, "processed": s.processed, "dropped": s.dropped, "rejected": s.rejected,
        "non_finite": s.non_finite, "implausible": s.implausible, "forecasts": s.forecasts, "served": s.served,
        "thinned": s.thinned,
        "step_ms_mean": mean_ms(s.infer_s, s.processed, 2),
        "people": len(people), "window_fill": ", ".join(fills) or "none",
        "model": forecaster.runner.model_name if forecaster else "none",
        **online_values(forecaster, listed),
    }


def online_values(forecaster: Forecaster | None, people: list[int]) -> dict[str, str]:
    """Per person (`pid:value, ...`): running MAE of the model, adapted, published forecast and zero-velocity
    on their own observed futures (normalised space), windows scored, and the gate weight now."""
    online = [(pid, forecaster.people[pid].online) for pid in people] if forecaster else []
    scored = [(pid, o.scores, o.gate) for pid, o in online if o.scores.scored]
    values = {f"mae_{kind}": ", ".join(f"{pid}:{s.mae[kind]:.4f}" for pid, s, _ in scored) or "none"
              for kind in ("model", "adapted", "published", "zero_velocity")}
    values["windows_scored"] = ", ".join(f"{pid}:{s.scored}" for pid, s, _ in scored) or "none"
    values["gate_weight"] = ", ".join(f"{pid}:{g.weight:.2f}" for pid, _, g in scored) or "none"
    return values
