"""ETS(error, trend, season) exponential smoothing, statsmodels' ``ETSModel`` compiled (numba:
:mod:`forecast.models.ets_kernels`, equal to statsmodels' likelihood at the same parameters),
with automatic model selection as R's ``forecast::ets`` does it, and guard rails against
diverged fits.

Selection (Hyndman, Koehler, Snyder & Grose 2002; Hyndman & Khandakar 2008): every admissible
combination of error in {A, M}, trend in {N, A, Ad} and season in {N, A, M} is fitted by maximum
likelihood (initial states estimated, the usual bounds 0 < beta < alpha, 0 < gamma < 1 - alpha,
0.8 <= phi <= 0.98), and the one with the smallest ``ic`` (AICc by default) wins. As in R:

* multiplicative error or season only for strictly positive data;
* no additive error with a multiplicative season (R's ``restrict=TRUE``: numerically unstable);
* no seasonal model when the period is above 24 (R refuses them; use ``mstl``) or when the data
  hold fewer than two full seasons (and two more points);
* a model whose parameter count leaves fewer than 4 degrees of freedom is not tried.

The information criteria count the parameters as R does: the smoothing parameters, the initial
states (m - 1 free seasonal ones) and the error variance.

Diverged fits. statsmodels' optimiser sometimes ends in a model whose forecasts explode
(statsforecast's ETS experiment on M4 printed values around 1e37). A candidate is rejected as
diverged when its likelihood, parameters or first ``2 * max(m, 4)`` forecasts are not finite,
when those forecasts leave ``[min(y) - 10 range, max(y) + 10 range]``, or when its one-step
mean squared error is more than 4 times that of simple exponential smoothing, ETS(A,N,N), which
every richer model nests or approximates. A model with a multiplicative part is also rejected
when its forecasts are not positive, and a multiplicative error model when the RMS of its
relative errors is above 1/3 (1 + e_t would often be negative: on a constant series with one
spike its simulated intervals reached 1e14). A requested model that diverges falls back to
ETS(A,N,N), and the summary says so.

Convergence. Each candidate is fitted on ``y`` divided by a power of two near its RMS (so the
fit of ``c * y`` is that of ``y`` scaled), from statsmodels' start by L-BFGS-B with
statsmodels' default stops on the compiled likelihood and its exact gradient, then polished to
the optimum's own precision (:func:`forecast.models.optimum.polish`: restarts, ftol 1e-15;
:mod:`forecast.models.ets_estimation`): the estimates agree across BLAS kernels to about 1e-7
(relative), where statsmodels' stop alone left 1e-4 (alpha 0.74102 on one CPU, 0.74111 on
another, for ETS(M,A,M) on AirPassengers).

Intervals (:mod:`forecast.models.ets_intervals`): R's analytic forecast variances for
Hyndman et al.'s classes 1-3 (every form tried here: additive error; multiplicative error with
additive parts; multiplicative error and season), the point forecast plus and minus the normal
quantile times the standard deviation, as R's ``forecast.ets``. sigma^2 is R's: the sum of
squared one-step errors (relative for a multiplicative error) over n less the parameter count
(:func:`r_sigma2`; statsmodels divides by n, which narrowed the intervals by 6 % on
AirPassengers' ETS(M,A,M) and more on short series). Classes 4-5 (multiplicative trend, or
additive error with a multiplicative season: none of the forms tried) would take the quantiles
of 2,000 compiled sample paths with a fixed seed.

``update`` keeps every parameter (including the initial states) and re-runs the smoothing over
all the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecast.diagnostics.seasonality import describe_period
from forecast.errors import ComputeError, InputError, UsageError
from forecast.models.base import Bands, BaseForecaster, Coefficient, ModelSummary

MAX_SEASONAL_PERIOD = 24  # R's ets() refuses seasonal models above this period
SIMULATIONS = 2000
DIVERGENCE_MSE_RATIO = 4.0
DIVERGENCE_RANGES = 10.0
# A multiplicative error model needs 1 + e_t > 0; with e_t ~ N(0, sigma^2) a factor <= 0 has
# probability Phi(-1 / sigma): 0.13 % a step at sigma = 1/3, 2.3 % at 1/2. Above this the
# simulated paths cross zero and the intervals explode (1e14 on a constant series with one
# spike, where the relative error at the spike is 99).
MAX_RELATIVE_SIGMA = 1 / 3

ERRORS = ("add", "mul")
TRENDS = ("none", "add", "damped")
SEASONS = ("none", "add", "mul")


@dataclass(frozen=True)
class EtsForm:
    """One ETS model: error, trend (none/add/damped) and season, with its period."""

    error: str
    trend: str
    season: str
    period: int

    @property
    def label(self) -> str:
        letter = {"none": "N", "add": "A", "mul": "M", "damped": "Ad"}
        return f"ETS({letter[self.error]},{letter[self.trend]},{letter[self.season]})"

    @property
    def n_params(self) -> int:
        """Parameters as R counts them: smoothing, initial states (m - 1 seasons), sigma."""
        k = 1 + 1  # alpha, initial level
        if self.trend != "none":
            k += 2 + (self.trend == "damped")  # beta, initial slope (, phi)
        if self.season != "none":
            k += 1 + self.period - 1  # gamma, free initial seasonal states
        return k + 1

    @property
    def param_names(self) -> list[str]:
        """statsmodels' names of the parameter vector (the order of ``params``)."""
        names = ["smoothing_level"]
        names += ["smoothing_trend"] * (self.trend != "none")
        names += ["smoothing_seasonal"] * (self.season != "none")
        names += ["damping_trend"] * (self.trend == "damped") + ["initial_level"]
        names += ["initial_trend"] * (self.trend != "none")
        if self.season != "none":
            names += [f"initial_seasonal.{i}" for i in range(self.period)]
        return names

    @property
    def codes(self) -> Any:
        """The compiled kernels' codes (:class:`forecast.models.ets_estimation.Codes`)."""
        from forecast.models.ets_estimation import Codes

        return Codes.of(self.error, self.trend, self.season, self.period)

    def statsmodels(self, y: np.ndarray) -> Any:
        """statsmodels' ``ETSModel`` of this form: the tests' oracle."""
        import pandas as pd
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        return ETSModel(
            pd.Series(y),  # an array breaks get_prediction in statsmodels 0.15
            error=self.error,
            trend=None if self.trend == "none" else "add",
            damped_trend=self.trend == "damped",
            seasonal=None if self.season == "none" else self.season,
            seasonal_periods=self.period if self.season != "none" else None,
            initialization_method="estimated",
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": self.error,
            "trend": self.trend,
            "season": self.season,
            "period": self.period,
        }


