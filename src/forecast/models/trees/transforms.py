"""Per-series target transforms of the tree models, fitted on the training part only.

The target ``y`` of series i becomes ``z`` in three steps, each inverted exactly on the way out:

1. power (``transform``): ``none``; ``log1p`` (``log(1 + y)``, y > -1); ``boxcox`` (Box and Cox
   1964: ``(y^lambda - 1) / lambda``, ``log y`` at lambda 0, y > 0), lambda by maximum likelihood
   on the series' training values within [-1, 2] (the range of R's ``BoxCox.lambda``);
2. differences (``diff``): ``diff=1`` first differences, ``diff=12`` seasonal ones, ``diff=1,12``
   both. Together they are one polynomial in the backshift operator,
   ``prod_i (1 - B^{d_i}) = sum_j p_j B^j`` (``p_0 = 1``), so ``d[t] = sum_j p_j b[t - j]``
   (undefined for the first ``D = sum d_i`` values) and, on the way out,
   ``b[t] = d[t] - sum_{j >= 1} p_j b[t - j]`` from the known history;
3. scaling (``scaler``): ``none``; ``standard`` (mean, standard deviation with ddof 0, as
   mlforecast's ``LocalStandardScaler``); ``robust`` (median, interquartile range); a zero
   spread scales by 1.

Fitted on the training part: lambda on the series' training values, the scaler on the
differenced values whose every tap is a training value. A training part is a boolean mask over
the series' positions (all of it for a plain fit; the purged training blocks of a k-fold).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from forecast.errors import InputError

Power = Literal["none", "log1p", "boxcox"]
ScalerKind = Literal["none", "standard", "robust"]
BOXCOX_BOUNDS = (-1.0, 2.0)


@dataclass(frozen=True)
class SeriesTransform:
    """One series' fitted transform parameters."""

    lam: float  # Box-Cox lambda (unused by the other powers)
    center: float
    scale: float


