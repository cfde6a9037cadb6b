"""Type aliases and the option names shared across modules."""

from __future__ import annotations

from enum import Enum
from typing import Literal

MissingPolicy = Literal["error", "drop", "ffill", "interpolate"]
AcfMethod = Literal["standard", "pearson"]
PacfMethod = Literal["ywm", "yw", "ols", "ols-adjusted", "burg", "ld", "ldb"]
TrendSpec = Literal["c", "ct"]
OutputFormat = Literal["table", "json", "csv"]


class MissingChoice(str, Enum):
    """`--missing`: what to do with empty values and timestamps absent from the grid."""

    error = "error"
    drop = "drop"
    ffill = "ffill"
    interpolate = "interpolate"


class FormatChoice(str, Enum):
    """`--format`: a table for people, JSON or CSV for programs."""

    table = "table"
    json = "json"
    csv = "csv"


class AcfChoice(str, Enum):
    """`--acf-method`: the sample ACF (global mean, divisor n) or the Pearson lag correlation."""

    standard = "standard"
    pearson = "pearson"


class PacfChoice(str, Enum):
    """`--pacf-method`: the statsmodels PACF estimators."""

    ywm = "ywm"
    yw = "yw"
    ols = "ols"
    ols_adjusted = "ols-adjusted"
    burg = "burg"
    ld = "ld"
    ldb = "ldb"


class TrendChoice(str, Enum):
    """`--trend`: deterministic terms in the unit-root regressions."""

    c = "c"
    ct = "ct"