@dataclass(frozen=True)
class EtsFit:
    """A fitted candidate: its form, statsmodels' parameter vector and fit statistics."""

    form: EtsForm
    params: np.ndarray
    loglik: float  # on R's scale (r_loglik), so that AIC, AICc and BIC equal R's
    mse: float  # one-step in-sample mean squared error
    nobs: int
    relative_sigma: float = math.nan  # multiplicative error: RMS of the relative errors

    def criterion(self, ic: str) -> float:
        k, n = self.form.n_params, self.nobs
        aic = -2 * self.loglik + 2 * k
        if ic == "aic":
            return aic
        if ic == "bic":
            return -2 * self.loglik + math.log(n) * k
        return aic + 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else math.inf


def candidate_forms(
    y: np.ndarray, period: int | None, error: str, trend: str, season: str
) -> list[EtsForm]:
    """The admissible models for ``y`` among the requested components ("auto": all)."""
    positive = bool(np.all(y > 0))
    m = period or 1
    seasonal_ok = period is not None and 2 <= period <= MAX_SEASONAL_PERIOD
    seasonal_ok = seasonal_ok and y.size >= 2 * m + 2
    forms = []
    for e in ERRORS if error == "auto" else (error,):
        for t in TRENDS if trend == "auto" else (trend,):
            for s in SEASONS if season == "auto" else (season,):
                if "mul" in (e, s) and not positive:
                    continue
                if s != "none" and not seasonal_ok:
                    continue
                if e == "add" and s == "mul":
                    continue
                form = EtsForm(e, t, s, m if s != "none" else 1)
                if y.size - form.n_params < 4:
                    continue
                forms.append(form)
    return forms


