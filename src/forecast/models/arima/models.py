"""AR, MA, ARMA, ARIMA and SARIMA: estimated by forecast's compiled core, filtered by
statsmodels' state-space SARIMAX.

Every model in the family, auto-ARIMA and sparse-AR included, ends as a :class:`SarimaxSpec`
(orders and trend) plus a parameter vector. Maximum likelihood estimates come from
:mod:`forecast.models.arima.estimation` (statsmodels' own estimators are the fallback). Forecasts,
intervals, ``update`` and reloading from a model file all go through one function,
:func:`filtered`: a Kalman filter pass over the data at fixed parameters. So a reloaded model
forecasts exactly what the fitted one did, and ``update`` moves the state on without
re-estimating anything.

Trend (``trend`` parameter): ``n`` none, ``c`` constant, ``t`` linear trend (a drift once the
series is differenced), ``ct`` both; ``auto`` (the default) is ``c`` for an undifferenced model
and ``n`` otherwise, as R's ``Arima`` does. A differenced model cannot have a constant (the
differencing removes it): use ``t`` for a drift.

Two parameterisations of the deterministic terms are used. Models estimated here by maximum
likelihood use the *mean* form (statsmodels ``ARIMA``: y_t = mu + eta_t with ARMA errors eta,
as R's ``arima``; it is also better scaled for the optimiser). Parameters estimated elsewhere in
the *intercept* form (least squares ``AutoReg``; pmdarima's auto-ARIMA in model files written
before the own search: y_t = c + sum phi y_{t-i} + ...) are filtered with statsmodels
``SARIMAX``, which uses that form. The spec records which.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import ComputeError, UsageError
from forecast.models.arima import kalman
from forecast.models.arima.spec import Lags, SarimaxSpec, check_trend, resolve_trend
from forecast.models.base import (
    Bands,
    BaseForecaster,
    Coefficient,
    ForecastBatch,
    ModelSummary,
    check_levels,
    normal_bands,
)

KALMAN = "Kalman filter forecast variance (Gaussian errors, parameters taken as known)"


def filtered(spec: SarimaxSpec, y: np.ndarray, params: np.ndarray, unit: float = 1.0) -> Any:
    """The Kalman filter over ``y / unit`` at fixed ``params`` (given in the units of ``y``,
    converted by :func:`in_units`): the state every forecast starts from, in those units."""
    # statsmodels installs "always" warning filters when first imported: import it before
    # ours, or they would go in front of the "ignore" below
    import statsmodels.tsa.arima.model  # noqa: F401

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = spec.build(y / unit)
        return model.filter(in_units(model.param_names, params, unit), cov_type="none")


TREND_NAMES = ("const", "x1", "intercept", "drift")  # statsmodels' ARIMA and SARIMAX


def in_units(names: Sequence[str], params: np.ndarray, unit: float) -> np.ndarray:
    """``params`` for the series divided by ``unit``: the trend terms over ``unit``, sigma2
    over ``unit``^2; AR and MA coefficients are ratios and stay."""
    out = np.array(params, dtype="float64")
    for i, name in enumerate(names):
        if name == "sigma2":
            out[i] /= unit * unit
        elif name in TREND_NAMES:
            out[i] /= unit
    return out


def filter_unit(params: np.ndarray) -> float:
    """The unit the filter runs in: the power of two nearest the innovations' standard
    deviation (sigma2 is the last parameter), so that the forecast error variances are of
    order one. statsmodels' filter takes a forecast error variance at or below 1e-10 (an
    absolute tolerance, hard-coded) for zero and skips the observation: on a series at 1e-12
    times AirPassengers every observation was skipped (ARIMA(1,1,1) forecast the first value).
    Dividing by a power of two is exact, so the unit changes nothing else."""
    from forecast.models.optimum import data_scale

    sigma2 = float(params[-1]) if len(params) else math.nan
    if not (math.isfinite(sigma2) and sigma2 > 0):
        return 1.0
    return data_scale(np.array([math.sqrt(sigma2)]))


@dataclass(frozen=True)
class Estimate:
    """Fitted parameters, their standard errors, and what the optimiser said."""

    params: np.ndarray
    bse: np.ndarray | None
    names: tuple[str, ...]
    notes: tuple[str, ...] = ()
    stats: dict[str, float] | None = None  # the estimator's own fit statistics (OLS), if not MLE
    estimation: str = "exact maximum likelihood"
    exog_index: tuple[int, ...] = ()  # positions of the regression coefficients in params


COMPILED = (
    "exact maximum likelihood (CSS start, L-BFGS-B, compiled Kalman filter; Chandrasekhar "
    "recursions from a state of 8 on)"
)


def estimate_mle(
    spec: SarimaxSpec, y: np.ndarray, model_name: str, standard_errors: bool = True
) -> Estimate:
    """Exact Gaussian maximum likelihood: forecast's compiled core
    (:mod:`forecast.models.arima.estimation`: CSS start, L-BFGS-B on transformed parameters, Kalman
    filter likelihood), and statsmodels' estimators (:func:`estimate_statsmodels`) for what it
    does not cover (subset lags, missing values) or when it does not converge; the summary
    notes the fallback."""
    from forecast.models.arima import estimation

    check_trend(spec)
    if not estimation.supported(spec, y):
        return estimate_statsmodels(spec, y, model_name)
    try:
        fit = estimation.fit(spec, y)
    except (ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
        reason = str(exc)
    else:
        if fit.converged and np.isfinite(fit.params).all() and np.isfinite(fit.loglik):
            bse = estimation.standard_errors(spec, y, fit.params) if standard_errors else None
            return Estimate(fit.params, bse, fit.names, estimation=COMPILED)
        reason = f"L-BFGS-B: {fit.message}"
    fallback = estimate_statsmodels(spec, y, model_name)
    note = (
        f"{model_name} {spec.describe()}: the compiled estimator did not converge ({reason}); "
        "statsmodels' estimators were used"
    )
    return replace(fallback, notes=(note, *fallback.notes))


def estimate_statsmodels(spec: SarimaxSpec, y: np.ndarray, model_name: str) -> Estimate:
    """Exact Gaussian maximum likelihood by statsmodels, trying in turn:

    1. the innovations algorithm (statsmodels ``innovations_mle``): exact likelihood, fast;
    2. the Kalman filter likelihood by L-BFGS (50 iterations), when 1 fails or does not converge;
    3. Nelder-Mead (2000 iterations) from there, when L-BFGS does not converge either.

    The best likelihood reached is kept; a model that never converged carries a note saying so.
    """
    model = spec.build(y)
    res, tried, error = _fit_in_turn(model, _ESTIMATORS, restart_needs_a_fit=True)
    if res is None:
        raise ComputeError(f"{model_name} {spec.describe()} could not be estimated: {error}")
    converged = _converged(res)
    params = np.asarray(res.params, dtype="float64")
    if not np.isfinite(params).all() or not np.isfinite(res.llf):
        raise ComputeError(
            f"{model_name} {spec.describe()} gave non-finite parameters "
            f"(tried {', '.join(tried)}); try a simpler order"
        )
    notes: tuple[str, ...] = ()
    if not converged:
        notes = (
            f"{model_name} {spec.describe()}: the likelihood optimisation did not converge (tried "
            f"{', '.join(tried)}); the forecasts may be unreliable",
        )
    bse = np.asarray(res.bse, dtype="float64") if hasattr(res, "bse") else None
    return Estimate(params, bse, tuple(model.param_names), notes)


EXOG_ESTIMATION = (
    "exact maximum likelihood of the regression with ARIMA errors (statsmodels SARIMAX state "
    "space, as R's arima(xreg=); standard errors from the numerical Hessian)"
)


def estimate_exog(
    spec: SarimaxSpec,
    y: np.ndarray,
    X: np.ndarray,
    exog_names: Sequence[str],
    model_name: str,
) -> Estimate:
    """Regression with ARIMA errors, y_t = X_t b + u_t with u_t the ARIMA model of ``spec``
    (statsmodels SARIMAX ``exog``, R's ``arima(xreg=)``): b and the ARIMA parameters by exact
    Gaussian maximum likelihood in statsmodels' state space (the regression on levels, the
    differencing in the state, starting values by OLS on the differenced data). L-BFGS first,
    Nelder-Mead from there when it does not converge."""
    import statsmodels.tsa.arima.model  # noqa: F401  (its warning filters first, see filtered)

    check_trend(spec)
    if spec.form != "mean":
        raise UsageError(f"{model_name}: regressors need maximum likelihood (method=mle)")
    model = spec.build(y, X)
    res, _, error = _fit_in_turn(model, _EXOG_ESTIMATORS, restart_needs_a_fit=False)
    if res is None:
        raise ComputeError(f"{model_name} {spec.describe()} with regressors failed: {error}")
    params = np.asarray(res.params, dtype="float64")
    if not np.isfinite(params).all() or not np.isfinite(res.llf):
        raise ComputeError(
            f"{model_name} {spec.describe()} with regressors gave non-finite parameters; try a "
            "simpler order or fewer regressors"
        )
    raw_names = list(model.param_names)
    # statsmodels' ARIMA lays out [trend terms, regressors, ARMA, sigma2] and names a drift
    # "x1" too: the regressors follow the trend terms
    first = {"n": 0, "c": 1, "t": 1, "ct": 2}[spec.trend]
    index = tuple(range(first, first + X.shape[1]))
    names = list(raw_names)
    for i, name in zip(index, exog_names, strict=True):
        names[i] = str(name)
    bse = np.asarray(res.bse, dtype="float64")
    notes: tuple[str, ...] = ()
    if not _converged(res):
        notes = (
            f"{model_name} {spec.describe()}: the likelihood optimisation with regressors did "
            "not converge; the forecasts may be unreliable",
        )
    return Estimate(params, bse, tuple(names), notes, estimation=EXOG_ESTIMATION, exog_index=index)


# (label, fit keywords, starts from the last fit's parameters)
Estimator = tuple[str, dict[str, Any], bool]
_ESTIMATORS: tuple[Estimator, ...] = (
    ("innovations MLE", {"method": "innovations_mle"}, False),
    ("L-BFGS (50 iterations)", {}, False),
    (
        "Nelder-Mead (2000 iterations) from there",
        {"method_kwargs": {"method": "nm", "maxiter": 2000}},
        True,
    ),
)
_EXOG_ESTIMATORS: tuple[Estimator, ...] = (
    (
        "L-BFGS",
        {"cov_type": "approx", "method_kwargs": {"maxiter": 1000, "pgtol": 1e-9, "factr": 10.0}},
        False,
    ),
    (
        "Nelder-Mead from there",
        {"cov_type": "approx", "method_kwargs": {"method": "nm", "maxiter": 4000}},
        True,
    ),
)


def _fit_in_turn(
    model: Any, estimators: Sequence[Estimator], *, restart_needs_a_fit: bool
) -> tuple[Any, list[str], Exception | None]:
    """statsmodels' ``fit`` with each estimator in turn until one converges; an estimator
    marked so starts from the last fit's parameters (with ``restart_needs_a_fit`` the run
    stops there when nothing has been fitted yet). Returns the best fit (a converged one first,
    then the highest likelihood; None when every estimator raised), the estimators tried and
    the last error."""
    tried: list[str] = []
    fits: list[Any] = []
    error: Exception | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for label, shared, from_previous in estimators:
            kwargs = copy.deepcopy(shared)  # statsmodels adds its own keys to method_kwargs
            if from_previous and fits:
                kwargs = {**kwargs, "start_params": fits[-1].params}
            elif from_previous and restart_needs_a_fit:
                break
            tried.append(label)
            try:
                res = model.fit(**kwargs)
            except (ValueError, np.linalg.LinAlgError, IndexError) as exc:
                error = exc
                continue
            fits.append(res)
            if _converged(res):
                break
    if not fits:
        return None, tried, error
    best = max(fits, key=lambda r: (_converged(r), np.nan_to_num(r.llf, nan=-np.inf)))
    return best, tried, error


def _likelihood_stats(res: Any, k: int, unit: float = 1.0) -> dict[str, float]:
    """Log-likelihood and information criteria as R reports them: ``k`` estimated parameters,
    the observations the likelihood counts (after the diffuse differencing states).
    statsmodels' own ``aic`` adds the diffuse states to ``k`` under the exact diffuse start.
    ``res`` filtered the series divided by ``unit``: each counted observation's density is
    ``unit`` times the series' one."""
    from forecast.models.arima.estimation import information_criteria

    n = int(res.nobs) - int(getattr(res, "nobs_diffuse", 0) or res.loglikelihood_burn)
    loglik = float(res.llf) - n * math.log(unit)
    found = information_criteria(loglik, k, n)
    return {"loglik": loglik, **found, "nobs": float(n)}


