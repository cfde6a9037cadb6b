"""Dickey-Fuller type regressions from cross products, for long series.

statsmodels and arch fit one least-squares regression per candidate lag (ADF, DF-GLS) and, for
Zivot-Andrews, one per candidate break: O(n^2 k^2) for ZA, minutes on 10,000 points. Here:

* lag search: the cross-product matrix of [deterministic terms, y_{t-1}, dy_{t-1..t-p}, dy_t]
  over the common sample (that of the largest lag, as statsmodels' and arch's AIC search use) is
  accumulated once in row blocks; the residual sums of squares of all nested regressions come
  from one Cholesky factor of it. AIC = nobs log(RSS/nobs) + 2 k, the same choice as theirs.
* the test regression at the chosen lag: the same cross products, solved (columns scaled to unit
  length first). The t statistic equals the QR answer to about 1e-8 relative.
* Zivot-Andrews: with the lag fixed (statsmodels fixes it too, by an ADF "ct" AIC search), every
  candidate break adds the same kind of column (a level shift, and a trend shift for "ct") to a
  fixed regression. Its cross products with the rest are suffix sums, and the t statistic of
  y_{t-1} follows from the partitioned inverse (Schur complement): O(n k^2) for all breaks
  instead of O(n^2 k^2), the same statistic and break date.

Memory stays O(block * k): the regressors are never built for the whole series at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

BLOCK = 65_536  # rows per block of the cross-product accumulation


COLLINEAR = "the regressors are collinear (a deterministic series: a straight line, an exact cycle)"


class SingularRegression(ValueError):
    """The regression is singular or fits exactly (a deterministic series)."""


def _rows(x: np.ndarray, lags: int, first: int, trend: str, start: int, stop: int) -> np.ndarray:
    """Regressors and response of the DF regression for diff indices ``start..stop-1``, one
    regressor per ROW ([k + 1, m], contiguous along time): [1, t, t^2 ...trend terms, y_{t-1},
    dy_{t-1}..dy_{t-lags}, dy_t]; ``t`` counts rows from 1 at diff index ``first``."""
    d = np.diff(x[start - lags : stop + 1])  # d[j] = dx at diff index start - lags + j
    m = stop - start
    out = np.empty(((0 if trend == "n" else len(trend)) + 2 + lags, m))
    cols: list[np.ndarray] = []
    if trend in ("c", "ct"):
        cols.append(np.ones(m))
    if trend == "ct":
        cols.append(np.arange(start - first + 1, stop - first + 1, dtype="float64"))
    cols.append(x[start:stop])
    i = 0
    for i, col in enumerate(cols):
        out[i] = col
    for j in range(1, lags + 1):
        out[i + j] = d[lags - j : lags - j + m]
    out[-1] = d[lags:]
    return out


def _blocks(start: int, stop: int) -> Iterator[tuple[int, int]]:
    for a in range(start, stop, BLOCK):
        yield a, min(a + BLOCK, stop)


_CACHE: dict[tuple[bytes, int, int], tuple[np.ndarray, int]] = {}


def gram(x: np.ndarray, lags: int, trend: str, first: int) -> tuple[np.ndarray, int]:
    """Cross products of :func:`_rows` over diff indices ``first..n-2`` and the row count
    (``trend``: "n", "c" or "ct").
    The "ct" matrix contains those of "c" and "n" (drop the trend, then the constant); the
    last one computed is kept, keyed by a digest of ``x``, so that ADF, its lag search and
    Zivot-Andrews on the same series share it."""
    import hashlib

    key = (hashlib.blake2b(np.ascontiguousarray(x).data, digest_size=16).digest(), lags, first)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _gram(x, lags, "ct", first)
    g, nobs = _CACHE[key]
    drop = {"ct": [], "c": [1], "n": [0, 1]}[trend]
    keep = [i for i in range(g.shape[0]) if i not in drop]
    return g[np.ix_(keep, keep)], nobs


def _gram(x: np.ndarray, lags: int, trend: str, first: int) -> tuple[np.ndarray, int]:
    stop = x.size - 1
    k = (0 if trend == "n" else len(trend)) + 2 + lags
    g = np.zeros((k, k))
    for a, b in _blocks(first, stop):
        z = _rows(x, lags, first, trend, a, b)
        g += z @ z.T
    return g, stop - first


def _scaled_cholesky(g: np.ndarray) -> np.ndarray:
    """Upper Cholesky factor of ``g`` with columns scaled to unit length; refuses collinear
    regressors and an exact fit."""
    diag = np.diag(g)
    if np.any(diag <= 0):
        raise SingularRegression("a regressor is identically zero")
    s = 1 / np.sqrt(diag)
    try:
        r = np.linalg.cholesky(g * np.outer(s, s)).T
    except np.linalg.LinAlgError:
        raise SingularRegression(COLLINEAR) from None
    pivots = np.diag(r) ** 2
    if np.any(pivots[:-1] < 1e-10):
        raise SingularRegression(COLLINEAR)
    if pivots[-1] < 1e-12:
        raise SingularRegression("the regression fits the series exactly (deterministic)")
    return r


def select_lag(x: np.ndarray, maxlag: int, trend: str) -> int:
    """The number of lagged differences (0..maxlag) with the smallest AIC on the common sample."""
    g, nobs = gram(x, maxlag, trend, maxlag)
    r = _scaled_cholesky(g)
    k_det = 0 if trend == "n" else len(trend)
    y_col = r[:, -1]
    rss_tail = np.cumsum((y_col**2)[::-1])[::-1]  # rss_tail[j] = RSS with the first j columns
    best, best_aic = 0, np.inf
    for lag in range(maxlag + 1):
        ncols = k_det + 1 + lag
        aic = nobs * np.log(rss_tail[ncols] / nobs) + 2 * ncols
        if aic < best_aic:
            best, best_aic = lag, aic
    return best


def df_tstat(x: np.ndarray, lags: int, trend: str) -> tuple[float, int]:
    """t statistic of y_{t-1} in the DF regression with ``lags`` lagged differences, and nobs."""
    g, nobs = gram(x, lags, trend, lags)
    r = _scaled_cholesky(g)
    k = g.shape[0] - 1
    col = 0 if trend == "n" else len(trend)
    rxx = r[:k, :k]
    b = np.linalg.solve(rxx, r[:k, k])  # scaled coefficients
    rinv = np.linalg.inv(rxx)
    inv_jj = float(rinv[col] @ rinv[col])
    s2 = float(r[k, k] ** 2) / (nobs - k)
    return float(b[col] / np.sqrt(s2 * inv_jj)), nobs


def schwert_maxlag(n: int, cap: int | None) -> int:
    """ceil(12 (n/100)^(1/4)), at most ``cap`` and n/2 - 3."""
    lag = int(np.ceil(12.0 * (n / 100.0) ** 0.25))
    if cap is not None:
        lag = min(lag, cap)
    return max(0, min(lag, n // 2 - 3))


def zivot_andrews_stats(
    x: np.ndarray, lags: int, trend: str, trim: float = 0.15
) -> tuple[float, int]:
    """The Zivot-Andrews statistic (min over breaks of the t of y_{t-1}) and its break index,
    as statsmodels' ``zivot_andrews(x, trim, regression=trend)`` with the lag fixed at ``lags``.

    statsmodels' regression for break period bp (trimcnt < bp <= n - trimcnt), rows
    r = 0..N-1 (N = n - 1 - lags): [1, DU, t, (DT,) y_{r+lags}, dy lags] with DU = 1 and
    DT = r - c + 2 for r >= c = bp - lags - 1. The break columns' cross products are suffix
    sums over r >= c; the fixed part is inverted once.
    """
    n = x.size
    first = lags
    # Fixed regressors W = [1, t, y_{-1}, lags] ("c" and "ct" both carry a trend), response dy.
    g, nobs = gram(x, lags, "ct", first)
    k = g.shape[0] - 1
    scale = 1 / np.sqrt(np.diag(g))
    gs = g * np.outer(scale, scale)
    _scaled_cholesky(g)  # refuses collinear regressors and exact fits
    a_inv = np.linalg.inv(gs[:k, :k])
    wy, yy = gs[:k, k], gs[k, k]
    a_wy = a_inv @ wy
    base_rss = yy - wy @ a_wy
    col = 2  # y_{t-1} in [1, t, y_{-1}, lags]
    m = 1 if trend == "c" else 2
    trimcnt = int(n * trim)
    bps = np.arange(trimcnt + 1, n - trimcnt + 1)
    bps = bps[bps - (lags + 1) >= 1]  # a shift from the first row would duplicate the constant
    cutoffs = bps - (lags + 1)
    stats = np.full(bps.size, np.inf)
    rss_all = np.full(bps.size, np.inf)
    # suffix sums from the end: s1[c] = sum_{r>=c} z_r, s2[c] = sum_{r>=c} r z_r (scaled z)
    s1 = np.zeros(k + 1)
    s2 = np.zeros(k + 1)
    order = np.argsort(cutoffs)  # ascending; processed from the end in blocks
    sorted_cut = cutoffs[order]
    for a, b in reversed(list(_blocks(0, nobs))):
        z = _rows(x, lags, first, "ct", first + a, first + b) * scale[:, None]  # [k + 1, b - a]
        # rev1[i] = sum_{r >= a+i} z_r (suffix sums along time, then one row per time)
        rev1 = (np.cumsum(z[:, ::-1], axis=1)[:, ::-1] + s1[:, None]).T
        if m == 2:
            r_idx = np.arange(a, b, dtype="float64")
            rev2 = (np.cumsum((z * r_idx)[:, ::-1], axis=1)[:, ::-1] + s2[:, None]).T
        lo, hi = np.searchsorted(sorted_cut, [a, b])
        sel = order[lo:hi]
        if sel.size:
            c = cutoffs[sel]
            i = c - a
            b1 = rev1[i]  # [s, k + 1]: W'DU and y'DU
            cnt = (nobs - c).astype("float64")
            if m == 1:
                bw = b1[:, None, :k]  # [s, m, k]
                dy = b1[:, None, k]
                cm = cnt[:, None, None]
            else:
                b2 = rev2[i] - c[:, None] * b1  # sum_{r>=c} (r - c) z_r
                bw = np.stack([b1[:, :k], b2[:, :k]], axis=1)
                dy = np.stack([b1[:, k], b2[:, k]], axis=1)
                s_1 = cnt * (cnt - 1) / 2
                s_2 = (cnt - 1) * cnt * (2 * cnt - 1) / 6
                cm = np.stack([np.stack([cnt, s_1], 1), np.stack([s_1, s_2], 1)], axis=1)
            d_coef, d_inv_jj, d_rss = _with_break(bw, dy, cm, a_inv, wy, col)
            coef = a_wy[col] + d_coef
            inv_jj = a_inv[col, col] + d_inv_jj
            rss = base_rss + d_rss
            rss_all[sel] = rss
            s2_hat = rss / (nobs - k - m)
            with np.errstate(invalid="ignore", divide="ignore"):
                stats[sel] = coef / np.sqrt(s2_hat * inv_jj)
        s1 = rev1[0]
        if m == 2:
            s2 = rev2[0]
    # rss is 1e-10 * yy where a break explains everything (a pure level shift), from rounding
    if not np.min(rss_all) > 1e-8 * yy:
        raise SingularRegression("the break regression fits the series exactly (deterministic)")
    best = int(np.argmin(stats))
    return float(stats[best]), int(bps[best] - 1)


def _with_break(
    bw: np.ndarray, dy: np.ndarray, cm: np.ndarray, a_inv: np.ndarray, wy: np.ndarray, col: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What adding each break's m columns changes, by the Schur complement of the fixed part
    ``A`` (inverse ``a_inv``): the change of the coefficient of column ``col``, of the
    ``(col, col)`` entry of the inverse Gram matrix and of the residual sum of squares (the
    last one negative). ``bw`` [s, m, k]: the break columns' cross products with the fixed
    ones; ``dy`` [s, m]: with the response; ``cm`` [s, m, m]: with themselves."""
    k = bw.shape[-1]
    ab = (bw.reshape(-1, k) @ a_inv).reshape(bw.shape)  # [s, m, k]: rows of (A B)'
    schur = cm - np.einsum("sik,sjk->sij", ab, bw)  # [s, m, m]
    u = dy - ab @ wy  # [s, m]
    if bw.shape[1] == 1:
        sinv = 1 / schur  # [s, 1, 1]
    else:  # the inverse of a symmetric 2 x 2, in closed form
        p, q, r = schur[:, 0, 0], schur[:, 0, 1], schur[:, 1, 1]
        det = p * r - q * q
        sinv = np.stack([np.stack([r, -q], 1), np.stack([-q, p], 1)], 1) / det[:, None, None]
    bd = np.einsum("sij,sj->si", sinv, u)
    ab_col = ab[:, :, col]
    coef = -np.einsum("si,si->s", ab_col, bd)
    inv_jj = np.einsum("si,sij,sj->s", ab_col, sinv, ab_col)
    return coef, inv_jj, -np.einsum("si,si->s", u, bd)