def fit_form(form: EtsForm, y: np.ndarray) -> EtsFit | None:
    """Maximum likelihood fit of one model, or None when the optimiser fails.

    The model is fitted on ``y / data_scale(y)`` (exact: a power of two), so that the initial
    states are of order one like the smoothing parameters: the optimiser then takes the same
    steps for ``y`` and ``c * y``. The fit is :func:`forecast.models.ets_estimation.fit_vector`
    (statsmodels' start and L-BFGS-B route on the compiled likelihood, then the polish); the
    statistics come from smoothing ``y`` itself at the parameters in the data's units."""
    from forecast.models.ets_estimation import fit_vector, to_params
    from forecast.models.optimum import data_scale

    scale = data_scale(y)
    codes = form.codes
    try:
        x = fit_vector(np.ascontiguousarray(y / scale, dtype="float64"), codes)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError):
        return None
    params = in_data_units(form, form.param_names, to_params(x, codes), scale)
    try:
        result = smoothed(form, params, y)
    except (ValueError, FloatingPointError, ZeroDivisionError):
        return None
    resid = y - result.fitted
    return EtsFit(
        form,
        params,
        r_loglik(result.llf, y.size),
        float(np.mean(resid**2)),
        y.size,
        math.sqrt(result.mse) if form.error == "mul" else math.nan,
    )


def in_data_units(form: EtsForm, names: list[str], params: np.ndarray, scale: float) -> np.ndarray:
    """Parameters fitted on ``y / scale`` in the units of ``y``: the initial level and slope
    times ``scale``, additive seasonal states too (multiplicative ones are ratios)."""
    out = params.copy()
    for i, name in enumerate(names):
        additive_season = name.startswith("initial_seasonal") and form.season == "add"
        if name in ("initial_level", "initial_trend") or additive_season:
            out[i] *= scale
    return out


def r_loglik(llf: float, n: int) -> float:
    """R's ets() log-likelihood from statsmodels' llf: R drops the constant
    -n/2 (log(2 pi / n) + 1) (statsmodels' test_exponential_smoothing.py)."""
    return llf + n / 2 * (math.log(2 * math.pi / n) + 1)


def divergence(fit: EtsFit, y: np.ndarray, reference_mse: float | None) -> str | None:
    """Why this fit counts as diverged (see the module docstring), or None when it does not."""
    if not (math.isfinite(fit.loglik) and np.isfinite(fit.params).all()):
        return "non-finite likelihood or parameters"
    steps = 2 * max(fit.form.period, 4)
    try:
        mean = point_forecast(fit.form, fit.params, y, steps)
    except (ValueError, FloatingPointError, ZeroDivisionError, np.linalg.LinAlgError):
        return "the forecast failed"
    if not np.isfinite(mean).all():
        return "non-finite forecasts"
    span = float(y.max() - y.min()) or float(abs(y).max()) or 1.0
    low, high = y.min() - DIVERGENCE_RANGES * span, y.max() + DIVERGENCE_RANGES * span
    worst = float(mean[np.argmax(np.abs(mean - y[-1]))])
    if worst < low or worst > high:
        return f"absurd forecasts (up to {worst:.3g} for data in [{y.min():.3g}, {y.max():.3g}])"
    if fit.relative_sigma > MAX_RELATIVE_SIGMA:
        return (
            f"relative errors of {fit.relative_sigma:.3g} (RMS), over {MAX_RELATIVE_SIGMA:.3g}: "
            "a multiplicative error 1 + e would often be negative"
        )
    if "mul" in (fit.form.error, fit.form.season) and not np.all(mean > 0):
        return f"a multiplicative model forecasting {float(mean.min()):.3g} (not positive)"
    if not math.isfinite(fit.mse):
        return "non-finite in-sample errors"
    if reference_mse is not None and fit.mse > DIVERGENCE_MSE_RATIO * reference_mse:
        return (
            f"in-sample MSE {fit.mse:.3g}, over {DIVERGENCE_MSE_RATIO:g} times simple exponential "
            f"smoothing's {reference_mse:.3g}"
        )
    return None


def smoothed(form: EtsForm, params: np.ndarray, y: np.ndarray) -> Any:
    """The compiled recursion of ``form`` at fixed ``params`` over ``y``
    (:class:`forecast.models.ets_estimation.Smoothed`: fitted values, final states, llf)."""
    from forecast.models.ets_estimation import run

    return run(params, y, form.codes)


