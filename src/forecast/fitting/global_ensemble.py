"""`forecast fit PANEL --model ensemble` with a neural member: the member trained once, as one
global network over the panel, the classical members fitted per series.

1. The network: :func:`~forecast.fitting.global_network.new_global` and
   :func:`~forecast.fitting.global_network.fit_global_model` with the ensemble's horizon as its
   head and the neural member's parameters (the ensemble's ``epochs``, ``seed``, ``device``,
   ``period``; the rest its defaults): the network ``forecast fit PANEL --model gru -H h`` trains
   with those parameters. It forecasts every series once, at the asked levels and at those the
   quantiles need (:func:`~forecast.fitting.global_network.draw_levels`), in this process.
2. Every series, mapped by the executor (:func:`fit_with_member`): the ensemble fits its
   classical members (:meth:`~forecast.models.ensemble.Ensemble.leave_neural_member`), joins the
   network's forecast of the series as one more member
   (:class:`~forecast.models.given.GivenForecast`) and combines them as it combines its members
   (mean or median of the forecasts, of the bounds, of the quantiles), then the forecast is
   floored as any other (:func:`~forecast.fitting.series.finish_forecast`). A series the network
   cannot forecast (shorter than its window) gets the classical members' combination and a
   note. A series whose classical members all fail goes to the fallback, as
   :func:`~forecast.fitting.panel.fit_one` does.

Not here: sample paths (the network simulates none), ``--intervals conformal`` (it refits per
series), weighted combinations (:class:`~forecast.models.ensemble.Ensemble` refuses them with a
neural member), a model file (one file holds per-series models or one global network, not
both). Backtests: :mod:`forecast.backtesting.ensemble_entry`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from forecast.data import Panel, SeriesData
from forecast.errors import UsageError, describe_error
from forecast.execution.executor import SeriesTasks
from forecast.fitting.panel import FitSpec, SeriesOutcome
from forecast.models.base import Forecast, ModelSummary
from forecast.models.neural.global_options import GlobalOptions

if TYPE_CHECKING:
    from forecast.execution import Executor
    from forecast.models.ensemble import Ensemble
    from forecast.models.neural.global_model import GlobalForecaster
    from forecast.models.trees.model import TreeForecaster

Member = tuple[Forecast, ModelSummary] | str  # the network's forecast of a series, or why not


def neural_member(model: str, params: Any) -> str | None:
    """The neural member of an ``ensemble`` run's raw parameters (None for another model or an
    ensemble without one); a bad parameter is the registry's usage error."""
    if model != "ensemble":
        return None
    return _ensemble(params).neural_member


def network_params(params: Any) -> dict[str, Any]:
    """The parameters of the neural member of an ensemble's raw parameters."""
    return _ensemble(params).neural_params()


def _ensemble(params: Any) -> Ensemble:
    from forecast.models.ensemble import Ensemble
    from forecast.models.registry import get_spec

    made = get_spec("ensemble").create(dict(params))
    assert isinstance(made, Ensemble)
    return made.check()


def check_request(spec: FitSpec, save: bool, several: bool, neural: str) -> None:
    """The runs a panel's ensemble with a neural member does not do yet (one line each)."""
    if several:
        raise UsageError(
            f"the ensemble's {neural} is one global network for every series of a panel; "
            "several models in one fit run per series: fit the ensemble in its own run"
        )
    if save:
        raise UsageError(
            f"--save with an ensemble whose {neural} is one global network over the panel: a "
            "model file holds per-series models or one global network, not both; fit without "
            f"--save (or save the classical ensemble and -m {neural} in two runs)"
        )
    if spec.intervals == "conformal":
        raise UsageError(
            f"--intervals conformal refits per series, and the ensemble's {neural} is one "
            "global network over the panel; use --intervals model"
        )
    if spec.draws.samples:
        raise UsageError(
            f"--samples with an ensemble whose {neural} is one global network: the network "
            f"simulates no paths; use --quantiles, or drop {neural} from members"
        )


