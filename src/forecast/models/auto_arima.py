"""auto-ARIMA: order selection by pmdarima, then the chosen model as a state-space forecaster.

pmdarima chooses d by repeated KPSS tests and D by the OCSB test, then searches (p, q)(P, Q)
stepwise (Hyndman & Khandakar 2008) or exhaustively, by ``ic`` (AICc by default, as R's
``auto.arima``). The winner's parameters are then filtered like any other ARIMA model here, so
save, reload and ``update`` behave the same. When the search fails it falls back to simpler
searches, and finally to ARIMA(0,d,0); the summary says so.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from forecast.errors import ComputeError, UsageError
from forecast.models.arima import Estimate, SarimaxSpec, StateSpaceForecaster, estimate_mle
from forecast.models.baselines import resolve_period


class AutoArima(StateSpaceForecaster):
    """Automatic (S)ARIMA order selection (pmdarima.auto_arima)."""

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

    def _fit(self, y: np.ndarray) -> None:
        if self.ic not in ("aic", "aicc", "bic", "hqic"):
            raise UsageError(f"auto-arima: ic must be aic, aicc, bic or hqic, got {self.ic!r}")
        period, source = (None, "not seasonal")
        if self.seasonal:
            period, source = resolve_period(self.period, y, self.freq_)
            if period is not None and y.size < 2 * period + 2:
                period, source = None, f"too short for period {period}"
        attempts: list[tuple[str, dict[str, Any]]] = []
        if period:
            attempts.append((f"seasonal search, m={period}", {"seasonal": True, "m": period}))
        attempts.append(("non-seasonal search", {"seasonal": False}))
        notes: list[str] = []
        for label, kwargs in attempts:
            found = self._search(y, kwargs)
            if found is not None:
                spec, estimate = found
                break
            notes.append(f"auto-arima: the {label} found no model that could be fitted")
        else:
            spec, estimate = self._fallback(y)
            notes.append(f"auto-arima: fell back to {spec.describe()}")
        extra = {
            "selection": f"{'stepwise' if self.stepwise else 'exhaustive'} search by "
            f"{self.ic.upper()}; period {period or '-'} ({source})"
        }
        self._set_fitted(spec, estimate, extra, tuple(notes))

    def _search(self, y: np.ndarray, kwargs: dict[str, Any]) -> tuple[SarimaxSpec, Estimate] | None:
        import pmdarima as pm

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = pm.auto_arima(
                    y,
                    stepwise=self.stepwise,
                    information_criterion=self.ic,
                    max_p=self.max_p,
                    max_q=self.max_q,
                    max_P=self.max_P,
                    max_Q=self.max_Q,
                    max_d=self.max_d,
                    max_D=self.max_D,
                    suppress_warnings=True,
                    error_action="ignore",
                    **kwargs,
                )
            except (ValueError, np.linalg.LinAlgError):
                return None
        p, d, q = (int(v) for v in fit.order)
        P, D, Q, m = (int(v) for v in fit.seasonal_order)
        spec = SarimaxSpec(
            p,
            d,
            q,
            (P, D, Q, m) if m else (0, 0, 0, 0),
            trend="c" if fit.with_intercept else "n",
            form="intercept",  # pmdarima estimates SARIMAX's intercept form
        )
        res = fit.arima_res_
        return spec, Estimate(
            np.asarray(res.params, float), np.asarray(res.bse, float), tuple(res.model.param_names)
        )

    def _fallback(self, y: np.ndarray) -> tuple[SarimaxSpec, Estimate]:
        from forecast.diagnostics.stationarity import kpss_differences

        d = kpss_differences(y, max_d=self.max_d)  # pmdarima's ndiffs(test="kpss"), tested equal
        spec = SarimaxSpec(0, d, 0, trend="c" if d == 0 else "n")
        try:
            return spec, estimate_mle(spec, y, self.name)
        except ComputeError as exc:
            raise ComputeError(
                f"auto-arima: even the fallback {spec.describe()} failed: {exc}"
            ) from None
