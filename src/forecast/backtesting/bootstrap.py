"""Block-bootstrap replicates of a series: new histories to re-run a backtest on.

A backtest on one history is one draw. To see how much its result depends on that history, the
series is resampled and the whole backtest repeated on every replicate. Only something
stationary is resampled, never trending levels:

* ``residuals`` (default): the series is differenced ``d`` times (KPSS, as auto-ARIMA chooses d)
  and ``D`` times at the seasonal period (OCSB), an AR(p) is fitted to that by least squares (p
  by AIC up to ``max(period + 1, 10)``, at most n/4) and its residuals, centred, are resampled in
  blocks; each replicate is rebuilt through the AR recursion from the first p observed values,
  then integrated back from the observed starting values. The AR takes out the short-range
  dependence; the blocks keep what is left.
* ``differences``: the differenced series itself is resampled in blocks and integrated back.
* ``levels``: the series itself, only when it tests stationary (ADF rejects a unit root and
  KPSS does not reject stationarity, at 5%); otherwise refused with the reason.

The reference model is a device for generating histories: it is fitted once on the whole
series, while every backtest run on a replicate keeps its own folds leak-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from forecast.errors import InputError, UsageError

ResampleWhat = Literal["residuals", "differences", "levels"]
METHODS = {"mbb": "moving", "cbb": "circular", "sb": "stationary"}


@dataclass(frozen=True)
class Differencing:
    """Lags of the differences taken, in order (1 for regular, m for seasonal)."""

    lags: tuple[int, ...]

    def apply(self, y: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """The differenced series and the heads needed to undo each step."""
        heads = []
        x = np.asarray(y, dtype="float64")
        for lag in self.lags:
            heads.append(x[:lag].copy())
            x = x[lag:] - x[:-lag]
        return x, heads

    def invert(self, x: np.ndarray, heads: list[np.ndarray]) -> np.ndarray:
        """Undo :meth:`apply` on ``x`` ([n] or [reps, n]) from the stored heads."""
        out = np.asarray(x, dtype="float64")
        for lag, head in zip(reversed(self.lags), reversed(heads), strict=True):
            out = _integrate(out, head, lag)
        return out


def _integrate(x: np.ndarray, head: np.ndarray, lag: int) -> np.ndarray:
    """y[:lag] = head, y[t] = x[t - lag] + y[t - lag]: a cumulative sum per residue class."""
    x2 = np.atleast_2d(x)  # [reps, n]
    z = np.concatenate([np.broadcast_to(head, (x2.shape[0], lag)), x2], axis=1)  # [reps, n+lag]
    length = z.shape[1]
    pad = (-length) % lag
    padded = np.pad(z, ((0, 0), (0, pad)))
    y = np.cumsum(padded.reshape(z.shape[0], -1, lag), axis=1).reshape(z.shape[0], -1)[:, :length]
    return y if x.ndim == 2 else y[0]


@dataclass(frozen=True)
class ReplicateMaker:
    """Everything needed to turn bootstrap indices into replicate series."""

    what: ResampleWhat
    differencing: Differencing
    heads: list[np.ndarray]
    base: np.ndarray  # what the indices resample: residuals, differences or levels
    ar: np.ndarray  # AR coefficients (residuals only), [p]
    intercept: float
    start: np.ndarray  # the first p values of the differenced series
    description: str

    def series(self, indices: np.ndarray) -> np.ndarray:
        """[reps, n] replicate series from [reps, len(base)] indices."""
        from scipy.signal import lfilter, lfiltic

        draws = self.base[indices]  # [reps, m]
        if self.what == "levels":
            return draws
        if self.what == "differences":
            return self.differencing.invert(draws, self.heads)
        p = self.ar.size
        a = np.r_[1.0, -self.ar]  # x_t - sum phi_i x_{t-i} = c + e_t
        zi = lfiltic([1.0], a, self.start[::-1])  # the p observed starting values, newest first
        body = lfilter(
            [1.0], a, draws + self.intercept, axis=1, zi=np.tile(zi, (draws.shape[0], 1))
        )[0]
        x = np.concatenate([np.broadcast_to(self.start, (draws.shape[0], p)), body], axis=1)
        return self.differencing.invert(x, self.heads)

    def to_dict(self) -> dict[str, Any]:
        return {
            "resample": self.what,
            "differences": list(self.differencing.lags),
            "reference_model": self.description,
            "resampled_length": int(self.base.size),
        }


def replicate_maker(y: np.ndarray, what: ResampleWhat, period: int | None) -> ReplicateMaker:
    """The reference decomposition of ``y`` for ``what`` (see the module docstring)."""
    from forecast.diagnostics.stationarity import adf, kpss, suggest_differencing

    values = np.asarray(y, dtype="float64")
    if what not in ("residuals", "differences", "levels"):
        raise UsageError(f"--resample must be residuals, differences or levels, got {what!r}")
    if what == "levels":
        unit_root, level_test = adf(values), kpss(values)
        if not unit_root.stationary or not level_test.stationary:
            raise UsageError(
                "--resample levels needs a stationary series, and this one is not (ADF p="
                f"{unit_root.pvalue:.3g}, KPSS p={level_test.pvalue:.3g}): resampling its levels "
                "would scramble its trend; use --resample residuals or differences"
            )
        return ReplicateMaker(
            what,
            Differencing(()),
            [],
            values,
            np.empty(0),
            0.0,
            np.empty(0),
            "none (levels resampled as they are)",
        )
    found = suggest_differencing(values, period if period and period > 1 else None)
    lags = (period,) * (found.seasonal_d or 0) + (1,) * found.d
    differencing = Differencing(tuple(int(lag) for lag in lags if lag))
    x, heads = differencing.apply(values)
    if x.size < 20:
        raise InputError(
            f"the series is too short to bootstrap ({x.size} values after differencing)"
        )
    label = f"d={found.d}" + (
        f", D={found.seasonal_d} at period {period}" if found.seasonal_d else ""
    )
    if what == "differences":
        return ReplicateMaker(
            what,
            differencing,
            heads,
            x,
            np.empty(0),
            0.0,
            np.empty(0),
            f"differences ({label}) resampled as they are",
        )
    ar, intercept, residuals, p = _fit_ar(x, period)
    return ReplicateMaker(
        what,
        differencing,
        heads,
        residuals - residuals.mean(),
        ar,
        intercept,
        x[:p],
        f"AR({p}) by least squares on the differenced series ({label})",
    )


def _fit_ar(x: np.ndarray, period: int | None) -> tuple[np.ndarray, float, np.ndarray, int]:
    import warnings

    from statsmodels.tsa.ar_model import AutoReg, ar_select_order

    max_p = min(max((period or 1) + 1, 10), x.size // 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chosen = ar_select_order(x, maxlag=max_p, ic="aic", trend="c").ar_lags
        p = int(max(chosen)) if chosen is not None and len(chosen) else 0
        if p == 0:
            return np.empty(0), float(x.mean()), x - x.mean(), 0
        res = AutoReg(x, lags=p, trend="c").fit()
    return np.asarray(res.params[1:]), float(res.params[0]), np.asarray(res.resid), p


def replicate_indices(
    maker: ReplicateMaker, method: str, block_size: float | str, reps: int, seed: int
) -> tuple[np.ndarray, float]:
    """[reps, len(base)] block-bootstrap indices and the block size used."""
    from forecast.backtesting.resample import block_size_for, bootstrap_indices

    kind = METHODS.get(method)
    if kind is None:
        raise UsageError(f"--bootstrap must be mbb, cbb or sb, got {method!r}")
    if block_size == "auto":
        size = block_size_for(maker.base, kind)  # type: ignore[arg-type]
    else:
        size = float(block_size)
        if size < 1 or (kind != "stationary" and not size.is_integer()):
            raise UsageError(f"--block-size must be auto or a whole number >= 1, got {block_size}")
    if kind != "stationary":
        size = float(int(size))  # moving and circular blocks have a whole length
        return bootstrap_indices(kind, maker.base.size, int(size), reps, seed), size  # type: ignore[arg-type]
    return bootstrap_indices(kind, maker.base.size, size, reps, seed), size  # type: ignore[arg-type]


def as_series(values: np.ndarray, like: pd.Series) -> pd.Series:
    out = pd.Series(values, index=like.index, name=like.name)
    out.attrs = dict(like.attrs)
    return out