def fit_ensemble_panel(
    panel: Panel, spec: FitSpec, options: GlobalOptions, runner: Executor
) -> tuple[GlobalForecaster | TreeForecaster | str, Iterator[SeriesOutcome]]:
    """Train the ensemble's neural member once on ``panel`` (in this process) and give every
    series' combined forecast, in id order, as ``runner`` maps :func:`fit_with_member`. A
    network the panel cannot train (too few windows, say) is given as why not, a string:
    every series then combines its classical members only, each with a note."""
    from forecast.errors import InputError
    from forecast.fitting.global_network import train_on_panel

    ensemble = _ensemble(spec.params)
    neural = ensemble.neural_member
    assert neural is not None
    try:
        network, forecasts = train_on_panel(neural, ensemble.neural_params(), panel, spec, options)
    except InputError as exc:  # the panel's data, not the request: the members still can
        reason = f"not trained on this panel: {exc.message}"
        return reason, runner.map(fit_with_member, _MemberTasks(panel, spec, [reason] * len(panel)))
    members: list[Member] = []
    for series in panel:
        made = forecasts[series.id or ""]
        members.append(made if isinstance(made, str) else (made, network.summary(series.id or "")))
    return network, runner.map(fit_with_member, _MemberTasks(panel, spec, members))


class _MemberTasks(SeriesTasks):
    """``(series, spec, member)``: each series with the network's forecast of it."""

    def __init__(self, panel: Panel, spec: FitSpec, members: Sequence[Member]) -> None:
        super().__init__(panel, spec)
        self.members = members

    def task(self, i: int) -> tuple[Any, ...]:
        return (self.panel[i], self.extra[0], self.members[i])


def fit_with_member(task: tuple[SeriesData, FitSpec, Member]) -> SeriesOutcome:
    """One series: its classical members fitted, the network's forecast joined, combined (the
    fallback when the classical members all fail)."""
    series, spec, member = task
    sid = series.id or ""
    try:
        forecast, summary, notes = _combined(series, spec, member)
    except Exception as exc:  # a panel isolates every series
        from forecast.fitting.global_network import fallback_outcome

        return replace(fallback_outcome(series, spec, describe_error(exc)), label=spec.name)
    return SeriesOutcome(
        sid,
        spec.model,
        forecast,
        summary,
        training=series.describe(),
        notes=notes,
        label=spec.name,
    )


def _combined(
    series: SeriesData, spec: FitSpec, member: Member
) -> tuple[Forecast, ModelSummary, tuple[str, ...]]:
    from forecast.fitting.series import finish_forecast, with_draws
    from forecast.models.given import GivenForecast

    ensemble = _ensemble(spec.params).leave_neural_member().fit(series.y)
    neural = ensemble.neural_member
    assert neural is not None
    notes: tuple[str, ...] = ()
    if isinstance(member, str):
        kept = ", ".join(m.name for m in ensemble.members_)
        notes = (
            f"ensemble: the global {neural} cannot forecast this series "
            f"({member.split(';')[0]}): the forecast combines {kept} only",
        )
    else:
        ensemble.joined(GivenForecast.of(neural, series.y, *member), neural)
    forecast = ensemble.predict(spec.horizon, spec.levels)
    forecast = with_draws(forecast, ensemble, spec.draws, series.id)
    forecast, finished = finish_forecast(forecast, series.y.to_numpy(), spec.model, spec.floor)
    return forecast, ensemble.summary(), notes + finished


def trained_note(neural: str, n_series: int, info: dict[str, Any] | str) -> str:
    """The note on the ensemble's global member: how it was trained, and what it joins (or,
    ``info`` a string, why it was not)."""
    if isinstance(info, str):
        return (
            f"ensemble: its {neural} member was {info.split(';')[0]}; every series combines "
            "its classical members only"
        )
    return (
        f"ensemble: its {neural} member is one global network for {n_series} series, trained "
        f"on {info['device']} in {info['train_seconds']:.1f} s ({info['epochs_run']} epochs); "
        "each series combines it with its own classical members"
    )
