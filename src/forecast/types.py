"""Type aliases and the option names shared across modules."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Literal

MissingPolicy = Literal["error", "drop", "ffill", "interpolate"]
AcfMethod = Literal["standard", "pearson"]
PacfMethod = Literal["ywm", "yw", "ols", "ols-adjusted", "burg", "ld", "ldb"]
TrendSpec = Literal["c", "ct"]
AdfTrend = Literal["n", "c", "ct", "ctt"]
Intervals = Literal["model", "conformal"]
# The fewest observations a command works with: a number, or one per frequency (a seasonal
# model's minimum depends on its period), asked once the series' frequency is known.
MinLength = int | Callable[[str], int]


class MissingChoice(StrEnum):
    """`--missing`: what to do with empty values and timestamps absent from the grid."""

    error = "error"
    drop = "drop"
    ffill = "ffill"
    interpolate = "interpolate"


class ColumnsChoice(StrEnum):
    """`--columns`: forecasts long over models (tidy) or wide over them (statsforecast's)."""

    tidy = "tidy"
    nixtla = "nixtla"


class IntervalsChoice(StrEnum):
    """`--intervals`: the model's own prediction intervals, or split-conformal ones calibrated on
    its walk-forward errors inside the training data."""

    model = "model"
    conformal = "conformal"


class EngineChoice(StrEnum):
    """`--engine`: this machine's processes, or a Dask cluster."""

    local = "local"
    dask = "dask"


class FormatChoice(StrEnum):
    """`--format`: a table for people, JSON or CSV for programs."""

    table = "table"
    json = "json"
    csv = "csv"


class AcfChoice(StrEnum):
    """`--acf-method`: the sample ACF (global mean, divisor n) or the Pearson lag correlation."""

    standard = "standard"
    pearson = "pearson"


class PacfChoice(StrEnum):
    """`--pacf-method`: the statsmodels PACF estimators."""

    ywm = "ywm"
    yw = "yw"
    ols = "ols"
    ols_adjusted = "ols-adjusted"
    burg = "burg"
    ld = "ld"
    ldb = "ldb"


class TrendChoice(StrEnum):
    """`--trend`: deterministic terms in the unit-root regressions."""

    c = "c"
    ct = "ct"


class SchemeChoice(StrEnum):
    walk_forward = "walk-forward"
    purged_kfold = "purged-kfold"
    cpcv = "cpcv"
    bootstrap = "bootstrap"


class InnerChoice(StrEnum):
    walk_forward = "walk-forward"
    purged_kfold = "purged-kfold"
    cpcv = "cpcv"


class BootstrapChoice(StrEnum):
    mbb = "mbb"
    cbb = "cbb"
    sb = "sb"


class ResampleChoice(StrEnum):
    residuals = "residuals"
    differences = "differences"
    levels = "levels"


class CiMethodChoice(StrEnum):
    stationary = "stationary"
    circular = "circular"


class CiIntervalChoice(StrEnum):
    percentile = "percentile"
    basic = "basic"


class WindowChoice(StrEnum):
    expanding = "expanding"
    rolling = "rolling"