def point_forecast(form: EtsForm, params: np.ndarray, y: np.ndarray, steps: int) -> np.ndarray:
    """The point forecasts of ``form`` at ``params`` after ``y``, ``steps`` ahead."""
    from forecast.models.ets_kernels import forecast_path

    result = smoothed(form, params, y)
    codes = form.codes
    return np.asarray(forecast_path(result.last, codes.trend, codes.season, result.phi, steps))


def forecast_bands(
    form: EtsForm, params: np.ndarray, y: np.ndarray, steps: int, levels: tuple[float, ...]
) -> tuple[np.ndarray, Bands, str]:
    """Point forecasts and intervals: R's analytic variances for classes 1-3, simulated
    paths otherwise (module docstring; :mod:`forecast.models.ets_intervals`)."""
    from statistics import NormalDist

    result, mean = _smoothed_forecast(form, params, y, steps)
    if not levels:
        return mean, {}, ""
    sd, method = _forecast_sd(form, result, y.size, mean)
    if sd is None:
        return mean, simulated_bands(form, result, steps, levels, mean), method
    bands: Bands = {}
    for level in levels:
        z = NormalDist().inv_cdf(0.5 + level / 200)
        bands[level] = (mean - z * sd, mean + z * sd)
    return mean, bands, method


def forecast_quantiles(
    form: EtsForm, params: np.ndarray, y: np.ndarray, steps: int, probs: tuple[float, ...]
) -> tuple[np.ndarray, str]:
    """Quantiles ``[P, steps]`` as the intervals are made: ``mean + z_p sd`` with R's analytic
    sd for classes 1-3; the empirical quantiles of the same simulated paths otherwise (held
    around the mean as the bands are)."""
    from forecast.models.quantiles import hold_mean, normal_quantiles, sample_quantiles

    result, mean = _smoothed_forecast(form, params, y, steps)
    sd, method = _forecast_sd(form, result, y.size, mean)
    if sd is None:
        paths = simulated_paths(form, result, steps, SIMULATIONS, np.random.default_rng(0))
        return hold_mean(sample_quantiles(paths.T, probs), probs, mean), method
    return normal_quantiles(mean, sd, probs), method


def _smoothed_forecast(
    form: EtsForm, params: np.ndarray, y: np.ndarray, steps: int
) -> tuple[Any, np.ndarray]:
    from forecast.models.ets_kernels import forecast_path

    result = smoothed(form, params, y)
    codes = form.codes
    mean = np.asarray(forecast_path(result.last, codes.trend, codes.season, result.phi, steps))
    return result, mean


def _forecast_sd(
    form: EtsForm, result: Any, n: int, mean: np.ndarray
) -> tuple[np.ndarray | None, str]:
    """R's analytic forecast sd for classes 1-3 (None for classes 4-5: simulated), and the
    interval method's words."""
    from forecast.models import ets_intervals as iv

    codes = form.codes
    klass = iv.interval_class(form.error, form.trend, form.season)
    if klass > 3:
        return (
            None,
            f"quantiles of {SIMULATIONS} simulated ETS paths (fixed seed; class {klass} model)",
        )
    smoothing = (result.alpha, result.beta, result.gamma, result.phi)
    sigma2 = r_sigma2(result.mse, n, form.n_params)
    if klass == 3:
        variance = iv.class3_variance(result.last, codes.trend, smoothing, sigma2, mean)
    else:
        c = iv.coefficients(*smoothing, codes.trend, codes.m, mean.size)
        variance = (
            iv.class1_variance(sigma2, c, mean.size)
            if klass == 1
            else iv.class2_variance(sigma2, c, mean)
        )
    sd = np.sqrt(np.maximum(variance, 0.0))
    return sd, f"analytic Gaussian ETS prediction intervals (class {klass}, as R's)"


def r_sigma2(mse: float, n: int, n_params: int) -> float:
    """The innovation variance of R's ``ets``: the sum of squared one-step errors (relative for
    a multiplicative error) over ``n`` less the parameter count (``sum(e^2) / (ny - np)``), not
    over ``n`` (statsmodels' ``mse``); ``mse`` itself when no degree of freedom is left."""
    return mse * n / (n - n_params) if n > n_params else mse


