"""Intermittent-demand models: croston (classic, sba, optimized), tsb, adida, imapa.

Demand that is zero in most periods (spare parts, slow retail items) defeats models of the
level of the series; these models forecast a flat per-period demand rate from the sizes of the
non-zero demands and how often they occur. The definitions, and the choices where a paper
leaves one open (matched to statsforecast 2.1.1's ``CrostonClassic``, ``CrostonSBA``,
``CrostonOptimized``, ``TSB``, ``ADIDA`` and ``IMAPA``, tested to 1e-6):

* SES (simple exponential smoothing) of a sequence starts its level at the first value and
  updates it with every value; the forecast is the last level.
* croston (Croston 1972): z = SES of the non-zero demand sizes, p = SES of the intervals
  between demands (the first counted from the start of the series); forecast z / p. ``classic``
  smooths both with 0.1. ``sba`` multiplies by 1 - 0.1 / 2 = 0.95, the bias correction of
  Syntetos & Boylan (2005). ``optimized`` chooses each smoothing constant in [0.1, 0.3] by the
  in-sample sum of squared one-step errors of its own SES (golden-section search to 1e-12).
* tsb (Teunter, Syntetos & Babai 2011): d = SES of the indicator "demand occurred" over every
  period (constant ``alpha_p``), z = SES of the sizes (``alpha_d``); forecast d x z. Unlike
  Croston's, the forecast decays through a run of zeros (obsolescence).
* adida (Nikolopoulos et al. 2011): the aggregation level k = the mean inter-demand interval,
  rounded half to even; the series is summed in buckets of k periods ending at the last value
  (the first n mod k values left out), the bucket sums forecast by SES with the smoothing
  constant in [0.1, 0.3] chosen as for ``optimized``, and the forecast divided by k.
* imapa (Petropoulos & Kourentzes 2015): adida at every level 1..K (K as adida's k, each level
  with its own smoothing constant), the per-period forecasts averaged.
* A series with no demand forecasts 0.

References: Croston, J. D. (1972), Forecasting and stock control for intermittent demands,
Operational Research Quarterly 23(3), 289-303. Syntetos, A. A. & Boylan, J. E. (2005), The
accuracy of intermittent demand estimates, International Journal of Forecasting 21(2),
303-314. Teunter, R. H., Syntetos, A. A. & Babai, M. Z. (2011), Intermittent demand: linking
forecasting to inventory obsolescence, European Journal of Operational Research 214(3),
606-615. Nikolopoulos, K., Syntetos, A. A., Boylan, J. E., Petropoulos, F. & Assimakopoulos, V.
(2011), An aggregate-disaggregate intermittent demand approach (ADIDA) to forecasting, Journal
of the Operational Research Society 62(3), 544-554. Petropoulos, F. & Kourentzes, N. (2015),
Forecast combinations for intermittent demand, Journal of the Operational Research Society
66(6), 914-924.

Fitted parameters are the smoothing constants and aggregation levels; the state (the smoothed
levels, the buckets) is rebuilt from the values at those parameters, so ``update`` and
forecasts from many origins keep the parameters. The models have no likelihood: their
intervals are split conformal (:mod:`forecast.models.conformal`, calibrated inside the
model's data when the forecast is made, exactly as ``--intervals conformal`` does) with the
lower bounds clipped at 0, since demand is never negative. Data with a negative value is
refused. Cost: O(n) per fit for croston and tsb, O(n k) for adida's search and O(n K) for
imapa's (K about n / number of demands).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np
import pandas as pd

from forecast.errors import InputError
from forecast.models.base import (
    Bands,
    BaseForecaster,
    Coefficient,
    ForecastBatch,
    ModelSummary,
    _finite_values,
)
from forecast.models.parameter_limits import SEARCHED_SMOOTHING

if TYPE_CHECKING:
    from forecast.models.conformal import Calibration

SHOWN_LEVELS = 12  # imapa's summary lists the smoothing constants of the first levels only
CLASSIC_ALPHA = 0.1  # Croston's smoothing constant in the classic and SBA variants
SBA_FACTOR = 1 - CLASSIC_ALPHA / 2  # Syntetos & Boylan's correction, 0.95
CLIPPED = "; lower bounds clipped at 0 (demand is never negative)"
NO_LIKELIHOOD = (
    "split conformal (the model has no likelihood), calibrated on its own walk-forward errors "
    "inside the training data when the forecast is made" + CLIPPED
)


def clipped_conformal_method() -> str:
    from forecast.models.conformal import METHOD

    return METHOD + CLIPPED


class IntermittentModel(BaseForecaster):
    """Shared by the intermittent-demand models: non-negative data, a flat forecast of the
    demand rate from :meth:`_rates`, conformal intervals clipped at 0."""

    min_obs: ClassVar[int] = 2

    def _fit(self, y: np.ndarray) -> None:
        self._check_demand(y)
        self._estimate(y)
        nonzero = np.flatnonzero(y)
        stats = {"nobs": float(y.size), "demands": float(nonzero.size)}
        if nonzero.size:
            stats["mean_interval"] = float(nonzero[-1] + 1) / nonzero.size
        self.summary_ = ModelSummary(
            model=self.name,
            description=self._describe(),
            params=self.get_params(),
            coefficients=self._coefficients(),
            stats=stats,
            extra={"intervals": NO_LIKELIHOOD},  # information, not a warning (notes are)
        )

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        rate = float(self._rates(self.y_)[-1])
        mean = np.full(horizon, rate)
        return mean, self._bands(mean, levels), clipped_conformal_method()

    def _predict_quantiles(self, horizon: int, probs: tuple[float, ...]) -> tuple[np.ndarray, str]:
        """Split-conformal quantiles of the flat forecast (the calibration of the bands, the
        (n + 1) rule per level), clipped at 0 as the bounds are."""
        from forecast.models.quantiles import band_levels, conformal_quantiles

        mean = np.full(horizon, float(self._rates(self.y_)[-1]))
        levels = band_levels(probs)
        if not levels:  # the median alone: the point forecast
            return np.repeat(mean[None, :], len(probs), axis=0), clipped_conformal_method()
        values = conformal_quantiles(self.calibration(horizon, levels), mean, probs)
        return np.maximum(values, 0.0), clipped_conformal_method()

    def _sample_paths(self, horizon: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """Bootstrapped walk-forward errors (:func:`forecast.models.paths.bootstrap_paths`)
        around the flat forecast, clipped at 0 (demand is never negative)."""
        from forecast.models.paths import bootstrap_paths

        return np.maximum(bootstrap_paths(self, horizon, n, rng), 0.0)

    def _path_method(self) -> str:
        from forecast.models.paths import BOOTSTRAP

        return BOOTSTRAP + ", clipped at 0 (demand is never negative)"

    def _update(self, new: np.ndarray) -> None:
        """Nothing to move: the state is rebuilt from ``y_`` at the fitted parameters."""

    def update(self, y_new: pd.Series, exog_new: pd.DataFrame | None = None) -> Self:
        self._check_demand(np.asarray(y_new, dtype="float64"), "update")
        return super().update(y_new, exog_new)

    def forecast_from(
        self,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        """The rate from every origin's prefix at the fitted parameters (one pass over
        ``history``); the bands are calibrated inside the training data (``y_``) alone."""
        horizon, levels = self._origins_args(horizon, levels, exog)
        values = _finite_values(history, "forecast_from")
        self._check_demand(values, "forecast_from")
        positions = np.asarray(origins, dtype=np.int64)
        rates = self._rates(values)[positions]
        mean = np.repeat(rates[:, None], horizon, axis=1)  # [origins, horizon]
        return ForecastBatch(positions, mean, self._bands(mean, levels), clipped_conformal_method())

    def _bands(self, mean: np.ndarray, levels: tuple[float, ...]) -> Bands:
        """Split-conformal bands of ``mean`` ([horizon] or [origins, horizon]), calibrated on
        ``y_``, lower bounds clipped at 0."""
        if not levels:
            return {}
        steps = int(mean.shape[-1])
        widths = self.calibration(steps, levels).widths(levels, steps)
        return {lv: (np.maximum(mean - w, 0.0), mean + w) for lv, w in widths.items()}

    def calibration(self, steps: int, levels: Sequence[float]) -> Calibration:
        """:func:`forecast.models.conformal.calibrate` on ``y_`` (the same errors), without
        building a pandas index for the twin: a fresh model's parameters are estimated on the
        first n - c values and its forecasts from the c origins after them come from one pass
        of :meth:`_rates`."""
        from forecast.models.conformal import Calibration, calibration_size

        y, n = self.y_, int(self.y_.size)
        c = calibration_size(n, steps, levels)
        if n - c < self.min_obs:
            raise InputError(
                f"{self.name}: its intervals are split conformal; at {max(levels):g}% for "
                f"{steps} steps ahead they need {c + self.min_obs} training observations, got "
                f"{n}; lower --level or shorten --horizon"
            )
        twin = type(self)(**self.get_params())
        twin._estimate(y[: n - c])
        origins = np.arange(n - c - 1, n - 1)
        rates = twin._rates(y)[origins]
        targets = origins[:, None] + 1 + np.arange(steps)[None, :]  # [origins, steps]
        actual = np.where(targets < n, y[np.minimum(targets, n - 1)], np.nan)
        return Calibration(np.abs(actual - rates[:, None]), n - c)

    def _check_demand(self, values: np.ndarray, what: str = "fit") -> None:
        negative = np.flatnonzero(values < 0)
        if negative.size:
            i = int(negative[0])
            raise InputError(
                f"{self.name} ({what}): intermittent-demand models need values >= 0; value "
                f"{i + 1} is {values[i]:g}; use another model for data that can be negative"
            )

    # --- for subclasses -------------------------------------------------------------------

    @abstractmethod
    def _estimate(self, y: np.ndarray) -> None:
        """Choose the fitted parameters on the training values."""

    @abstractmethod
    def _rates(self, y: np.ndarray) -> np.ndarray:
        """[n]: the forecast from every prefix ``y[: t + 1]`` at the fitted parameters."""

    @abstractmethod
    def _describe(self) -> str: ...

    @abstractmethod
    def _coefficients(self) -> tuple[Coefficient, ...]: ...


class Croston(IntermittentModel):
    """Croston's method, its SBA correction, or with optimised smoothing constants."""

    name = "croston"

    alpha_d_: float
    alpha_p_: float

    def __init__(self, variant: str = "classic") -> None:
        self.variant = variant

    def _estimate(self, y: np.ndarray) -> None:
        if self.variant != "optimized":
            self.alpha_d_ = self.alpha_p_ = CLASSIC_ALPHA
            return
        from forecast.models.intermittent_kernels import croston_alphas

        alpha_d, alpha_p = croston_alphas(y, *SEARCHED_SMOOTHING)
        self.alpha_d_, self.alpha_p_ = float(alpha_d), float(alpha_p)

    def _rates(self, y: np.ndarray) -> np.ndarray:
        from forecast.models.intermittent_kernels import croston_rates

        factor = SBA_FACTOR if self.variant == "sba" else 1.0
        return np.asarray(croston_rates(y, self.alpha_d_, self.alpha_p_, factor))

    def _describe(self) -> str:
        return {
            "classic": "Croston's method (smoothing 0.1)",
            "sba": "Croston's method with the Syntetos-Boylan correction (x 0.95)",
            "optimized": "Croston's method, smoothing constants chosen in [0.1, 0.3] by "
            "in-sample MSE",
        }[self.variant]

    def _coefficients(self) -> tuple[Coefficient, ...]:
        return (
            Coefficient("alpha_demand", self.alpha_d_),
            Coefficient("alpha_interval", self.alpha_p_),
        )

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"alpha_d": self.alpha_d_, "alpha_p": self.alpha_p_}, {}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.alpha_d_ = float(fitted["alpha_d"])
        self.alpha_p_ = float(fitted["alpha_p"])