@dataclass(frozen=True)
class TargetTransform:
    """The transform kinds (the same for every series of a model)."""

    power: Power = "none"
    diffs: tuple[int, ...] = ()
    scaler: ScalerKind = "standard"

    @property
    def order(self) -> int:
        """D: how many first values the differences leave undefined."""
        return int(sum(self.diffs))

    @property
    def polynomial(self) -> np.ndarray:
        """``[D + 1]`` coefficients ``p_j`` of ``prod_i (1 - B^{d_i})`` (whole numbers)."""
        poly = np.array([1.0])
        for d in self.diffs:
            factor = np.zeros(d + 1)
            factor[0], factor[d] = 1.0, -1.0
            poly = np.convolve(poly, factor)
        return poly

    # --- fitting ------------------------------------------------------------------------------

    def fit(self, y: np.ndarray, mask: np.ndarray, what: str) -> SeriesTransform:
        """Parameters from the values of ``y`` where ``mask`` is True (the training part)."""
        lam, center, scale = self.fit_panel(y, mask, Layout.of([y.size]), [what])
        return SeriesTransform(float(lam[0]), float(center[0]), float(scale[0]))

    def fit_panel(
        self, y: np.ndarray, mask: np.ndarray, layout: Layout, names: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per series (``[N]`` each): lambda, center and scale from its training values;
        ``y`` and ``mask`` are the panel's, series after series (``layout``); ``names`` word
        the error of a series out of the power's domain."""
        check_domain(self.power, y, layout, names)
        lam = np.ones(layout.count)
        if self.power == "boxcox":
            lam = np.array(
                [boxcox_lambda(v[m]) for v, m in zip(*layout.split(y, mask), strict=True)]
            )
        d = self.difference(power(y, self.power, lam[layout.codes]))
        d[layout.local < self.order] = np.nan  # a difference never reads the series before
        usable = np.isfinite(d) & self.taps_inside(mask, layout.local)
        center, scale = scaler_stats(self.scaler, d, usable, layout)
        return lam, center, scale

    def taps_inside(self, mask: np.ndarray, local: np.ndarray) -> np.ndarray:
        """Positions whose differenced value reads training values only (of their series)."""
        ok = mask & (local >= self.order)
        poly = self.polynomial
        for j in range(1, poly.size):
            if poly[j] != 0:
                ok[j:] &= mask[:-j]
                ok[:j] = False
        return ok

    def forward_panel(
        self,
        y: np.ndarray,
        layout: Layout,
        lam: np.ndarray,
        center: np.ndarray,
        scale: np.ndarray,
    ) -> np.ndarray:
        """``z`` of the whole panel (NaN for each series' first D values): the same values, bit
        for bit, as :meth:`forward` on each series."""
        codes = layout.codes
        d = self.difference(power(y, self.power, lam[codes]))
        d[layout.local < self.order] = np.nan
        return (d - center[codes]) / scale[codes]

    # --- the way in ---------------------------------------------------------------------------

    def difference(self, b: np.ndarray) -> np.ndarray:
        """``d[t] = sum_j p_j b[t - j]`` along the last axis (NaN for the first D), in a fixed
        order of j, so the same values give the same bits whatever the length of ``b``."""
        poly = self.polynomial
        order = poly.size - 1
        n = b.shape[-1]
        out = np.full(b.shape, np.nan)
        if n > order:
            acc = b[..., order:].copy()
            for j in range(1, poly.size):
                if poly[j] != 0:
                    acc = acc + poly[j] * b[..., order - j : n - j]
            out[..., order:] = acc
        return out

    def forward(self, y: np.ndarray, params: SeriesTransform) -> np.ndarray:
        """``z`` of one series (NaN for its first D values)."""
        d = self.difference(power(y, self.power, params.lam))
        return (d - params.center) / params.scale

    def forward_rows(
        self, y: np.ndarray, lam: np.ndarray, center: np.ndarray, scale: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Powered values and ``z`` of rows ``y`` ``[P, K]``, each with its own series'
        parameters (``[P]`` each): elementwise the same as :meth:`forward`."""
        b = power(y, self.power, lam[:, None])
        d = self.difference(b)
        return b, (d - center[:, None]) / scale[:, None]

    # --- the way out --------------------------------------------------------------------------

    def invert(
        self,
        z: np.ndarray,
        history: np.ndarray,
        lam: np.ndarray,
        center: np.ndarray,
        scale: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Forecasts ``[P, H]`` in the data's units, and their powered values, from transformed
        ones ``z`` ``[P, H]``: each path with its series' parameters (``[P]`` each) and its last
        D powered values ``history`` ``[P, D]``."""
        b = self.integrate(z * scale[:, None] + center[:, None], history)
        return power_inverse(b, self.power, lam), b

    def invert_bound(
        self,
        z: np.ndarray,
        history: np.ndarray,
        point: np.ndarray,
        lam: np.ndarray,
        center: np.ndarray,
        scale: np.ndarray,
    ) -> np.ndarray:
        """A quantile path ``[P, H]`` in the data's units: step k's transformed quantile ``z``,
        undifferenced from the history and the point path's powered values ``point`` up to
        step k - 1 (each step's quantile given the point path before it)."""
        poly = self.polynomial
        order = poly.size - 1
        steps = z.shape[1]
        b = z * scale[:, None] + center[:, None]
        if order:
            known = np.concatenate([history, point], axis=1)  # [P, D + H]
            for j in range(1, poly.size):
                if poly[j] != 0:
                    b = b - poly[j] * known[:, order - j : order - j + steps]
        return power_inverse(b, self.power, lam)

    def integrate(self, d: np.ndarray, history: np.ndarray) -> np.ndarray:
        """``b[t] = d[t] - sum_{j >= 1} p_j b[t - j]`` along each row, from ``history``."""
        poly = self.polynomial
        order = poly.size - 1
        if order == 0:
            return d.copy()
        paths, steps = d.shape
        buf = np.empty((paths, order + steps))
        buf[:, :order] = history
        for k in range(steps):
            acc = d[:, k].copy()
            for j in range(1, poly.size):
                if poly[j] != 0:
                    acc = acc - poly[j] * buf[:, order + k - j]
            buf[:, order + k] = acc
        return buf[:, order:]


def check_domain(
    kind: Power, y: np.ndarray, layout: Layout | None = None, names: Sequence[str] = ("",)
) -> None:
    """Refuse values a power transform cannot take (a one-line InputError naming the series)."""
    bad = ~(y > 0) if kind == "boxcox" else ~(y > -1) if kind == "log1p" else None
    if bad is None or not bad.any():
        return
    first = int(np.argmax(bad))
    what = names[int(layout.codes[first])] if layout is not None else names[0]
    if kind == "boxcox":
        raise InputError(
            f"{what}: transform=boxcox needs positive values, found {float(y[first]):g}; use "
            "--param transform=log1p (values above -1) or transform=none"
        )
    raise InputError(
        f"{what}: transform=log1p needs values above -1, found {float(y[first]):g}; use "
        "--param transform=none"
    )


def power(y: np.ndarray, kind: Power, lam: np.ndarray | float) -> np.ndarray:
    """The power transform, elementwise (``lam`` broadcasts against ``y``)."""
    if kind == "none":
        return np.asarray(y, dtype=np.float64).copy()
    if kind == "log1p":
        return np.log1p(y)
    lam_arr = np.broadcast_to(np.asarray(lam, dtype=np.float64), np.shape(y))
    zero = lam_arr == 0
    safe = np.where(zero, 1.0, lam_arr)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(zero, np.log(y), (np.power(y, safe) - 1.0) / safe)


def power_inverse(b: np.ndarray, kind: Power, lam: np.ndarray) -> np.ndarray:
    """The inverse of :func:`power`; ``lam`` is ``[P]`` for ``b`` ``[P, H]``. A Box-Cox value
    below the transform's range (``lambda b + 1 < 0``) maps to its bound."""
    if kind == "none":
        return b
    if kind == "log1p":
        return np.expm1(b)
    lam2 = np.broadcast_to(np.asarray(lam, dtype=np.float64)[:, None], b.shape)
    zero = lam2 == 0
    safe = np.where(zero, 1.0, lam2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        base = np.maximum(safe * b + 1.0, 0.0)
        return np.where(zero, np.exp(b), np.power(base, 1.0 / safe))


def boxcox_lambda(y: np.ndarray) -> float:
    """Box-Cox lambda by maximum likelihood within :data:`BOXCOX_BOUNDS` (1 for a constant)."""
    from scipy import optimize, stats

    if y.size < 2 or np.ptp(y) == 0:
        return 1.0
    result = optimize.minimize_scalar(
        lambda lam: -stats.boxcox_llf(lam, y), bounds=BOXCOX_BOUNDS, method="bounded"
    )
    return float(result.x)


def scaler_stats(
    kind: ScalerKind, d: np.ndarray, usable: np.ndarray, layout: Layout
) -> tuple[np.ndarray, np.ndarray]:
    """Per series (center, scale) of its usable differenced values; a zero spread (or no
    values) scales by 1. Standard: numpy's mean and standard deviation (ddof 0; the same bits as
    mlforecast's scaler: its trees then split alike); robust: median and interquartile range
    (the standard deviation when that is 0)."""
    n = layout.count
    if kind == "none":
        return np.zeros(n), np.ones(n)
    stats = _robust if kind == "robust" else _standard
    pairs = [stats(v[u]) for v, u in zip(*layout.split(d, usable), strict=True)]
    return np.array([c for c, _ in pairs]), np.array([s for _, s in pairs])


def _standard(values: np.ndarray) -> tuple[float, float]:
    if values.size == 0:
        return 0.0, 1.0
    scale = float(np.std(values))
    return float(np.mean(values)), scale if scale > 0 else 1.0


def _robust(values: np.ndarray) -> tuple[float, float]:
    if values.size == 0:
        return 0.0, 1.0
    q25, center, q75 = (float(q) for q in np.quantile(values, [0.25, 0.5, 0.75]))
    scale = q75 - q25
    if not scale > 0:
        scale = float(np.std(values))
    return center, scale if scale > 0 else 1.0


def interval_scales(y: np.ndarray, mask: np.ndarray, layout: Layout) -> np.ndarray:
    """``[N]``: the unit each series' conformal errors are pooled in: the mean absolute change
    between consecutive training values (the MASE scale), else the mean absolute training
    value, else 1."""
    n = layout.count
    pairs = np.zeros(y.size, dtype=bool)
    pairs[1:] = mask[1:] & mask[:-1]
    pairs &= layout.local >= 1
    change = np.zeros(y.size)
    change[1:] = np.abs(np.diff(y))
    codes = layout.codes
    count = np.bincount(codes[pairs], minlength=n)
    level_count = np.bincount(codes[mask], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        moves = np.bincount(codes[pairs], weights=change[pairs], minlength=n) / count
        level = np.bincount(codes[mask], weights=np.abs(y[mask]), minlength=n) / level_count
    out = np.where((count > 0) & (moves > 0), moves, np.where(level > 0, level, 1.0))
    return np.where(np.isfinite(out), out, 1.0)


@dataclass(frozen=True)
class Layout:
    """Where each series sits in the panel's values, series after series."""

    bounds: np.ndarray  # [N + 1]: series i is [bounds[i], bounds[i + 1])
    codes: np.ndarray  # [T] the series of each position
    local: np.ndarray  # [T] its position in its series

    @classmethod
    def of(cls, lengths: Sequence[int] | np.ndarray) -> Layout:
        sizes = np.asarray(lengths, dtype=np.int64)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        codes = np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)
        return cls(bounds, codes, np.arange(int(bounds[-1]), dtype=np.int64) - bounds[:-1][codes])

    @property
    def count(self) -> int:
        return int(self.bounds.size - 1)

    def split(self, *arrays: np.ndarray) -> list[list[np.ndarray]]:
        """Each array cut into its series' parts."""
        return [np.split(a, self.bounds[1:-1]) for a in arrays]
