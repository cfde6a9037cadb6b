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
"""

from __future__ import annotations

import warnings

import numpy as np

from forecast.errors import InputError, UsageError
from forecast.models.arima import SarimaxSpec, StateSpaceForecaster, estimate_ols, resolve_trend

N_PENALTIES = 60


def lag_matrix(x: np.ndarray, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows t = max_lag..n-1: X[t, k-1] = x[t-k] for k = 1..max_lag, target x[t]."""
    from numpy.lib.stride_tricks import sliding_window_view

    windows = sliding_window_view(x[:-1], max_lag)  # [n - max_lag, max_lag], a view
    return windows[:, ::-1], x[max_lag:]


def select_lags(x: np.ndarray, max_lag: int, folds: int, one_se: bool) -> tuple[list[int], float]:
    """The surviving lags and the chosen penalty (see the module docstring)."""
    from sklearn.linear_model import Lasso, lasso_path
    from sklearn.model_selection import TimeSeriesSplit
    from sklearn.preprocessing import StandardScaler

    X, target = lag_matrix(x, max_lag)
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
    lags = [int(k) + 1 for k in np.flatnonzero(np.abs(lasso.coef_) > 1e-10)]
    return lags, float(alphas[best])


class SparseAr(StateSpaceForecaster):
    """AR on the lags a cross-validated lasso keeps among 1..max_lag."""

    name = "sparse-ar"
    min_obs = 20
    supports_exog = False  # lagged regressors in the lasso: not implemented yet (issue 15)

    def __init__(
        self,
        max_lag: int = 24,
        folds: int = 5,
        d: int = 0,
        one_se: bool = False,
        trend: str = "auto",
    ) -> None:
        self.max_lag = max_lag
        self.folds = folds
        self.d = d
        self.one_se = one_se
        self.trend = trend

    def _fit(self, y: np.ndarray) -> None:
        if not self.max_lag >= 1:
            raise UsageError(f"sparse-ar: max_lag must be >= 1, got {self.max_lag}")
        if self.folds < 2:
            raise UsageError(f"sparse-ar: folds must be >= 2, got {self.folds}")
        x = np.diff(y, n=int(self.d)) if self.d else y
        needed = self.max_lag + 5 * (self.folds + 1)
        if x.size < needed:
            raise InputError(
                f"sparse-ar with max_lag={self.max_lag} and folds={self.folds} needs at least "
                f"{needed + int(self.d)} observations, got {y.size}; lower max_lag"
            )
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