def simulated_paths(
    form: EtsForm, result: Any, steps: int, n: int, rng: np.random.Generator
) -> np.ndarray:
    """``[steps, n]`` compiled sample paths of ``form`` from the final states of ``result``:
    N(0, sigma^2) errors (R's sigma^2, :func:`r_sigma2`) drawn from ``rng``."""
    from forecast.models.ets_kernels import simulate_paths

    codes = form.codes
    sigma = math.sqrt(r_sigma2(result.mse, result.fitted.size, form.n_params))
    eps = rng.standard_normal((steps, n)) * sigma
    return np.asarray(
        simulate_paths(
            result.last, codes.error, codes.trend, codes.season,
            result.alpha, result.beta, result.gamma, result.phi, eps,
        )
    )  # fmt: skip


def simulated_bands(
    form: EtsForm, result: Any, steps: int, levels: tuple[float, ...], mean: np.ndarray
) -> Bands:
    """The quantiles of SIMULATIONS compiled sample paths (normal errors of standard deviation
    sqrt(mse), seed 0: the draws statsmodels' ``simulate`` took), widened to hold ``mean``."""
    paths = simulated_paths(form, result, steps, SIMULATIONS, np.random.default_rng(0))
    bands: Bands = {}
    for level in levels:
        tail = (1 - level / 100) / 2
        lower, upper = np.quantile(paths, [tail, 1 - tail], axis=1)
        bands[level] = (np.minimum(lower, mean), np.maximum(upper, mean))
    return bands


