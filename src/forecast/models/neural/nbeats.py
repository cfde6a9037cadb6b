"""N-BEATS and N-HiTS: stacks of fully connected blocks with backward and forward residual
links.

- N-BEATS: B. N. Oreshkin, D. Carpov, N. Chapados and Y. Bengio (2020), "N-BEATS: Neural basis
  expansion analysis for interpretable time series forecasting", ICLR 2020.
- N-HiTS: C. Challu, K. G. Olivares, B. N. Oreshkin, F. Garza, M. Mergenthaler-Canseco and
  A. Dubrawski (2023), "N-HiTS: Neural Hierarchical Interpolation for Time Series
  Forecasting", AAAI 2023.

The window is taken relative to an anchor, which is added back to the forecast: its last value
(the naive skip of :mod:`networks`: on the retail panel this took N-BEATS's MASE from 3.1 to
0.89, bench/RESULTS.md), or, the global model's default on a panel (``anchor: "mean"`` in the
architecture), the window's mean: an outlier or a seasonal peak at the window's end then moves
the forecast's level by 1/W of itself, not all of it (M3 monthly, nhits with logarithms: MASE
0.873 / 0.867 / 0.882 against 0.891 / 0.894 / 0.885 over three seeds, and 0.865 / 0.891 / 0.882
against 0.906 / 0.918 / 0.914 on a disjoint draw; bench/RESULTS.md, issue 33).

Each block reads the residual of that window, runs ``layers`` fully connected ReLU layers of
``hidden_size`` units, and emits expansion coefficients theta for a backcast (subtracted from the
residual the next block reads) and a forecast (added to the output). The other input features
(calendar, regressors, a series embedding) are flattened and appended to every block's input, as in
NBEATSx (Olivares et al. 2023); known future regressors reach the output through
:class:`heads.FutureRegressors`.

Bases (one time axis for backcast and forecast, in units of the horizon H: the last observation
is at t = 0, the window at t = -(W - 1)/H .. 0, the forecast at t = 1/H .. 1, so a trend or a
season seen in the window continues into the forecast):

- generic: learned linear maps theta -> backcast and theta -> forecast;
- trend: the polynomial ``sum_i theta_i t**i``, i = 0..``degree``;
- seasonality: the Fourier series ``theta_0 + sum_i a_i cos(2 pi i t) + b_i sin(2 pi i t)``,
  i = 1..H/2 (H terms in all: periods H/i);
- N-HiTS: the block reads the window max-pooled by its stack's ``pools`` kernel, and its
  forecast is ``ceil(H / downsample)`` knots linearly interpolated to H steps (as
  ``torch.nn.functional.interpolate`` with ``align_corners=False``); its backcast is the full W.
  Pooling and interpolation are written as a reshape with ``amax`` and a fixed matrix product,
  whose gradients have deterministic kernels on CUDA (``--deterministic``; ``interpolate``'s
  and max-pooling's backward passes may not).

Unlike the paper's interpretable model, blocks of one stack do not share weights.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn

from forecast.models.neural.architectures import ANCHORS, check_window_scale
from forecast.models.neural.heads import FutureRegressors, window_spread


def time_axes(window: int, out: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The backcast and forecast times, ``[window]`` and ``[out]``, in units of ``out``."""
    backcast = (torch.arange(window, dtype=torch.float64) - (window - 1)) / out
    forecast = torch.arange(1, out + 1, dtype=torch.float64) / out
    return backcast, forecast


