"""sparse-AR: an autoregression on the few lags that an L1 (lasso) penalty keeps.

1. Build the lag matrix of the (optionally differenced) training series, lags 1..max_lag.
2. Choose the penalty by time-ordered cross-validation on the training data only: in each of
   ``folds`` splits (sklearn ``TimeSeriesSplit``) the scaler and the lasso path are fitted on the
   earlier rows and scored (MSE) on the rows that follow. The penalty with the lowest mean
   validation MSE wins (``one_se=true``: the largest penalty within one standard error of it).
3. Fit the lasso with that penalty on all training rows: the lags with a non-zero coefficient
   survive.
4. Re-estimate an AR on the surviving lags only by least squares (the "relaxed lasso"), which
   removes the lasso's shrinkage from the forecasts; it is then filtered as a state-space model
   like every ARIMA here (differenced ``d`` times when ``d`` > 0).

With regressors (``--exog``) the model is an ARX: y_t = c + sum_k phi_k y_{t-k} +
sum_j sum_l beta_{j,l} x_{j,t-l} + e_t, the lasso choosing among the lags 1..max_lag of y and the
lags 0..exog_lags of every regressor (lag 0: the value at t, known in advance), with the same
cross-validated penalty and the least-squares re-fit on what survives. Forecasts run the
recursion with the regressors' future values; intervals are Gaussian with the AR part's
psi-weights (the regressors are known, the parameters taken as known). It needs ``d=0``.

Convergence. No optimiser stop decides the estimates: the lasso (coordinate descent, sklearn's
tolerance) only chooses which lags survive, and the coefficients are then the least-squares
solution on those lags, direct and exact to rounding. Across BLAS kernels the forecasts agreed
to 1e-13 (AirPassengers, Nile, monthly sunspots); a lag could only flip where two penalties'
cross-validated errors tie to rounding, or a lasso coefficient sits at 1e-10 of the target's
standard deviation (the cut, relative so that it scales with the data).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import InputError, UsageError
from forecast.models.arima.models import StateSpaceForecaster, estimate_ols
from forecast.models.arima.spec import SarimaxSpec, resolve_trend
from forecast.models.base import (
    Bands,
    BaseForecaster,
    Coefficient,
    ForecastBatch,
    ModelSummary,
    normal_bands,
)

N_PENALTIES = 60


def lag_matrix(x: np.ndarray, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows t = max_lag..n-1: X[t, k-1] = x[t-k] for k = 1..max_lag, target x[t]."""
    from numpy.lib.stride_tricks import sliding_window_view

    windows = sliding_window_view(x[:-1], max_lag)  # [n - max_lag, max_lag], a view
    return windows[:, ::-1], x[max_lag:]


def select_lags(x: np.ndarray, max_lag: int, folds: int, one_se: bool) -> tuple[list[int], float]:
    """The surviving lags and the chosen penalty (see the module docstring)."""
    X, target = lag_matrix(x, max_lag)
    kept, penalty = select_columns(X, target, folds, one_se)
    return [k + 1 for k in kept], penalty


def select_columns(
    X: np.ndarray, target: np.ndarray, folds: int, one_se: bool
) -> tuple[list[int], float]:
    """The columns of ``X`` a lasso keeps, the penalty chosen by time-ordered CV."""
    from sklearn.linear_model import Lasso, lasso_path
    from sklearn.model_selection import TimeSeriesSplit
    from sklearn.preprocessing import StandardScaler

    scaled = StandardScaler().fit_transform(X)
    centred = target - target.mean()
    alpha_max = float(np.max(np.abs(scaled.T @ centred)) / len(target))
    if alpha_max <= 0:
        return [], 0.0
    alphas = np.geomspace(alpha_max, alpha_max * 1e-3, N_PENALTIES)
    errors = np.zeros((folds, alphas.size))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lasso convergence chatter on tiny penalties
        for i, (train, test) in enumerate(TimeSeriesSplit(n_splits=folds).split(X)):
            scaler = StandardScaler().fit(X[train])
            mean = target[train].mean()
            _, coefs, _ = lasso_path(
                scaler.transform(X[train]), target[train] - mean, alphas=alphas
            )
            predictions = scaler.transform(X[test]) @ coefs + mean  # [n_test, n_alphas]
            errors[i] = np.mean((predictions - target[test, None]) ** 2, axis=0)
        mean_error = errors.mean(axis=0)
        best = int(np.argmin(mean_error))
        if one_se:
            limit = mean_error[best] + errors[:, best].std(ddof=1) / np.sqrt(folds)
            best = int(np.flatnonzero(mean_error <= limit)[0])  # alphas are decreasing
        lasso = Lasso(alpha=float(alphas[best])).fit(scaled, target)
    # coefficients of standardised columns, in the target's units: a relative cut (an
    # absolute 1e-10 dropped every lag of a series at 1e-12 times AirPassengers)
    kept = [int(k) for k in np.flatnonzero(np.abs(lasso.coef_) > 1e-10 * np.std(target))]
    return kept, float(alphas[best])