class Ets(BaseForecaster):
    """ETS exponential smoothing; ``auto`` components are chosen by ``ic`` as in R's ets().

    Parameters
    ----------
    error : {"auto", "add", "mul"}
        Error component; ``mul`` needs strictly positive data.
    trend : {"auto", "none", "add", "damped"}
        Trend component (``damped``: additive damped trend, 0.8 <= phi <= 0.98).
    season : {"auto", "none", "add", "mul"}
        Seasonal component; only for periods 2..24 with two full seasons of data.
    period : int or None
        Seasonal period; None detects it on the training data.
    ic : {"aicc", "aic", "bic"}
        Criterion that chooses among the admissible models.
    """

    name = "ets"
    min_obs = 7  # ETS(A,N,N): 3 parameters and 4 more observations (candidate_forms)

    form_: EtsForm
    params_: np.ndarray

    def __init__(
        self,
        error: str = "auto",
        trend: str = "auto",
        season: str = "auto",
        period: int | None = None,
        ic: str = "aicc",
    ) -> None:
        self.error = error
        self.trend = trend
        self.season = season
        self.period = period
        self.ic = ic

    def min_length(self, freq: str | None = None) -> int:
        """The smallest admissible form's parameters and 4 more (:func:`candidate_forms`); a
        seasonal form also two full seasons and 2 more, of the given or the calendar's period.
        (Multiplicative parts need positive data: that is not a matter of length.)"""
        from forecast.diagnostics.seasonality import calendar_period

        errors = ERRORS if self.error == "auto" else (self.error,)
        trends = TRENDS if self.trend == "auto" else (self.trend,)
        if self.season in ("auto", "none"):
            return min(EtsForm(e, t, "none", 1).n_params for e in errors for t in trends) + 4
        m = self.period or calendar_period(freq)
        if not m:
            return self.min_obs
        k = min(EtsForm(e, t, self.season, m).n_params for e in errors for t in trends)
        return max(k + 4, 2 * m + 2)

    def _fit(self, y: np.ndarray) -> None:
        from forecast.diagnostics.seasonality import resolve_period

        self._check_choices()
        notes: list[str] = []
        period: int | None = None
        source = "not seasonal"
        if self.season != "none":
            period, source = resolve_period(self.period, y, self.freq_, model_decides=True)
            if period is not None and period > MAX_SEASONAL_PERIOD:
                notes.append(
                    f"ets: period {period} is above {MAX_SEASONAL_PERIOD}, too long for a "
                    "seasonal ETS model (as in R); fitted without season; mstl handles long "
                    "and multiple periods"
                )
        forms = candidate_forms(y, period, self.error, self.trend, self.season)
        if not forms:
            raise InputError(
                f"ets: no admissible model for error={self.error}, trend={self.trend}, "
                f"season={self.season} on these {y.size} observations (multiplicative parts need "
                "strictly positive data, seasonal ones two full periods); use auto components"
            )
        simple_form = EtsForm("add", "none", "none", 1)
        simple = fit_form(simple_form, y)
        reference = simple.mse if simple is not None else None
        fits: list[EtsFit] = []
        rejected: list[str] = []
        for form in forms:
            fit = simple if form == simple_form else fit_form(form, y)
            why = "the optimiser failed" if fit is None else divergence(fit, y, reference)
            if fit is None or why is not None:
                rejected.append(f"{form.label}: {why}")
                continue
            fits.append(fit)
        if fits:
            best = min(fits, key=lambda f: f.criterion(self.ic))
        else:
            if simple is None or divergence(simple, y, None) is not None:
                raise ComputeError(
                    "ets: every candidate model diverged, and so did simple exponential "
                    "smoothing; check the data for outliers or use another model"
                )
            best = simple
            notes.append(f"ets: fell back to {simple.form.label}")
        if rejected:
            what = "; ".join(rejected)
            notes.append(f"ets: rejected as diverged: {what}")
        self.form_, self.params_ = best.form, best.params
        self._summarise(best, len(forms), period, source, tuple(notes))

    def _check_choices(self) -> None:
        for name, value, allowed in (
            ("error", self.error, ERRORS),
            ("trend", self.trend, TRENDS),
            ("season", self.season, SEASONS),
        ):
            if value != "auto" and value not in allowed:
                raise UsageError(f"ets: {name} must be auto or {'|'.join(allowed)}, got {value!r}")
        if self.ic not in ("aic", "aicc", "bic"):
            raise UsageError(f"ets: ic must be aic, aicc or bic, got {self.ic!r}")

    def _summarise(
        self, best: EtsFit, tried: int, period: int | None, source: str, notes: tuple[str, ...]
    ) -> None:
        names = self.form_.param_names
        k, n = best.form.n_params, best.nobs
        stats = {
            "loglik": best.loglik,
            "aic": best.criterion("aic"),
            "aicc": best.criterion("aicc"),
            "bic": best.criterion("bic"),
            "mse": best.mse,
            "n_params": float(k),
            "nobs": float(n),
        }
        self.summary_ = ModelSummary(
            model=self.name,
            description=best.form.label,
            params={"error": self.error, "trend": self.trend, "season": self.season},
            coefficients=tuple(
                Coefficient(str(name), float(v)) for name, v in zip(names, best.params, strict=True)
            ),
            stats=stats,
            notes=notes,
            extra={
                "selection": f"{tried} admissible model(s) fitted, smallest {self.ic.upper()}; "
                + describe_period(period, source),
            },
        )

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        return forecast_bands(self.form_, self.params_, self.y_, horizon, levels)

    def _predict_quantiles(self, horizon: int, probs: tuple[float, ...]) -> tuple[np.ndarray, str]:
        return forecast_quantiles(self.form_, self.params_, self.y_, horizon, probs)

    def _sample_paths(self, horizon: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """``[n, horizon]`` paths of the fitted state-space model (:func:`simulated_paths`)."""
        result = smoothed(self.form_, self.params_, self.y_)
        return simulated_paths(self.form_, result, horizon, n, rng).T

    def _path_method(self) -> str:
        return (
            f"simulated {self.form_.label} state-space paths, N(0, sigma^2) errors with "
            "R's sigma^2 (relative errors for a multiplicative error)"
        )

    def _update(self, new: np.ndarray) -> None:
        """Nothing to move: the smoothing re-runs over ``y_`` at the fixed parameters."""

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"form": self.form_.to_dict()}, {"params": self.params_}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        form = fitted["form"]
        self.form_ = EtsForm(form["error"], form["trend"], form["season"], int(form["period"]))
        self.params_ = np.asarray(arrays["params"], dtype="float64")

    def lookback(self, freq: str | None = None) -> int:
        from forecast.diagnostics.seasonality import calendar_period

        if hasattr(self, "form_"):
            return max(self.form_.period, 1)
        return int(self.period or calendar_period(freq) or 1)