def trend_basis(degree: int, window: int, out: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Polynomial basis: ``[degree + 1, window]`` and ``[degree + 1, out]``, row i = t**i."""
    powers = torch.arange(degree + 1, dtype=torch.float64)[:, None]
    backcast, forecast = time_axes(window, out)
    return (backcast[None] ** powers).float(), (forecast[None] ** powers).float()


def seasonal_basis(window: int, out: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Fourier basis of ``out`` rows: 1, cos(2 pi i t) for i = 1..out//2, sin(2 pi i t) for
    i = 1..(out-1)//2; ``[out, window]`` and ``[out, out]``."""

    def rows(t: torch.Tensor) -> torch.Tensor:
        cos = torch.arange(1, out // 2 + 1, dtype=torch.float64)[:, None]
        sin = torch.arange(1, (out - 1) // 2 + 1, dtype=torch.float64)[:, None]
        angle = 2 * math.pi * t[None]
        parts = [torch.ones_like(t)[None], torch.cos(cos * angle), torch.sin(sin * angle)]
        return torch.cat(parts).float()

    backcast, forecast = time_axes(window, out)
    return rows(backcast), rows(forecast)


def fully_connected(size_in: int, hidden: int, layers: int, dropout: float) -> nn.Sequential:
    sizes = [size_in] + [hidden] * layers
    body: list[nn.Module] = []
    for a, b in itertools.pairwise(sizes):
        body += [nn.Linear(a, b), nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*body)


class Block(nn.Module):
    """One N-BEATS block: with ``basis`` (backcast ``[P, W]``, forecast ``[P, H]``) the outputs
    are theta @ basis; without, theta -> backcast and theta -> forecast are learned (generic)."""

    def __init__(
        self,
        size_in: int,
        window: int,
        out: int,
        hidden: int,
        layers: int,
        dropout: float,
        basis: tuple[torch.Tensor, torch.Tensor] | None,
    ) -> None:
        super().__init__()
        self.fc = fully_connected(size_in, hidden, layers, dropout)
        self.generic = basis is None
        if basis is None:
            self.backcast = nn.Linear(hidden, window)
            self.forecast = nn.Linear(hidden, out)
        else:
            self.register_buffer("basis_b", basis[0], persistent=False)
            self.register_buffer("basis_f", basis[1], persistent=False)
            self.backcast = nn.Linear(hidden, basis[0].shape[0], bias=False)
            self.forecast = nn.Linear(hidden, basis[1].shape[0], bias=False)

    def forward(
        self, residual: torch.Tensor, extra: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:  # [batch, W], [batch, E] -> [batch, W], [batch, H]
        h = self.fc(torch.cat([residual, extra], dim=-1))
        if self.generic:
            return self.backcast(h), self.forecast(h)
        return self.backcast(h) @ self.basis_b, self.forecast(h) @ self.basis_f


class HitsBlock(nn.Module):
    """One N-HiTS block: max-pooled input, full backcast, ``knots`` interpolated to H."""

    def __init__(
        self,
        extra_size: int,
        window: int,
        out: int,
        hidden: int,
        layers: int,
        dropout: float,
        pool: int,
        downsample: int,
    ) -> None:
        super().__init__()
        self.pool = pool
        self.knots = max(1, math.ceil(out / downsample))
        pooled = math.ceil(window / pool)
        self.fc = fully_connected(pooled + extra_size, hidden, layers, dropout)
        self.backcast = nn.Linear(hidden, window)
        self.forecast = nn.Linear(hidden, self.knots)
        self.register_buffer(
            "spread", interpolation_matrix(self.knots, out).float(), persistent=False
        )

    def forward(
        self, residual: torch.Tensor, extra: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = max_pool(residual, self.pool)
        h = self.fc(torch.cat([pooled, extra], dim=-1))
        return self.backcast(h), self.forecast(h) @ self.spread


def max_pool(values: torch.Tensor, size: int) -> torch.Tensor:
    """``[batch, W]`` -> ``[batch, ceil(W / size)]``: maxima of consecutive groups of ``size``
    from the start, the last group shorter (``max_pool1d`` with ``ceil_mode=True``)."""
    pad = -values.shape[1] % size
    if pad:  # repeating the last value leaves the last group's maximum as it was
        values = torch.cat([values, values[:, -1:].expand(values.shape[0], pad)], dim=1)
    return values.reshape(values.shape[0], -1, size).amax(-1)


def interpolation_matrix(knots: int, out: int) -> torch.Tensor:
    """``[knots, out]``: ``k @ M`` interpolates knots ``k`` linearly to ``out`` steps; step i
    samples the knots at ``(i + 0.5) knots / out - 0.5``, clamped to the ends (``interpolate``
    with ``align_corners=False``)."""
    where = ((torch.arange(out, dtype=torch.float64) + 0.5) * knots / out - 0.5).clamp(0, knots - 1)
    low = where.floor().long()
    high = (low + 1).clamp(max=knots - 1)
    weight = where - low
    matrix = torch.zeros(knots, out, dtype=torch.float64)
    steps = torch.arange(out)
    matrix.index_put_((low, steps), 1 - weight, accumulate=True)
    matrix.index_put_((high, steps), weight, accumulate=True)
    return matrix  # float64


def interpolate(knots: torch.Tensor, out: int) -> torch.Tensor:
    """``[batch, K]`` knots linearly interpolated to ``[batch, out]`` steps."""
    return knots @ interpolation_matrix(knots.shape[1], out).to(knots.dtype)


class StackedNet(nn.Module):
    """Blocks in stacks; the forecast is the window's anchor plus every block's forecast
    (plus the known future regressors' term). :meth:`stack_forecasts` gives each stack's
    part."""

    def __init__(
        self,
        stacks: list[list[nn.Module]],
        names: list[str],
        out: int,
        exog_size: int,
        anchor: str = "last",
        window_scale: str = "none",
    ) -> None:
        super().__init__()
        if anchor not in ANCHORS:
            raise ValueError(f"anchor must be one of {', '.join(ANCHORS)}, got {anchor!r}")
        check_window_scale(window_scale)
        self.stacks = nn.ModuleList(nn.ModuleList(blocks) for blocks in stacks)
        self.names = names
        self.anchor = anchor
        self.window_scale = window_scale
        self.future = FutureRegressors(out, exog_size)

    def spread(self, x: torch.Tensor) -> torch.Tensor:
        """What the windows ``x`` are divided by, ``[batch, 1]`` (or a scalar 1): with
        ``window_scale="std"`` each window's standard deviation, at least :data:`SCALE_FLOOR`."""
        if self.window_scale == "std":
            return window_spread(x[:, :, 0])
        return torch.ones((), dtype=x.dtype, device=x.device)

    def level(self, x: torch.Tensor) -> torch.Tensor:
        """The anchor ``[batch, 1]`` of the windows ``x`` ``[batch, window, features]``: the
        last value or the mean of the values (feature 0)."""
        if self.anchor == "mean":
            return x[:, :, 0].mean(dim=1, keepdim=True)
        return x[:, -1:, 0]

    def stack_forecasts(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Each stack's forecast ``[batch, out]`` for ``x`` ``[batch, window, features]``."""
        residual = (x[:, :, 0] - self.level(x)) / self.spread(x)  # relative to its anchor
        extra = x[:, :, 1:].flatten(1)
        parts = []
        for blocks in self.stacks:
            assert isinstance(blocks, nn.ModuleList)
            total = torch.zeros((), dtype=x.dtype, device=x.device)
            for block in blocks:
                backcast, forecast = block(residual, extra)
                residual = residual - backcast
                total = total + forecast
            parts.append(total)
        return parts

    def forward(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        blocks = torch.stack(self.stack_forecasts(x)).sum(0)  # [batch, out]
        out = self.level(x) + self.spread(x) * blocks
        return self.future(out, future)


def nbeats(
    input_size: int,
    window: int,
    out_steps: int,
    basis: str,
    stacks: int,
    blocks: int,
    hidden_size: int,
    layers: int,
    degree: int,
    dropout: float,
    exog_size: int = 0,
    anchor: str = "last",
    window_scale: str = "none",
) -> StackedNet:
    """``basis="generic"``: ``stacks`` stacks of ``blocks`` generic blocks; ``"interpretable"``:
    a trend stack then a seasonality stack, ``blocks`` blocks each."""
    size_in = window * input_size  # the residual window and the other features, flattened

    def block(b: tuple[torch.Tensor, torch.Tensor] | None) -> nn.Module:
        return Block(size_in, window, out_steps, hidden_size, layers, dropout, b)

    if basis == "generic":
        built = [[block(None) for _ in range(blocks)] for _ in range(stacks)]
        names = [f"generic {i + 1}" for i in range(stacks)]
    else:
        trend = trend_basis(degree, window, out_steps)
        season = seasonal_basis(window, out_steps)
        built = [[block(trend) for _ in range(blocks)], [block(season) for _ in range(blocks)]]
        names = ["trend", "seasonality"]
    return StackedNet(built, names, out_steps, exog_size, anchor, window_scale)


def nhits(
    input_size: int,
    window: int,
    out_steps: int,
    pools: list[int],
    downsample: list[int],
    blocks: int,
    hidden_size: int,
    layers: int,
    dropout: float,
    exog_size: int = 0,
    anchor: str = "last",
    window_scale: str = "none",
) -> StackedNet:
    """One stack per ``(pool, downsample)`` pair, ``blocks`` blocks each."""
    extra = window * (input_size - 1)
    built: list[list[nn.Module]] = [
        [
            HitsBlock(extra, window, out_steps, hidden_size, layers, dropout, p, r)
            for _ in range(blocks)
        ]
        for p, r in zip(pools, downsample, strict=True)
    ]
    names = [
        f"pool {p}, {max(1, math.ceil(out_steps / r))} knots"
        for p, r in zip(pools, downsample, strict=True)
    ]
    return StackedNet(built, names, out_steps, exog_size, anchor, window_scale)
