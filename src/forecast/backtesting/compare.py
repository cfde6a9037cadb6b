"""Comparing forecasters on the same origins: Diebold-Mariano (HLN) and the model confidence set.

Both take per-origin errors or losses aligned in time (origin t of one model is origin t of the
other). They answer different questions: Diebold-Mariano tests whether two models have equal
expected loss; the model confidence set keeps every model that cannot be told apart from the
best at a chosen size.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from forecast.backtesting.resample import (
    BOOTSTRAP_METHODS,
    BootstrapMethod,
    Seed,
    block_size_for,
    check_auto_block,
)
from forecast.errors import InputError, UsageError

Alternative = Literal["two-sided", "less", "greater"]
McsStatistic = Literal["R", "max"]

_ALTERNATIVES: tuple[str, ...] = ("two-sided", "less", "greater")
_ARCH_BOOTSTRAP: dict[str, Literal["stationary", "circular", "mbb"]] = {
    "stationary": "stationary",
    "circular": "circular",
    "moving": "mbb",
}


# --------------------------------------------------------------------------------------------
# Diebold-Mariano


@dataclass(frozen=True)
class DMResult:
    """Diebold-Mariano test of equal accuracy, with the Harvey-Leybourne-Newbold correction.

    ``better`` names the model with the smaller mean loss when the p-value is below
    ``significance`` ("first" for e1, "second" for e2), else None. ``variance_fallback`` is
    True when the long-run variance with h-1 autocovariances was not positive and the test
    was computed as for h=1 (as R's ``forecast::dm.test`` does).
    """

    statistic: float  # DM = mean(d) / sqrt(V)
    hln_statistic: float  # DM * sqrt((n + 1 - 2h + h(h-1)/n) / n), compared with t(n-1)
    p_value: float
    n: int
    horizon: int
    power: int
    alternative: Alternative
    mean_difference: float  # mean of d_t = |e1_t|^p - |e2_t|^p: < 0 means e1 is more accurate
    variance: float  # V, the estimated variance of mean(d)
    variance_fallback: bool
    significance: float
    better: Literal["first", "second"] | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def hln_factor(n: int, horizon: int) -> float:
    """Harvey, Leybourne & Newbold (1997) small-sample factor ``sqrt((n+1-2h+h(h-1)/n)/n)``."""
    inside = (n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n
    if inside <= 0:
        raise InputError(
            f"the HLN correction needs more origins than about 2 x horizon: n={n}, "
            f"horizon={horizon}; use more forecast origins or a shorter horizon"
        )
    return math.sqrt(inside)


def _autocovariances(d: np.ndarray, lags: int) -> np.ndarray:
    """``g_0 .. g_lags`` of ``d`` around its mean, each on divisor n. [lags + 1]"""
    dev = d - d.mean()
    n = d.size
    return np.array([dev[k:] @ dev[: n - k] / n for k in range(lags + 1)])


def diebold_mariano(
    e1: np.ndarray,
    e2: np.ndarray,
    horizon: int,
    power: int = 2,
    alternative: Alternative = "two-sided",
    significance: float = 0.05,
) -> DMResult:
    """Diebold-Mariano test of equal expected loss, HLN-corrected (REFERENCE.md).

    ``d_t = |e1_t|^p - |e2_t|^p``; ``V = (g_0 + 2 sum_{k=1}^{h-1} g_k) / n`` with
    autocovariances on divisor n; ``DM = mean(d) / sqrt(V)``; the HLN statistic
    ``DM * sqrt((n + 1 - 2h + h(h-1)/n) / n)`` is compared with Student t on n-1 degrees of
    freedom.

    Guards. When ``V <= 0`` with h > 1 (the truncated sum of autocovariances is not positive
    definite), the test is redone with h = 1, ``V = g_0 / n``, and ``variance_fallback`` is
    set, as R's ``forecast::dm.test`` does. When ``g_0 = 0`` the loss differential is constant:
    if it is 0 the two loss series are identical (statistic 0, p-value 1); otherwise one
    model is better by the same amount at every origin (statistic +-inf, p-value 0 or 1
    depending on the alternative).

    Parameters
    ----------
    e1, e2 : numpy.ndarray
        ``[n]`` forecast errors of the two models at the same origins (h-step-ahead errors).
    horizon : int
        h, the forecast horizon of the errors (h-step errors are MA(h-1) under optimality).
    power : {1, 2}
        1: absolute-error loss; 2: squared-error loss.
    alternative : {"two-sided", "less", "greater"}
        "less": e1's model is more accurate (mean d < 0); "greater": e2's model is.
    significance : float
        Level for naming the better model.

    Returns
    -------
    DMResult
    """
    _check_dm_options(horizon, power, alternative, significance)
    horizon = int(horizon)
    d = _loss_differential(e1, e2, horizon, power)  # [n]
    n = d.size
    mean_d = float(d.mean())
    variance, h_used = _dm_variance(d, horizon)
    fallback = h_used != horizon
    factor = hln_factor(n, h_used)

    if variance > 0:
        dm = mean_d / math.sqrt(variance)
    elif mean_d == 0:
        dm = 0.0  # identical losses at every origin
    else:
        dm = math.copysign(math.inf, mean_d)
    hln = dm * factor
    p_value = _t_p_value(hln, n - 1, alternative)
    better: Literal["first", "second"] | None = None
    if p_value < significance and mean_d != 0:
        better = "first" if mean_d < 0 else "second"
    return DMResult(
        statistic=float(dm),
        hln_statistic=float(hln),
        p_value=p_value,
        n=n,
        horizon=horizon,
        power=power,
        alternative=alternative,
        mean_difference=mean_d,
        variance=variance,
        variance_fallback=fallback,
        significance=significance,
        better=better,
    )


def _loss_differential(e1: np.ndarray, e2: np.ndarray, horizon: int, power: int) -> np.ndarray:
    """``|e1_t|^p - |e2_t|^p`` ``[n]``, refusing errors that are not finite, not aligned, or
    fewer than two and than the horizon."""
    a = _errors(e1, "e1")
    b = _errors(e2, "e2")
    if a.size != b.size:
        raise InputError(
            f"e1 and e2 must be aligned on the same origins: {a.size} and {b.size} values"
        )
    n = a.size
    if n < 2 or horizon >= n:
        raise InputError(f"need more origins than the horizon and at least 2: n={n}, h={horizon}")
    return np.abs(a) ** power - np.abs(b) ** power


def _dm_variance(d: np.ndarray, horizon: int) -> tuple[float, int]:
    """V of mean(d) from its autocovariances up to lag h - 1, and the h it used: 1 (``V =
    g_0 / n``) when the truncated sum is not positive with h > 1 (R's ``dm.test``)."""
    n = d.size
    gammas = _autocovariances(d, horizon - 1)
    variance = float(gammas[0] + 2 * gammas[1:].sum()) / n
    if variance <= 0 and horizon > 1 and gammas[0] > 0:
        return float(gammas[0]) / n, 1
    return variance, horizon


def _check_dm_options(
    horizon: int, power: int, alternative: Alternative, significance: float
) -> None:
    """:func:`diebold_mariano`'s options, each refused in one line naming it."""
    if power not in (1, 2):
        raise UsageError(f"power must be 1 (absolute errors) or 2 (squared errors), got {power}")
    if alternative not in _ALTERNATIVES:
        raise UsageError(
            f"alternative must be one of {', '.join(_ALTERNATIVES)}, got {alternative!r}"
        )
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise UsageError(f"horizon must be an integer >= 1, got {horizon!r}")
    if not 0 < significance < 1:
        raise UsageError(f"significance must be strictly between 0 and 1, got {significance}")


def _t_p_value(statistic: float, df: int, alternative: Alternative) -> float:
    """The p-value of ``statistic`` on Student t with ``df`` degrees of freedom."""
    from scipy import stats

    t = stats.t(df=df)
    if alternative == "two-sided":
        p_value = float(2 * t.sf(abs(statistic)))
    elif alternative == "less":
        p_value = float(t.cdf(statistic))
    else:
        p_value = float(t.sf(statistic))
    return min(p_value, 1.0)


def _errors(e: np.ndarray, name: str) -> np.ndarray:
    values = np.asarray(e, dtype=float)
    if values.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise InputError(f"{name} must be finite; position {bad} is {values[bad]}")
    return values


# --------------------------------------------------------------------------------------------
# model confidence set


@dataclass(frozen=True)
class MCSResult:
    """The model confidence set of Hansen, Lunde & Nason (2011), computed by arch.

    ``pvalues`` are the MCS p-values: a model is in the set at size alpha when its p-value is
    above alpha. Models whose losses are identical at every origin share one p-value (they
    are compared as one model, listed together in ``identical``).
    """

    included: list[str]  # in the set: not distinguishable from the best, in input order
    excluded: list[str]
    pvalues: dict[str, float]
    mean_losses: dict[str, float]
    size: float
    reps: int
    block_size: int
    method: BootstrapMethod  # the block bootstrap
    statistic: McsStatistic  # arch's elimination rule: "R" (range) or "max"
    n: int  # origins
    identical: list[list[str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def model_confidence_set(
    losses: dict[str, np.ndarray],
    size: float = 0.1,
    reps: int = 1000,
    block_size: int | Literal["auto"] = "auto",
    method: BootstrapMethod = "stationary",
    statistic: McsStatistic = "R",
    *,
    seed: Seed,
) -> MCSResult:
    """Models that cannot be told apart from the best, at test size ``size`` (arch's ``MCS``).

    Parameters
    ----------
    losses : dict of str to numpy.ndarray
        Model name -> ``[n]`` per-origin losses, aligned on the same origins; two models or
        more.
    size : float
        Test size alpha in (0, 1): the set contains the best model with probability about
        1 - alpha.
    reps : int
        Bootstrap replicates.
    block_size : "auto" or int
        "auto": the largest Politis-White length (``block_size_for``, rounded) among the
        models' loss differences from the cross-model mean loss at each origin (n >= 9);
        else an integer length >= 1. (arch's ``MCS`` takes an integer, also for the
        stationary bootstrap, where it is the mean block length.)
    method : {"stationary", "circular", "moving"}
        The block bootstrap of the origins (the same replicates for every model).
    statistic : {"R", "max"}
        arch's elimination rule: "R" (largest standardised pairwise difference) or "max"
        (largest standardised difference from the average).
    seed : int or numpy.random.Generator

    Returns
    -------
    MCSResult
    """
    if method not in BOOTSTRAP_METHODS:
        raise UsageError(f"method must be one of {', '.join(BOOTSTRAP_METHODS)}, got {method!r}")
    if statistic not in ("R", "max"):
        raise UsageError(f"statistic must be 'R' or 'max', got {statistic!r}")
    if not 0 < size < 1:
        raise UsageError(f"size must be strictly between 0 and 1, got {size}")
    if isinstance(reps, bool) or not isinstance(reps, int | np.integer) or reps < 1:
        raise UsageError(f"reps must be an integer >= 1, got {reps!r}")
    names, matrix = _loss_matrix(losses)  # [n, k]
    n = matrix.shape[0]

    size_used = _mcs_block_size(matrix, block_size, method)
    groups = _identical_groups(matrix)  # one representative column per group
    if len(groups) == 1:
        pvalues = dict.fromkeys(names, 1.0)
    else:
        arch_mcs = dict(size=size, reps=int(reps), block_size=size_used, method=statistic,
                        bootstrap=_ARCH_BOOTSTRAP[method], seed=seed)  # fmt: skip
        pvalues = _mcs_pvalues(names, matrix, groups, arch_mcs)
    return MCSResult(
        included=[m for m in names if pvalues[m] > size],
        excluded=[m for m in names if pvalues[m] <= size],
        pvalues=pvalues,
        mean_losses={m: float(matrix[:, i].mean()) for i, m in enumerate(names)},
        size=float(size),
        reps=int(reps),
        block_size=size_used,
        method=method,
        statistic=statistic,
        n=n,
        identical=[[names[i] for i in g] for g in groups if len(g) > 1],
    )


def _mcs_pvalues(
    names: list[str], matrix: np.ndarray, groups: list[list[int]], arch_mcs: dict[str, Any]
) -> dict[str, float]:
    """arch's MCS p-values on one column of each group of identical models (``arch_mcs``: its
    keyword arguments), given to every model of the group."""
    import pandas as pd
    from arch.bootstrap import MCS

    representatives = [g[0] for g in groups]
    frame = pd.DataFrame(matrix[:, representatives], columns=[names[i] for i in representatives])
    mcs = MCS(frame, **arch_mcs)
    mcs.compute()
    found = mcs.pvalues["Pvalue"]
    representative = {i: group[0] for group in groups for i in group}
    return {m: float(found[names[representative[i]]]) for i, m in enumerate(names)}


def _loss_matrix(losses: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    if not isinstance(losses, dict) or len(losses) < 2:
        raise InputError("losses must map two or more model names to their per-origin losses")
    names = [str(name) for name in losses]
    columns = []
    for name, values in losses.items():
        column = np.asarray(values, dtype=float)
        if column.ndim != 1:
            raise InputError(f"losses of {name!r} must be one-dimensional, got {column.shape}")
        if not np.all(np.isfinite(column)):
            raise InputError(
                f"losses of {name!r} contain missing or infinite values; "
                "drop those origins for every model first"
            )
        columns.append(column)
    lengths = {c.size for c in columns}
    if len(lengths) != 1:
        raise InputError(
            f"losses must be aligned on the same origins; lengths differ: {sorted(lengths)}"
        )
    return names, np.column_stack(columns)


def _identical_groups(matrix: np.ndarray) -> list[list[int]]:
    """Columns equal at every origin, grouped (arch's MCS fails on them: 0/0 variances)."""
    groups: list[list[int]] = []
    for j in range(matrix.shape[1]):
        for group in groups:
            if np.array_equal(matrix[:, group[0]], matrix[:, j]):
                group.append(j)
                break
        else:
            groups.append([j])
    return groups


def _mcs_block_size(
    matrix: np.ndarray, block_size: int | Literal["auto"], method: BootstrapMethod
) -> int:
    """An integer block length (arch's ``MCS`` takes one) for the bootstrap of the origins."""
    n = matrix.shape[0]
    if isinstance(block_size, str):
        check_auto_block(block_size, n, "an integer", "origins")
        differences = matrix - matrix.mean(axis=1, keepdims=True)  # [n, k]
        sizes = [block_size_for(differences[:, i], method) for i in range(matrix.shape[1])]
        return max(1, math.floor(max(sizes) + 0.5))
    if isinstance(block_size, bool) or not isinstance(block_size, int | np.integer):
        raise UsageError(f"block_size must be 'auto' or an integer, got {block_size!r}")
    if not 1 <= block_size <= n:
        raise UsageError(f"block_size must be between 1 and the {n} origins, got {block_size}")
    return int(block_size)
