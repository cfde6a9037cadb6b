"""The intermittent-demand models over a block of equal-length series at once (the vectorised
panel path, :mod:`forecast.models.batch`): croston (every variant), tsb, adida, imapa.

Each function gives, for every row, the per-series model's forecast
(``create(params).fit(row).predict(horizon, levels)`` of :mod:`forecast.models.intermittent`):
the flat demand rate and its split-conformal bands, calibrated inside the row (walk-forward
from the last c origins at the parameters estimated on the first n - c values, the
finite-sample quantile per lead time, lower bounds clipped at 0). One numba pass over the rows
(:func:`forecast.models.intermittent_kernels.block_rates`) estimates both parameter sets of
every row and gives its forecasts at every calibration origin; the errors and their order
statistics are numpy over the whole block.

Exactness: the rows run through the per-series models' own kernels (the same
``croston_alphas``, ``aggregation_level``, ``level_alpha(s)``, ``*_rates``), so every rate is
the same sequence of IEEE operations as the per-series one; each error is the same single
subtraction and absolute value, each half-width the same order statistic (the rank from
:func:`forecast.models.conformal.half_widths` itself), each bound the same single subtraction
or addition and clip. The results are equal bit for bit; the 1e-10 of the interface only
leaves room for a compiler that contracted a multiply-add into an FMA, a rounding of 2^-53 per
operation over the O(n) smoothing steps of a well-conditioned (contracting, alpha in (0, 1])
recursion.

A row is left to the per-series path (``ok`` False) exactly when the per-series model refuses
it: a negative, missing or too large value (``fit`` raises), a block too short for the
conformal calibration at these levels and horizon (``predict`` raises), or a non-finite
forecast or bound (``predict`` raises). These models add no notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from forecast.errors import UsageError
from forecast.models.base import check_horizon, check_levels
from forecast.models.batch import BatchForecast, BatchFunction
from forecast.models.intermittent import (
    CLASSIC_ALPHA,
    SBA_FACTOR,
    IntermittentModel,
    clipped_conformal_method,
)


def croston(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    freq: str | None,
    params: Mapping[str, Any],
) -> BatchForecast:
    """Croston's method (``variant`` classic, sba or optimized) on every row of ``values``.

    Parameters
    ----------
    values : numpy.ndarray
        ``[k, n]`` float64, one series a row.
    horizon : int
        Steps ahead.
    levels : tuple of float
        Interval levels in percent, in the order the bands are wanted.
    freq : str or None
        The series' frequency (the forecasts do not depend on it).
    params : mapping
        The registry's parameters of ``croston``.

    Returns
    -------
    BatchForecast
        The per-series model's mean and bounds for the rows marked ``ok``.
    """
    variant = _resolve("croston", params)["variant"]
    if variant == "optimized":
        return _forecast(values, horizon, levels, "croston-optimized")
    factor = SBA_FACTOR if variant == "sba" else 1.0
    return _forecast(values, horizon, levels, "croston", CLASSIC_ALPHA, CLASSIC_ALPHA, factor)


def tsb(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    freq: str | None,
    params: Mapping[str, Any],
) -> BatchForecast:
    """TSB (``alpha_d``, ``alpha_p``) on every row of ``values``; as :func:`croston`."""
    resolved = _resolve("tsb", params)
    alpha_d, alpha_p = float(resolved["alpha_d"]), float(resolved["alpha_p"])
    return _forecast(values, horizon, levels, "tsb", alpha_d, alpha_p)


def adida(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    freq: str | None,
    params: Mapping[str, Any],
) -> BatchForecast:
    """ADIDA on every row of ``values``; as :func:`croston`."""
    _resolve("adida", params)
    return _forecast(values, horizon, levels, "adida")


def imapa(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    freq: str | None,
    params: Mapping[str, Any],
) -> BatchForecast:
    """IMAPA on every row of ``values``; as :func:`croston`."""
    _resolve("imapa", params)
    return _forecast(values, horizon, levels, "imapa")


INTERMITTENT_BATCH: dict[str, BatchFunction] = {
    "croston": croston,
    "tsb": tsb,
    "adida": adida,
    "imapa": imapa,
}
"""The registry's intermittent-demand models by name."""


