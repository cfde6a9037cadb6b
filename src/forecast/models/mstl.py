"""MSTL: several seasonal components taken out by STL, the rest forecast by ETS or ARIMA.

Fit (Bandara, Hyndman & Bergmeir 2021; statsmodels ``MSTL``, as R's ``forecast::mstl`` and
``stlf``; compiled in :mod:`forecast.models.stl_kernels`, with statsmodels' arithmetic, so its
numbers): decompose the training data into a trend, one seasonal component per period
(``periods=48,336`` for half-hourly data with daily and weekly cycles) and a remainder; fit the
remainder model (``ets`` without season, or ``auto-arima`` without seasonal terms) on the
seasonally adjusted series, trend plus remainder.

Forecast: the remainder model's forecast plus each seasonal component carried forward, its last
full cycle repeated (the seasonal naive forecast of each component, as R's ``stlf``). The
intervals are the remainder model's, shifted by the same seasonal terms: the uncertainty of the
seasonal components is not included.

The fitted parameters are the seasonal components over the training data, their last cycles
and the remainder model's parameters. ``update`` takes the carried-forward cycles out of the
new observations and updates the remainder model with the result (no new decomposition);
backtest forecasts from later origins do the same.

Convergence: STL is loess smoothing (no optimiser, no BLAS), exact to rounding; the
remainder model converges as ``ets`` and ``auto-arima`` do (polished optima, 1e-7 across
kernels), so the whole does.

Cost (bench/bench_smoothing_ets.py, bench_smoothing_panel.py): on monthly series of 50-150
points the compiled MSTL takes about 0.3 ms (statsmodels' about 1 ms, and importing it 0.75 s
of CPU: scipy.signal, polars), the compiled ``ets`` remainder (six non-seasonal forms) most of
the rest.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd

from forecast.errors import ComputeError, UsageError
from forecast.models.base import Bands, BaseForecaster, ModelSummary
from forecast.models.composite import pack, series_after, series_ending, unpack

SEASON = "the carried-forward seasonal components"
REMAINDER_MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "ets": ("ets", {"season": "none"}),
    "arima": ("auto-arima", {"seasonal": False}),
}


class Mstl(BaseForecaster):
    """MSTL decomposition with several periods; ETS or ARIMA on the seasonally adjusted data.

    Parameters
    ----------
    periods : tuple of int
        Seasonal periods (e.g. ``(48, 336)``); empty: the period rule's on the training data
        (:mod:`forecast.diagnostics.seasonality`). Periods without two full cycles of data are
        left out, with a note; with none left (or none found), the remainder model forecasts
        the series itself, with a note.
    remainder : {"ets", "arima"}
        Model of the seasonally adjusted series: ``ets`` without season, or ``auto-arima``
        without seasonal terms.
    """

    name = "mstl"
    min_obs = 8

    periods_: tuple[int, ...]
    fit_season_: np.ndarray  # [n_fit] the sum of the seasonal components over the fit data
    profiles_: list[np.ndarray]  # per period p: [p] the last cycle, indexed by position mod p
    inner_: BaseForecaster

    def __init__(self, periods: tuple[int, ...] = (), remainder: str = "ets") -> None:
        self.periods = periods
        self.remainder = remainder

    def min_length(self, freq: str | None = None) -> int:
        """What the remainder model needs (a series without two cycles of any period is
        forecast by it alone)."""
        from forecast.models.registry import get_spec

        name, params = REMAINDER_MODELS.get(self.remainder, REMAINDER_MODELS["ets"])
        return max(self.min_obs, get_spec(name).create(params).min_length(freq))

    def fit(self, y: pd.Series, exog: pd.DataFrame | None = None) -> Self:
        """As every model's; the training index is kept for the seasonally adjusted series
        (building it again from its end and frequency was a tenth of a monthly fit's cost)."""
        self._index = y.index
        try:
            return super().fit(y, exog)
        finally:
            del self._index

    def _fit(self, y: np.ndarray) -> None:
        from forecast.diagnostics.seasonality import describe_period, resolve_period
        from forecast.models.stl_kernels import mstl_decompose

        if self.remainder not in REMAINDER_MODELS:
            raise UsageError(f"mstl: remainder must be ets or arima, got {self.remainder!r}")
        if any(p < 2 for p in self.periods):
            raise UsageError(f"mstl: periods must be >= 2, got {','.join(map(str, self.periods))}")
        wanted = tuple(sorted(set(self.periods)))
        source = "given"
        if not wanted:
            found, source = resolve_period(None, y, self.freq_)
            wanted = (found,) if found else ()
        usable = tuple(p for p in wanted if y.size >= 2 * p + 1)
        notes = []
        if len(usable) < len(wanted):
            dropped = ",".join(str(p) for p in wanted if p not in usable)
            notes.append(f"mstl: period(s) {dropped} left out: fewer than two full cycles of data")
        if not usable:
            why = describe_period(None, source) if not wanted else "no period with two cycles"
            notes.append(
                f"mstl: {why}: nothing to decompose; the remainder model ({self.remainder}) "
                "forecasts the series itself"
            )
            self._fit_remainder(y, np.zeros((y.size, 0)), (), notes, why)
            return
        seasonal, _trend, resid = mstl_decompose(y, usable)  # [n, k] in ascending period order
        if not (np.isfinite(seasonal).all() and np.isfinite(resid).all()):
            raise ComputeError("mstl: the decomposition failed: non-finite components")
        strength = {
            f"seasonal_strength_{p}": float(
                max(0.0, 1 - np.var(resid) / np.var(resid + seasonal[:, j]))
            )
            for j, p in enumerate(usable)
        }
        described = f"periods {','.join(map(str, usable))} ({source})"
        self._fit_remainder(y, seasonal, usable, notes, described, strength)

    def _fit_remainder(
        self,
        y: np.ndarray,
        seasonal: np.ndarray,
        usable: tuple[int, ...],
        notes: list[str],
        described: str,
        strength: dict[str, float] | None = None,
    ) -> None:
        """The seasonal components' last cycles kept, the remainder model fitted on the
        seasonally adjusted data (the series itself without components), the summary."""
        from forecast.models.registry import get_spec

        n = y.size
        self.periods_ = usable
        self.fit_season_ = seasonal.sum(axis=1)
        self.profiles_ = []
        for j, p in enumerate(usable):
            profile = np.empty(p)
            positions = np.arange(n - p, n)
            profile[positions % p] = seasonal[positions, j]
            self.profiles_.append(profile)
        name, params = REMAINDER_MODELS[self.remainder]
        index = getattr(self, "_index", None)
        if index is not None and len(index) == y.size:
            adjusted = pd.Series(y - self.fit_season_, index=index)
            adjusted.attrs["freq"] = self.freq_
        else:
            adjusted = series_ending(y - self.fit_season_, self.end_, self.freq_)
        self.inner_ = get_spec(name).create(params).fit(adjusted)
        inner = self.inner_.summary()
        what = "seasonally adjusted data" if usable else "the series itself"
        self.summary_ = ModelSummary(
            model=self.name,
            description=f"MSTL, {described}; {what}: {inner.description}",
            params={"periods": list(usable), "remainder": self.remainder},
            coefficients=inner.coefficients,
            stats={**(strength or {}), "nobs": float(n)},
            notes=tuple(notes) + inner.notes,
            extra={"remainder_model": inner.to_dict()},
        )

    def season_at(self, positions: np.ndarray) -> np.ndarray:
        """The seasonal part at positions counted from the start of the training data: the
        decomposition's inside the fit data, the carried-forward cycles after it."""
        positions = np.asarray(positions, dtype=int)
        out = np.zeros(positions.size)
        inside = positions < self.fit_season_.size
        out[inside] = self.fit_season_[positions[inside]]
        after = positions[~inside]
        out[~inside] = sum(
            (profile[after % p] for p, profile in zip(self.periods_, self.profiles_, strict=True)),
            np.zeros(after.size),
        )
        return out

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        forecast = self.inner_.predict(horizon, levels)
        season = self.season_at(self.y_.size + np.arange(horizon))
        bands: Bands = {
            lv: (forecast.lower(lv) + season, forecast.upper(lv) + season) for lv in levels
        }
        method = (
            f"the seasonally adjusted model's intervals ({forecast.interval_method}) plus " + SEASON
        )
        return forecast.mean + season, bands, method

    def _predict_quantiles(self, horizon: int, probs: tuple[float, ...]) -> tuple[np.ndarray, str]:
        """The remainder model's quantiles plus the carried-forward seasonal terms."""
        from forecast.models.quantiles import forecast_quantiles

        inner = forecast_quantiles(self.inner_, horizon, probs)
        season = self.season_at(self.y_.size + np.arange(horizon))
        method = f"the seasonally adjusted model's quantiles ({inner.method}) plus " + SEASON
        return inner.values + season[None, :], method

    def _sample_paths(self, horizon: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """The remainder model's paths plus the carried-forward seasonal terms."""
        from forecast.models.paths import sample_paths

        seed = int(rng.integers(0, 2**63 - 1))  # one stream for the inner model, from rng
        season = self.season_at(self.y_.size + np.arange(horizon))
        return sample_paths(self.inner_, horizon, n, seed) + season[None, :]

    def _path_method(self) -> str:
        from forecast.models.paths import path_method

        return f"the seasonally adjusted model's paths ({path_method(self.inner_)}) plus " + SEASON

    def _update(self, new: np.ndarray) -> None:
        start = self.y_.size - new.size
        adjusted = new - self.season_at(start + np.arange(new.size))
        self.inner_.update(series_after(adjusted, self.inner_.end_, self.freq_))

    def rebased(self, history: pd.Series, exog: pd.DataFrame | None = None) -> Self:
        values = np.asarray(history, dtype="float64")
        copy = type(self)(**self.get_params())
        copy.y_, copy.freq_, copy.summary_ = values, self.freq_, self.summary_
        copy.start_, copy.end_ = pd.Timestamp(history.index[0]), pd.Timestamp(history.index[-1])
        copy.periods_, copy.fit_season_, copy.profiles_ = (
            self.periods_,
            self.fit_season_,
            self.profiles_,
        )
        adjusted = pd.Series(values - self.season_at(np.arange(values.size)), index=history.index)
        adjusted.attrs["freq"] = self.freq_
        copy.inner_ = self.inner_.rebased(adjusted)
        return copy

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        metas, arrays = pack([self.inner_])
        arrays |= {f"profile.{j}": profile for j, profile in enumerate(self.profiles_)}
        return {"periods": list(self.periods_), "inner": metas}, {
            **arrays,
            "fit_season": self.fit_season_,
        }

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.periods_ = tuple(int(p) for p in fitted["periods"])
        self.profiles_ = [
            np.asarray(arrays[f"profile.{j}"], dtype="float64") for j in range(len(self.periods_))
        ]
        self.fit_season_ = np.asarray(arrays["fit_season"], dtype="float64")
        self.inner_ = unpack(fitted["inner"], arrays)[0]

    def lookback(self, freq: str | None = None) -> int:
        from forecast.diagnostics.seasonality import calendar_period

        if hasattr(self, "periods_"):
            return max(self.periods_, default=1)
        return max(self.periods, default=calendar_period(freq) or 1)