class Tsb(IntermittentModel):
    """Teunter-Syntetos-Babai: smoothed demand probability times smoothed demand size."""

    name = "tsb"

    def __init__(self, alpha_d: float = 0.1, alpha_p: float = 0.1) -> None:
        self.alpha_d = alpha_d
        self.alpha_p = alpha_p

    def _estimate(self, y: np.ndarray) -> None:
        """Nothing to estimate: both smoothing constants are given."""

    def _rates(self, y: np.ndarray) -> np.ndarray:
        from forecast.models.intermittent_kernels import tsb_rates

        return np.asarray(tsb_rates(y, float(self.alpha_d), float(self.alpha_p)))

    def _describe(self) -> str:
        return "Teunter-Syntetos-Babai: demand probability x demand size, each smoothed"

    def _coefficients(self) -> tuple[Coefficient, ...]:
        return (
            Coefficient("alpha_demand", float(self.alpha_d)),
            Coefficient("alpha_probability", float(self.alpha_p)),
        )

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {}, {}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """The parameters are all there is."""


class Adida(IntermittentModel):
    """ADIDA: SES on sums over buckets of the mean inter-demand interval, disaggregated."""

    name = "adida"

    level_: int
    alpha_: float

    def __init__(self) -> None:
        pass

    def _estimate(self, y: np.ndarray) -> None:
        from forecast.models.intermittent_kernels import aggregation_level, level_alpha

        self.level_ = int(aggregation_level(y))
        self.alpha_ = float(level_alpha(y, self.level_, *SEARCHED_SMOOTHING))

    def _rates(self, y: np.ndarray) -> np.ndarray:
        from forecast.models.intermittent_kernels import aggregate_rates, cumulative

        return np.asarray(aggregate_rates(cumulative(y), self.level_, self.alpha_))

    def _describe(self) -> str:
        return f"ADIDA: SES on sums over {self.level_}-period buckets, divided by {self.level_}"

    def _coefficients(self) -> tuple[Coefficient, ...]:
        return (
            Coefficient("aggregation_level", float(self.level_)),
            Coefficient("alpha", self.alpha_),
        )

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"aggregation_level": self.level_, "alpha": self.alpha_}, {}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.level_ = int(fitted["aggregation_level"])
        self.alpha_ = float(fitted["alpha"])