def _resolve(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The registry's checked parameters (a UsageError for a wrong one, as ``create``)."""
    from forecast.models.registry import get_spec

    return get_spec(name).resolve(params)


def _forecast(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    model: str,
    alpha_d: float = 0.0,
    alpha_p: float = 0.0,
    factor: float = 1.0,
) -> BatchForecast:
    """The flat forecasts and clipped conformal bands of ``model`` (a key of the kernels'
    ``MODELS``; ``alpha_d``, ``alpha_p``, ``factor``: croston's and tsb's constants)."""
    from forecast.models.conformal import calibration_size
    from forecast.models.intermittent_kernels import MODELS, block_rates
    from forecast.models.parameter_limits import SEARCHED_SMOOTHING

    horizon, wanted = check_horizon(horizon), tuple(float(lv) for lv in levels)
    check_levels(wanted)
    values = np.ascontiguousarray(values, dtype="float64")
    rows, n = values.shape
    fit_size = n - calibration_size(n, horizon, wanted) if wanted else n
    ranks = _ranks(n - fit_size, horizon, wanted)
    if min(n, fit_size) < IntermittentModel.min_obs or ranks is None:
        return BatchForecast.empty(rows, horizon, len(wanted))  # every row refused
    ok = _demand_rows(values)
    clean = values if ok.all() else np.where(ok[:, None], values, 0.0)
    origins, final = block_rates(
        clean, fit_size, MODELS[model], alpha_d, alpha_p, factor, *SEARCHED_SMOOTHING
    )
    mean = np.repeat(final[:, None], horizon, axis=1)  # [k, horizon]
    widths = _widths(clean, origins, horizon, ranks)  # [k, levels, horizon]
    lower = np.maximum(mean[:, None, :] - widths, 0.0)
    upper = mean[:, None, :] + widths
    found = BatchForecast(mean, lower, upper, ok, clipped_conformal_method())
    return replace(found, ok=found.settled())


def _demand_rows(values: np.ndarray) -> np.ndarray:
    """[k] the rows the per-series ``fit`` accepts: finite, none above the loader's magnitude
    limit, none negative."""
    from forecast.data.values import MAX_MAGNITUDE

    finite = np.isfinite(values).all(axis=1)
    with np.errstate(invalid="ignore"):
        return finite & (np.abs(values) <= MAX_MAGNITUDE).all(axis=1) & (values >= 0).all(axis=1)


def _ranks(origins: int, horizon: int, levels: tuple[float, ...]) -> np.ndarray | None:
    """[levels, horizon] the 0-based position, among the sorted absolute errors of a lead
    time, of its half-width: :func:`forecast.models.conformal.half_widths` applied to the
    positions themselves (its rule, not a copy of it), with NaN where the target of an origin
    lies after the data, as in the calibration. None when it refuses (too few errors)."""
    from forecast.models.conformal import half_widths

    position = np.repeat(np.arange(origins, dtype="float64")[:, None], horizon, axis=1)
    after = np.arange(origins)[:, None] + np.arange(horizon)[None, :] >= origins
    position[after] = np.nan  # [origins, horizon]
    try:
        widths = half_widths(position, levels, lambda level, step, count: "")
    except UsageError:
        return None
    return np.array([widths[lv] for lv in levels], dtype=np.int64).reshape(len(levels), horizon)


def _widths(values: np.ndarray, origins: np.ndarray, horizon: int, ranks: np.ndarray) -> np.ndarray:
    """[k, levels, horizon] the conformal half-widths: per row and lead time s + 1, the
    absolute errors |y[t + s + 1] - f_t| of the forecasts ``origins`` ``[k, c]`` from the last
    c origins t (NaN where the target lies after the data; sorted last), at ``ranks``."""
    rows, count = origins.shape
    if not ranks.size:  # no levels
        return np.empty((rows, 0, horizon))
    n = values.shape[1]
    padded = np.full((rows, count + horizon - 1), np.nan)
    padded[:, :count] = values[:, n - count :]  # the targets of lead time 1
    targets = np.lib.stride_tricks.sliding_window_view(padded, horizon, axis=1)  # [k, c, h]
    errors = np.sort(np.abs(targets - origins[:, :, None]), axis=1)
    steps = np.arange(horizon)
    return np.stack([errors[:, rank, steps] for rank in ranks], axis=1)