def _converged(res: Any) -> bool:
    """What the optimiser said: ``mle_retvals`` (state space) or ``fit_details`` (innovations)."""
    retvals = getattr(res, "mle_retvals", None)
    if retvals:
        return bool(retvals.get("converged", True))
    details = getattr(res, "fit_details", None)
    if isinstance(details, dict) and "converged" in details:
        return bool(details["converged"])
    return True


class StateSpaceForecaster(BaseForecaster):
    """Shared machinery: a spec and parameters, and the filter that serves every forecast.

    statsmodels filters the data the model was fitted on (``y_[:kalman_start_]``); observations
    added by ``update`` move the state on with :mod:`forecast.models.arima.kalman`, a few matrix
    products each. A reloaded model repeats exactly these two steps, so it forecasts exactly
    what the model that was saved did. Systems that module does not cover (time-varying state
    intercepts) are re-filtered by statsmodels on update instead.
    """

    supports_exog = True
    spec_: SarimaxSpec
    params_: np.ndarray  # the ARIMA parameters (the filter's), without the regression's
    exog_coef_: np.ndarray = np.zeros(0)  # b of y = X b + u: one per regressor
    results_: Any  # statsmodels' filter over y_ / unit_
    unit_: float = 1.0  # filter_unit(params_): the filter's unit (system_, state_ too)
    kalman_start_: int
    system_: kalman.StateSpace | None
    state_: kalman.KalmanState | None

    def _set_fitted(
        self,
        spec: SarimaxSpec,
        estimate: Estimate,
        extra: dict[str, Any] | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        self.spec_ = spec
        keep = np.ones(estimate.params.size, bool)
        keep[list(estimate.exog_index)] = False
        self.params_ = estimate.params[keep]
        self.exog_coef_ = estimate.params[list(estimate.exog_index)]
        self._start_filter(self.y_.size)
        self.summary_ = self._summarise(estimate, extra or {}, notes + estimate.notes)

    def _start_filter(self, n: int) -> None:
        """statsmodels filters ``y_[:n]``; the rest is carried by the Kalman module."""
        self.kalman_start_ = n
        self.unit_ = filter_unit(self.params_)
        errors = self._errors(self.y_[:n], self.X_, 0)
        self.results_ = filtered(self.spec_, errors, self.params_, self.unit_)
        self.system_, self.state_ = self._system(self.results_) or (None, None)
        if n < self.y_.size:
            self._update(self.y_[n:])

    def _system(self, res: Any) -> tuple[kalman.StateSpace, kalman.KalmanState] | None:
        """The Kalman module's system and final state of a filter run in ``unit_``."""
        names = res.model.param_names
        scaled = in_units(names, self.params_, self.unit_)
        return kalman.from_statsmodels(res, dict(zip(names, scaled, strict=True)))

    def _errors(self, y: np.ndarray, X: np.ndarray | None, start: int) -> np.ndarray:
        """u = y - X b, the ARIMA part the filter runs on; ``X`` from row ``start``."""
        if not self.exog_names_ or X is None:
            return y
        return y - X[start : start + y.size] @ self.exog_coef_

    def _predict_exog(
        self, horizon: int, levels: tuple[float, ...], future: np.ndarray
    ) -> tuple[np.ndarray, Bands, str]:
        """The forecast of u plus X_future b (b taken as known, as SARIMAX's forecasts)."""
        mean, bands, method = self._predict(horizon, levels)
        shift = future @ self.exog_coef_
        return (
            mean + shift,
            {lv: (lo + shift, hi + shift) for lv, (lo, hi) in bands.items()},
            method,
        )

    def _summarise(
        self, estimate: Estimate, extra: dict[str, Any], notes: tuple[str, ...]
    ) -> ModelSummary:
        from forecast.diagnostics.acf import ljung_box

        res, spec = self.results_, self.spec_
        bse = estimate.bse if estimate.bse is not None else [None] * len(estimate.params)
        coefficients = tuple(
            Coefficient(
                name, float(value), None if se is None or not np.isfinite(se) else float(se)
            )
            for name, value, se in zip(
                _readable_names(estimate.names, spec), estimate.params, bse, strict=True
            )
        )
        stats = estimate.stats or _likelihood_stats(res, len(estimate.params), self.unit_)
        stats = {
            **stats,
            "sigma2": float(dict(zip(estimate.names, estimate.params, strict=True))["sigma2"]),
        }
        burn = int(res.loglikelihood_burn)
        std_resid = np.asarray(res.filter_results.standardized_forecasts_error[0, burn:])
        std_resid = std_resid[np.isfinite(std_resid)]
        lags = [k for k in (10, 2 * spec.seasonal[3]) if spec.n_arma < k < std_resid.size // 2]
        lb = ljung_box(std_resid, sorted(set(lags)), model_df=spec.n_arma) if lags else []
        return ModelSummary(
            model=self.name,
            description=spec.describe(),
            params=self.get_params(),
            coefficients=coefficients,
            stats=stats,
            residual_ljung_box=tuple(q.to_dict() for q in lb),
            notes=notes,
            extra={
                "order": list(spec.order),
                "seasonal_order": list(spec.seasonal),
                "trend": spec.trend,
                "estimation": estimate.estimation,
                **extra,
            },
        )

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        if self.system_ is not None and self.state_ is not None:
            mean, sd = self._moments(horizon)
            return mean, normal_bands(mean, sd, levels), KALMAN
        return self._statsmodels_forecast(horizon, levels)

    def _moments(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """The forecast means and standard deviations (the Kalman filter's), ``[horizon]``."""
        if self.system_ is not None and self.state_ is not None:
            mean, variance = kalman.forecast(self.system_, self.state_, horizon)
            return mean * self.unit_, np.sqrt(variance) * self.unit_
        forecast = self.results_.get_forecast(horizon)
        mean = np.asarray(forecast.predicted_mean, dtype="float64")
        return mean * self.unit_, np.asarray(forecast.se_mean, dtype="float64") * self.unit_

    def _predict_quantiles(self, horizon: int, probs: tuple[float, ...]) -> tuple[np.ndarray, str]:
        """Gaussian quantiles ``mean + z_p sd`` with the Kalman forecast variance."""
        from forecast.models.quantiles import normal_quantiles

        mean, sd = self._moments(horizon)
        return normal_quantiles(mean, sd, probs), KALMAN

    def _sample_paths(self, horizon: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """``[n, horizon]`` paths of the fitted state-space model
        (:func:`forecast.models.paths.state_space_paths`); a system the Kalman module does not
        cover falls back to bootstrapped walk-forward errors."""
        if self.system_ is None or self.state_ is None:
            from forecast.models.paths import bootstrap_paths

            return bootstrap_paths(self, horizon, n, rng)
        from forecast.models.paths import state_space_paths

        return state_space_paths(self.system_, self.state_, horizon, n, rng) * self.unit_

    def _path_method(self) -> str:
        if self.system_ is None or self.state_ is None:
            from forecast.models.paths import BOOTSTRAP

            return BOOTSTRAP
        return (
            "simulated from the fitted state-space model: the final state drawn from its "
            "filtered distribution, Gaussian innovations of variance sigma2, the differencing "
            "(d, D) integrated in the state"
        )

    def _statsmodels_forecast(
        self, horizon: int, levels: tuple[float, ...]
    ) -> tuple[np.ndarray, Bands, str]:
        unit = self.unit_
        forecast = self.results_.get_forecast(horizon)
        mean = np.asarray(forecast.predicted_mean, dtype="float64") * unit
        bands: Bands = {}
        for level in levels:
            interval = np.asarray(forecast.conf_int(alpha=1 - level / 100), dtype="float64")
            bands[level] = (interval[:, 0] * unit, interval[:, 1] * unit)
        return mean, bands, KALMAN

    def _update(self, new: np.ndarray) -> None:
        new = self._errors(new, self.X_, self.y_.size - new.size)
        if self.system_ is not None and self.state_ is not None:
            self.state_ = kalman.filter_values(self.system_, self.state_, new / self.unit_)
        else:
            self.kalman_start_ = self.y_.size
            errors = self._errors(self.y_, self.X_, 0)
            self.results_ = filtered(self.spec_, errors, self.params_, self.unit_)

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays = {"params": self.params_}
        if self.exog_names_:
            arrays["exog_coef"] = self.exog_coef_
        return {"spec": self.spec_.to_dict(), "kalman_start": self.kalman_start_}, arrays

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        from forecast.models.parameter_limits import check_orders

        spec = SarimaxSpec.from_dict(fitted["spec"])
        p = max(spec.p, default=0) if isinstance(spec.p, tuple) else spec.p
        seasonal = spec.seasonal if spec.seasonal[3] else ()
        check_orders(self.name, (p, spec.d, spec.q), seasonal, self.y_.size)  # no huge state
        self.spec_ = spec
        self.params_ = np.asarray(arrays["params"], dtype="float64")
        if "exog_coef" in arrays:
            self.exog_coef_ = np.asarray(arrays["exog_coef"], dtype="float64")
        self._start_filter(min(int(fitted["kalman_start"]), self.y_.size))

    def forecast_from(
        self,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        """One fixed-parameter Kalman pass over ``history`` gives the predicted state at every
        origin; the forecasts from all origins are then propagated together. With regressors,
        the pass runs on u = y - X b and X b is added back to every forecast (``exog`` holds
        the realised regressors up to the last origin's horizon)."""
        self._check_fitted()
        positions = np.asarray(origins, dtype=int)
        values = np.asarray(history, dtype="float64")[: int(positions.max()) + 1]
        shift = None
        if self.exog_names_:
            from forecast.models.base import exog_matrix

            if exog is None:
                raise UsageError(f"{self.name}: the model has regressors; pass exog")
            need = int(positions.max()) + 1 + horizon
            if len(exog) < need:
                raise UsageError(
                    f"{self.name}: the regressors cover {len(exog)} rows; forecasts from the "
                    f"last origin need {need}"
                )
            X = exog_matrix(exog[list(self.exog_names_)].iloc[:need], need, "forecast")
            values = self._errors(values, X, 0)
            xb = X @ self.exog_coef_
            shift = xb[positions[:, None] + 1 + np.arange(horizon)[None, :]]  # [O, horizon]
        elif exog is not None:
            raise UsageError(f"{self.name}: the model was fitted without regressors")
        res = filtered(self.spec_, values, self.params_, self.unit_)
        found = self._system(res)
        if found is None:  # a system the Kalman module does not cover: one filter per origin
            return super().forecast_from(history, positions, horizon, levels, exog)
        system, _ = found
        fr = res.filter_results
        a = fr.predicted_state[:, positions + 1].T  # [O, k]
        P = np.moveaxis(fr.predicted_state_cov[:, :, positions + 1], -1, 0)  # [O, k, k]
        mean, variance = kalman.forecast_many(system, a, P, positions + 1, horizon)
        mean, se = mean * self.unit_, np.sqrt(variance) * self.unit_
        if shift is not None:
            mean = mean + shift
        levels = check_levels(levels)
        return ForecastBatch(positions, mean, normal_bands(mean, se, levels), KALMAN)

    def lookback(self, freq: str | None = None) -> int:
        spec = getattr(self, "spec_", None)
        if spec is None:
            return self._lookback_from_params(freq)
        p = max(spec.p) if isinstance(spec.p, tuple) else spec.p
        P, D, _, m = spec.seasonal
        return max(1, p + spec.d + m * (P + D))

    def _lookback_from_params(self, freq: str | None) -> int:
        """Before fitting: the largest lag the hyperparameters allow."""
        from forecast.diagnostics.seasonality import calendar_period

        params = self.get_params()
        given_p = params.get("p")  # a fixed AR order; otherwise the search's maximum
        order = params.get("order") or (
            given_p if given_p is not None else params.get("max_p") or 0,
            params.get("d", 0),
            0,
        )
        p, d = int(order[0] or 0), int(order[1] or 0)
        p = max(p, int(params.get("max_lag") or 0))
        d = max(d, int(params.get("max_d") or 0))
        seasonal = params.get("seasonal_order")
        m = (
            int(seasonal[3])
            if seasonal is not None and len(seasonal) == 4
            else (params.get("period") or calendar_period(freq) or 0)
        )
        P = int(seasonal[0]) + int(seasonal[1]) if seasonal is not None else 0
        P = max(P, int(params.get("max_P") or 0) + int(params.get("max_D") or 0))
        return max(1, p + d + int(m) * P)

    def _fit_spec(
        self,
        spec: SarimaxSpec,
        y: np.ndarray,
        extra: dict[str, Any] | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        if spec.form == "mean":
            spec = replace(spec, exact_diffuse=True)
        if self.exog_names_ and self.X_ is not None:
            estimate = estimate_exog(spec, y, self.X_, self.exog_names_, self.name)
        else:
            estimate = estimate_mle(spec, y, self.name)
        self._set_fitted(spec, estimate, extra, notes)

    def _regression_errors(self, y: np.ndarray) -> np.ndarray:
        """y less its OLS fit on the regressors (and a constant): what order selection looks
        at when the model has regressors (the final fit estimates them jointly)."""
        if not self.exog_names_ or self.X_ is None:
            return y
        design = np.column_stack([np.ones(y.size), self.X_])
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        return y - self.X_ @ beta[1:]


def _order(value: Any, length: int, name: str) -> tuple[int, ...]:
    values = tuple(int(v) for v in value)
    if len(values) != length or any(v < 0 for v in values):
        raise UsageError(f"{name} must be {length} non-negative integers, got {list(value)}")
    return values


class Ar(StateSpaceForecaster):
    """AR(p). ``p=None`` picks the order by ``ic`` up to ``max_p``; ``method`` ``mle`` (exact
    likelihood, state space) or ``ols`` (conditional least squares, as Stata's ``regress`` and
    statsmodels' ``AutoReg``: the estimates are then filtered as a state-space model)."""

    name = "ar"
    min_obs = 5

    def __init__(
        self,
        p: int | None = None,
        max_p: int = 12,
        ic: str = "aic",
        method: str = "mle",
        trend: str = "auto",
    ) -> None:
        self.p = p
        self.max_p = max_p
        self.ic = ic
        self.method = method
        self.trend = trend

    def _fit(self, y: np.ndarray) -> None:
        trend = resolve_trend(self.trend, 0)
        if self.method not in ("mle", "ols"):
            raise UsageError(f"ar: method must be mle or ols, got {self.method!r}")
        if self.method == "ols" and trend not in ("n", "c"):
            raise UsageError("ar: method=ols takes trend n or c")
        if self.method == "ols" and self.exog_names_:
            raise UsageError("ar: regressors need method=mle (regression with AR errors)")
        p, selection = self._order(self._regression_errors(y), trend)
        spec = SarimaxSpec(
            p,
            0,
            0,
            trend=trend,
            enforce_stationarity=self.method == "mle",
            form="mean" if self.method == "mle" else "intercept",
        )
        extra = {"selection": selection} if selection else {}
        if self.method == "mle":
            self._fit_spec(spec, y, extra)
        else:
            self._set_fitted(spec, estimate_ols(y, p, trend), extra)

    def _order(self, y: np.ndarray, trend: str) -> tuple[int, str | None]:
        if self.p is not None:
            return int(self.p), None
        from statsmodels.tsa.ar_model import ar_select_order

        if self.ic not in ("aic", "bic", "hqic"):
            raise UsageError(f"ar: ic must be aic, bic or hqic, got {self.ic!r}")
        max_p = max(1, min(self.max_p, y.size // 3))
        from forecast.models.optimum import data_scale

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # on y / its power-of-two scale: the least squares behind it drop the constant's
            # column beside lags of 1e14 (AR(11) instead of AR(2) at 1e12 times the Nile)
            scaled = y / data_scale(y)
            chosen = ar_select_order(scaled, maxlag=max_p, ic=self.ic, trend=trend).ar_lags
        p = int(max(chosen)) if chosen is not None and len(chosen) else 0
        return p, f"p={p} chosen by {self.ic.upper()} over 0..{max_p} (OLS on a common sample)"


def estimate_ols(y: np.ndarray, p: Lags, trend: str) -> Estimate:
    """Conditional least squares (statsmodels AutoReg), laid out as SARIMAX parameters.

    AutoReg solves by a pseudo-inverse that drops singular values below a relative
    threshold: at 1e12 times AirPassengers the constant's column (ones beside lags of 1e14)
    fell under it and the intercept came out 1e-26. It runs on ``y`` divided by its
    power-of-two scale (exact), and the intercept, sigma2 and likelihood are scaled back."""
    from statsmodels.tsa.ar_model import AutoReg

    from forecast.models.optimum import data_scale

    lags = list(p) if isinstance(p, tuple) else p
    scale = data_scale(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = AutoReg(y / scale, lags=lags, trend=trend).fit()
    units = np.r_[[scale] if trend == "c" else [], np.ones(len(res.params) - (trend == "c"))]
    params = np.r_[np.asarray(res.params) * units, res.sigma2 * scale**2]
    bse = np.r_[np.asarray(res.bse) * units, np.nan]
    names = (
        (("intercept",) if trend == "c" else ())
        + tuple(f"ar.L{k}" for k in (lags if isinstance(lags, list) else range(1, lags + 1)))
        + ("sigma2",)
    )
    shift = float(res.nobs) * math.log(scale)  # each density divided by scale
    stats = {
        "loglik": float(res.llf) - shift,
        "aic": float(res.aic) + 2 * shift,
        "bic": float(res.bic) + 2 * shift,
        "nobs": float(res.nobs),
    }
    return Estimate(
        params,
        bse,
        names,
        stats=stats,
        estimation="conditional least squares (statsmodels AutoReg)",
    )


class Ma(StateSpaceForecaster):
    """MA(q), exact maximum likelihood."""

    name = "ma"
    min_obs = 5

    def __init__(self, q: int = 1, trend: str = "auto") -> None:
        self.q = q
        self.trend = trend

    def _fit(self, y: np.ndarray) -> None:
        self._fit_spec(SarimaxSpec(0, 0, int(self.q), trend=resolve_trend(self.trend, 0)), y)


class Arma(StateSpaceForecaster):
    """ARMA(p, q), exact maximum likelihood."""

    name = "arma"
    min_obs = 5

    def __init__(self, p: int = 1, q: int = 1, trend: str = "auto") -> None:
        self.p = p
        self.q = q
        self.trend = trend

    def _fit(self, y: np.ndarray) -> None:
        spec = SarimaxSpec(int(self.p), 0, int(self.q), trend=resolve_trend(self.trend, 0))
        self._fit_spec(spec, y)


class Arima(StateSpaceForecaster):
    """ARIMA(p, d, q), exact maximum likelihood."""

    name = "arima"
    min_obs = 5

    def __init__(self, order: tuple[int, int, int] = (1, 1, 1), trend: str = "auto") -> None:
        self.order = order
        self.trend = trend

    def _fit(self, y: np.ndarray) -> None:
        p, d, q = _order(self.order, 3, "order")
        self._fit_spec(SarimaxSpec(p, d, q, trend=resolve_trend(self.trend, d)), y)


# A seasonal ARIMA is slow above this period on more than this many points (RESULTS.md: on
# taylor's 4,032 points, period 48: auto-arima 94 s, one sarima fit about 10 s).
SLOW_PERIOD = 24
SLOW_OBS = 1_000


class Sarima(StateSpaceForecaster):
    """SARIMA(p, d, q)(P, D, Q, m). ``seasonal_order`` with three numbers takes m from ``period``,
    or detects it on the training data, else takes the calendar's."""

    name = "sarima"
    min_obs = 8

    def __init__(
        self,
        order: tuple[int, int, int] = (0, 1, 1),
        seasonal_order: tuple[int, ...] = (0, 1, 1),
        period: int | None = None,
        trend: str = "auto",
    ) -> None:
        self.order = order
        self.seasonal_order = seasonal_order
        self.period = period
        self.trend = trend

    def min_length(self, freq: str | None = None) -> int:
        """One more than the lags p + d + q + m(P + D + Q) at the calendar's period m; a given m
        is checked against the data by its own rule (:mod:`forecast.models.parameter_limits`), which
        names it."""
        from forecast.diagnostics.seasonality import calendar_period

        seasonal = tuple(int(v) for v in self.seasonal_order)
        given = len(seasonal) == 4 or self.period is not None
        m = None if given else calendar_period(freq)
        if not m or len(seasonal) != 3 or len(self.order) != 3:
            return self.min_obs
        lags = sum(int(v) for v in self.order) + m * sum(seasonal[:3])
        return max(self.min_obs, lags + 1)

    def _fit(self, y: np.ndarray) -> None:
        from forecast.diagnostics.seasonality import calendar_period, resolve_period

        p, d, q = _order(self.order, 3, "order")
        seasonal = tuple(int(v) for v in self.seasonal_order)
        if len(seasonal) == 3:
            period, _ = resolve_period(self.period, y, self.freq_)
            period = period or calendar_period(self.freq_)
            if period is None:
                raise UsageError(
                    "sarima: no seasonal period was given or detected; pass --param "
                    "seasonal_order=P,D,Q,m or --param period=m"
                )
            seasonal = (*seasonal, period)
        P, D, Q, m = _order(seasonal, 4, "seasonal_order")
        if m < 2:
            raise UsageError(f"sarima: the seasonal period must be >= 2, got {m}")
        spec = SarimaxSpec(p, d, q, (P, D, Q, m), trend=resolve_trend(self.trend, d, D))
        notes: tuple[str, ...] = ()
        if m > SLOW_PERIOD and y.size > SLOW_OBS:
            from forecast.progress import announce

            notes = (
                f"sarima: a seasonal period of {m} on {y.size} points is slow (about 10 s per "
                "fit for period 48 on 4,000 points, paid again by every backtest refit): "
                "-m mstl is faster",
            )
            announce(notes[0])
            from forecast.progress import task

            # one long optimisation: an indeterminate bar whose elapsed time keeps moving
            what = f"sarima: fitting ({p},{d},{q})({P},{D},{Q})[{m}] on {y.size} points"
            with task(what, None):
                self._fit_spec(spec, y, notes=notes)
            return
        self._fit_spec(spec, y, notes=notes)


def _readable_names(names: Sequence[str], spec: SarimaxSpec) -> list[str]:
    """statsmodels calls the time-trend coefficient ``x1``: once differenced it is the drift
    (the mean change per step), else the slope of a linear trend."""
    differenced = spec.order[1] + spec.seasonal[1] > 0
    return [("drift" if differenced else "trend") if n == "x1" else n for n in names]