class Imapa(IntermittentModel):
    """IMAPA: ADIDA at every aggregation level up to the mean inter-demand interval, averaged."""

    name = "imapa"

    alphas_: np.ndarray  # [K] the smoothing constant of levels 1..K

    def __init__(self) -> None:
        pass

    def _estimate(self, y: np.ndarray) -> None:
        from forecast.models.intermittent_kernels import aggregation_level, level_alphas

        top = int(aggregation_level(y))
        self.alphas_ = np.asarray(level_alphas(y, top, *SEARCHED_SMOOTHING), dtype="float64")

    def _rates(self, y: np.ndarray) -> np.ndarray:
        from forecast.models.intermittent_kernels import imapa_rates

        return np.asarray(imapa_rates(y, self.alphas_))

    def _describe(self) -> str:
        top = self.alphas_.size
        shown = f"; the smoothing of levels 1..{SHOWN_LEVELS} shown" if top > SHOWN_LEVELS else ""
        return f"IMAPA: ADIDA at aggregation levels 1..{top}, averaged{shown}"

    def _coefficients(self) -> tuple[Coefficient, ...]:
        """The smoothing constant of each level, the first SHOWN_LEVELS of them (a very sparse
        series has thousands; the model file keeps them all)."""
        alphas = self.alphas_[:SHOWN_LEVELS]
        return tuple(Coefficient(f"alpha_{k + 1}", float(a)) for k, a in enumerate(alphas))

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {}, {"alphas": self.alphas_}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.alphas_ = np.asarray(arrays["alphas"], dtype="float64")
