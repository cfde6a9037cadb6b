"""auto-ARIMA: Hyndman & Khandakar's order search, then the chosen model as a state-space
forecaster.

The search (:mod:`forecast.models.arima.search`) is R's ``forecast::auto.arima`` as pmdarima
implements it: D by the OCSB test, d by repeated KPSS tests, then a stepwise (or exhaustive)
search by AICc over models fitted by forecast's compiled exact-likelihood core. The winner's
parameters are filtered like any other ARIMA model here, so save, reload and ``update`` behave
the same. When the seasonal search finds no admissible model it searches non-seasonal models,
and finally falls back to ARIMA(0,d,0); the summary says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from forecast.diagnostics.seasonality import describe_period, resolve_period
from forecast.errors import ComputeError, UsageError
from forecast.models.arima.models import (
    COMPILED,
    SLOW_OBS,
    SLOW_PERIOD,
    Estimate,
    StateSpaceForecaster,
    estimate_exog,
    estimate_mle,
)
from forecast.models.arima.spec import SarimaxSpec

if TYPE_CHECKING:
    from forecast.models.arima.search import Limits, SearchResult


class AutoArima(StateSpaceForecaster):
    """Automatic (S)ARIMA order selection (Hyndman-Khandakar, as R's auto.arima)."""

    name = "auto-arima"
    min_obs = 8

    def __init__(
        self,
        period: int | None = None,
        seasonal: bool = True,
        stepwise: bool = True,
        ic: str = "aicc",
        max_p: int = 5,
        max_q: int = 5,
        max_P: int = 2,
        max_Q: int = 2,
        max_d: int = 2,
        max_D: int = 1,
        max_order: int = 5,
        max_models: int = 94,
        time_limit: float = 0.0,
        approximation: str = "auto",
    ) -> None:
        self.period = period
        self.seasonal = seasonal
        self.stepwise = stepwise
        self.ic = ic
        self.max_p = max_p
        self.max_q = max_q
        self.max_P = max_P
        self.max_Q = max_Q
        self.max_d = max_d
        self.max_D = max_D
        self.max_order = max_order
        self.max_models = max_models
        self.time_limit = time_limit
        self.approximation = approximation

    def _limits(self) -> Limits:
        from forecast.models.arima.search import Limits

        if not float(self.time_limit) >= 0:
            raise UsageError(f"auto-arima: time_limit must be >= 0 seconds, got {self.time_limit}")
        if int(self.max_models) < 1:
            raise UsageError(f"auto-arima: max_models must be >= 1, got {self.max_models}")
        if self.approximation not in ("auto", "css", "exact"):
            raise UsageError(
                f"auto-arima: approximation must be auto, css or exact, got {self.approximation!r}"
            )
        return Limits(
            max_p=int(self.max_p),
            max_q=int(self.max_q),
            max_P=int(self.max_P),
            max_Q=int(self.max_Q),
            max_d=int(self.max_d),
            max_D=int(self.max_D),
            max_order=int(self.max_order),
            max_models=int(self.max_models),
            time_limit=float(self.time_limit) or None,
            approximation=str(self.approximation),
        )

    def _fit(self, y: np.ndarray) -> None:
        if self.ic not in ("aic", "aicc", "bic", "hqic"):
            raise UsageError(f"auto-arima: ic must be aic, aicc, bic or hqic, got {self.ic!r}")
        full = y
        y = self._regression_errors(y)  # with regressors: the orders are chosen on y - X b_ols
        period, source = (None, "not seasonal")
        if self.seasonal:
            period, source = resolve_period(self.period, y, self.freq_, model_decides=True)
            if period is not None and y.size < 2 * period + 2:
                period, source = None, f"too short for period {period}"
        attempts = ([(f"seasonal search, m={period}", period)] if period else []) + [
            ("non-seasonal search", 1)
        ]
        notes: list[str] = []
        if period is not None and period > SLOW_PERIOD and y.size > SLOW_OBS:
            from forecast.progress import announce

            notes.append(
                f"auto-arima: a seasonal period of {period} on {y.size} points is slow (about "
                "1.5 minutes for 48 on 4,000 points): -m mstl is faster; or bound it "
                "(-p time_limit=SECONDS, about twice that in all), narrow the search "
                "(-p max_P=1 -p max_Q=1) or fit one model with -m sarima"
            )
            announce(notes[-1])
        found: tuple[SarimaxSpec, Estimate, str] | None = None
        for label, m in attempts:
            result = self._search(y, m)
            if result is not None and result[0].best is not None:
                found = self._chosen(y, *result)
                if result[0].stopped:
                    notes.append(f"auto-arima: the {label} {result[0].stopped}")
                break
            notes.append(f"auto-arima: the {label} found no model that could be fitted")
        if found is None:
            spec, estimate = self._fallback(y)
            how = ""
            notes.append(f"auto-arima: fell back to {spec.describe()}")
        else:
            spec, estimate, how = found
        if self.exog_names_ and self.X_ is not None:
            estimate = estimate_exog(spec, full, self.X_, self.exog_names_, self.name)
            how += (
                "; orders chosen on the residuals of an OLS regression on the regressors, then "
                "estimated jointly with them"
            )
        extra = {
            "selection": f"{'stepwise' if self.stepwise else 'exhaustive'} search by "
            f"{self.ic.upper()}; {describe_period(period, source)}{how}"
        }
        self._set_fitted(spec, estimate, extra, tuple(notes))

    def _search(self, y: np.ndarray, m: int) -> tuple[SearchResult, int, int] | None:
        from forecast.models.arima.search import auto_arima

        try:
            return auto_arima(y, m, self.ic, bool(self.stepwise), self._limits())
        except (ValueError, np.linalg.LinAlgError):
            return None

    def _chosen(
        self, y: np.ndarray, result: SearchResult, d: int, D: int
    ) -> tuple[SarimaxSpec, Estimate, str]:
        from forecast.models.arima import estimation

        assert result.best is not None and result.fit is not None
        spec = result.best.spec()
        fit = estimation.refine(spec, y, result.fit)  # the search left its candidates unpolished
        bse = estimation.standard_errors(spec, y, fit.params)
        how = f"; d={d} (KPSS), D={D} (OCSB); {len(result.tried)} models fitted"
        return spec, Estimate(fit.params, bse, fit.names, estimation=COMPILED), how

    def _fallback(self, y: np.ndarray) -> tuple[SarimaxSpec, Estimate]:
        from forecast.diagnostics.stationarity import kpss_differences

        d = kpss_differences(y, max_d=self.max_d)  # pmdarima's ndiffs(test="kpss"), tested equal
        spec = SarimaxSpec(0, d, 0, trend="c" if d == 0 else "n", exact_diffuse=True)
        try:
            return spec, estimate_mle(spec, y, self.name)
        except ComputeError as exc:
            raise ComputeError(
                f"auto-arima: even the fallback {spec.describe()} failed: {exc}"
            ) from None