def arx_design(
    y: np.ndarray, X: np.ndarray, max_lag: int, exog_lags: int
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, int, int]]]:
    """Rows t = max(max_lag, exog_lags)..n-1: y[t-1..t-max_lag], then x_j[t-l] for every
    regressor j and l = 0..exog_lags; the target y[t]; what each column is ("y", lag, -1) or
    ("x", lag, j)."""
    start = max(max_lag, exog_lags)
    rows = np.arange(start, y.size)
    columns = [y[rows - k] for k in range(1, max_lag + 1)]
    kinds = [("y", k, -1) for k in range(1, max_lag + 1)]
    for j in range(X.shape[1]):
        for lag in range(exog_lags + 1):
            columns.append(X[rows - lag, j])
            kinds.append(("x", lag, j))
    return np.column_stack(columns), y[rows], kinds


MAX_LAG_DEFAULT = 24  # the default max_lag (models.limits lets a default pass on any length)


class SparseAr(StateSpaceForecaster):
    """AR on the lags a cross-validated lasso keeps among 1..max_lag."""

    name = "sparse-ar"
    min_obs = 20
    arx_: dict[str, Any] | None = None  # with regressors: the ARX's coefficients

    def __init__(
        self,
        max_lag: int = MAX_LAG_DEFAULT,
        folds: int = 5,
        d: int = 0,
        one_se: bool = False,
        trend: str = "auto",
        exog_lags: int = 2,
    ) -> None:
        self.max_lag = max_lag
        self.folds = folds
        self.d = d
        self.one_se = one_se
        self.trend = trend
        self.exog_lags = exog_lags

    def min_length(self, freq: str | None = None) -> int:
        """``max_lag`` lags and five per cross-validation fold and one more, before ``d``
        differences (the check in :meth:`_fit`); a ``max_lag`` above the default is checked
        against the data by its own rule (:mod:`forecast.models.parameter_limits`), which names
        it."""
        if self.max_lag > MAX_LAG_DEFAULT:
            return self.min_obs
        return max(self.min_obs, self._needed() + int(self.d))

    def _needed(self) -> int:
        return int(self.max_lag) + 5 * (int(self.folds) + 1)

    def _fit(self, y: np.ndarray) -> None:
        if not self.max_lag >= 1:
            raise UsageError(f"sparse-ar: max_lag must be >= 1, got {self.max_lag}")
        if self.folds < 2:
            raise UsageError(f"sparse-ar: folds must be >= 2, got {self.folds}")
        x = np.diff(y, n=int(self.d)) if self.d else y
        needed = self._needed()
        if x.size < needed:
            raise InputError(
                f"sparse-ar with max_lag={self.max_lag} and folds={self.folds} needs at least "
                f"{needed + int(self.d)} observations, got {y.size}; lower max_lag"
            )
        if self.exog_names_ and self.X_ is not None:
            self._fit_arx(y)
            return
        self.arx_ = None
        lags, penalty = select_lags(x, int(self.max_lag), int(self.folds), bool(self.one_se))
        p = tuple(lags) if lags else 0
        trend = resolve_trend(self.trend, int(self.d))
        if trend not in ("n", "c") or (self.d and trend != "n"):
            raise UsageError(
                f"sparse-ar: trend must be auto, n or c (n when d > 0), got {self.trend!r}"
            )
        spec = SarimaxSpec(
            p, int(self.d), 0, trend=trend, enforce_stationarity=False, form="intercept"
        )
        survived = (
            ", ".join(map(str, lags))
            if lags
            else "none (the model is white noise around the trend)"
        )
        extra = {
            "selected_lags": lags,
            "penalty": penalty,
            "selection": f"lasso over lags 1..{self.max_lag}, penalty by {self.folds}-fold "
            f"time-series CV on the training data{' (one-SE rule)' if self.one_se else ''}",
        }
        self._set_fitted(
            spec, estimate_ols(x, p, trend), extra, (f"lags kept by the lasso: {survived}",)
        )

    # --- with regressors: an ARX ------------------------------------------------------------

    def _fit_arx(self, y: np.ndarray) -> None:
        import statsmodels.api as sm

        from forecast.diagnostics.acf import ljung_box
        from forecast.models.arima.estimation import information_criteria

        assert self.X_ is not None
        if self.d:
            raise UsageError("sparse-ar with regressors takes d=0 (difference the data first)")
        if not int(self.exog_lags) >= 0:
            raise UsageError(f"sparse-ar: exog_lags must be >= 0, got {self.exog_lags}")
        trend = resolve_trend(self.trend, 0)
        if trend not in ("n", "c"):
            raise UsageError(f"sparse-ar: trend must be auto, n or c, got {self.trend!r}")
        p, L = int(self.max_lag), int(self.exog_lags)
        D, target, kinds = arx_design(y, self.X_, p, L)
        kept, penalty = select_columns(D, target, int(self.folds), bool(self.one_se))
        design = D[:, kept]
        if trend == "c":
            design = np.column_stack([np.ones(target.size), design])
        res = sm.OLS(target, design).fit()
        params = np.asarray(res.params, dtype="float64")
        const = float(params[0]) if trend == "c" else 0.0
        slopes = params[1:] if trend == "c" else params
        ar = np.zeros(p)
        beta = np.zeros((L + 1, self.X_.shape[1]))  # [lag, regressor]
        for column, value in zip(kept, slopes, strict=True):
            kind, lag, j = kinds[column]
            if kind == "y":
                ar[lag - 1] = value
            else:
                beta[lag, j] = value
        nobs = int(target.size)
        resid = target - design @ params
        sigma2 = float(resid @ resid / nobs)
        self.arx_ = {"const": const, "ar": ar, "beta": beta, "sigma2": sigma2}
        labels = (["intercept"] if trend == "c" else []) + [
            f"ar.L{lag}" if kind == "y" else self._exog_label(j, lag)
            for kind, lag, j in (kinds[c] for c in kept)
        ]
        bse = np.asarray(res.bse, dtype="float64")
        coefficients = (
            *(
                Coefficient(name, float(v), float(se))
                for name, v, se in zip(labels, params, bse, strict=True)
            ),
            Coefficient("sigma2", sigma2, None),
        )
        loglik = float(-0.5 * nobs * (np.log(2 * np.pi * sigma2) + 1))
        k = params.size + 1
        stats = {
            "loglik": loglik,
            **information_criteria(loglik, k, nobs),
            "nobs": float(nobs),
            "sigma2": sigma2,
        }
        lags = [q for q in (10,) if q < nobs // 2]
        lb = ljung_box(resid / np.sqrt(sigma2), lags, model_df=int((ar != 0).sum()))
        survived = ", ".join(labels[1 if trend == "c" else 0 :]) or "none"
        self.summary_ = ModelSummary(
            model=self.name,
            description=f"ARX (sparse, {len(kept)} of {D.shape[1]} terms kept)"
            + (" with intercept" if trend == "c" else ""),
            params=self.get_params(),
            coefficients=coefficients,
            stats=stats,
            residual_ljung_box=tuple(q.to_dict() for q in lb),
            notes=(f"terms kept by the lasso: {survived}",),
            extra={
                "selected_terms": labels[1 if trend == "c" else 0 :],
                "penalty": penalty,
                "selection": f"lasso over lags 1..{p} of y and 0..{L} of each regressor, "
                f"penalty by {self.folds}-fold time-series CV on the training data"
                f"{' (one-SE rule)' if self.one_se else ''}; least squares on the kept terms",
                "estimation": "conditional least squares on the terms the lasso kept (ARX)",
            },
        )

    def _exog_label(self, j: int, lag: int) -> str:
        name = self.exog_names_[j]
        return name if lag == 0 else f"{name}.L{lag}"

    def _predict_exog(
        self, horizon: int, levels: tuple[float, ...], future: np.ndarray
    ) -> tuple[np.ndarray, Bands, str]:
        if self.arx_ is None:
            return super()._predict_exog(horizon, levels, future)
        assert self.X_ is not None
        arx = self.arx_
        ar, beta = np.asarray(arx["ar"]), np.asarray(arx["beta"])
        p, n = ar.size, self.y_.size
        ys = np.concatenate([self.y_, np.zeros(horizon)])
        xs = np.vstack([self.X_, future])
        for t in range(n, n + horizon):
            value = arx["const"] + float(ys[t - p : t][::-1] @ ar) if p else arx["const"]
            for lag in range(beta.shape[0]):
                value += float(xs[t - lag] @ beta[lag])
            ys[t] = value
        mean = ys[n:]
        psi = np.zeros(horizon)
        psi[0] = 1.0
        for j in range(1, horizon):
            psi[j] = sum(ar[k - 1] * psi[j - k] for k in range(1, min(j, p) + 1))
        se = np.sqrt(arx["sigma2"] * np.cumsum(psi**2))
        return mean, normal_bands(mean, se, levels), ARX_INTERVALS

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        if self.arx_ is not None:
            raise UsageError("sparse-ar: the model has regressors; pass their future values")
        return super()._predict(horizon, levels)

    def _update(self, new: np.ndarray) -> None:
        if self.arx_ is None:
            super()._update(new)  # the ARX reads its last lags from y_ and X_

    def forecast_from(
        self,
        history: pd.Series,
        origins: Any,
        horizon: int,
        levels: Any = (),
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        if self.arx_ is not None:
            return BaseForecaster.forecast_from(self, history, origins, horizon, levels, exog)
        return super().forecast_from(history, origins, horizon, levels, exog)

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        if self.arx_ is None:
            return super()._fitted_state()
        meta = {"arx": {"const": self.arx_["const"], "sigma2": self.arx_["sigma2"]}}
        return meta, {"arx_ar": self.arx_["ar"], "arx_beta": self.arx_["beta"]}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        if "arx" not in fitted:
            super()._restore(fitted, arrays)
            return
        self.arx_ = {
            "const": float(fitted["arx"]["const"]),
            "sigma2": float(fitted["arx"]["sigma2"]),
            "ar": np.asarray(arrays["arx_ar"], dtype="float64"),
            "beta": np.asarray(arrays["arx_beta"], dtype="float64"),
        }


ARX_INTERVALS = "Gaussian: the AR part's psi-weights (regressors known, parameters taken as known)"
