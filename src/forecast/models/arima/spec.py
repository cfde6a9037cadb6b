"""The structure of a (S)ARIMA(X) model: :class:`SarimaxSpec` (orders, trend, constraints) and
the trend rules every estimator applies to it.

Everything in the ARIMA family, auto-ARIMA and sparse-AR included, ends as a spec plus a
parameter vector: the estimators (:mod:`forecast.models.arima.estimation`), the order search
(:mod:`forecast.models.arima.search`) and the forecasters (:mod:`forecast.models.arima.models`)
all read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from forecast.errors import UsageError

Lags = int | tuple[int, ...]
TRENDS = ("auto", "n", "c", "t", "ct")


@dataclass(frozen=True)
class SarimaxSpec:
    """The structure of a SARIMAX model: orders, trend, constraints."""

    p: Lags
    d: int
    q: int
    seasonal: tuple[int, int, int, int] = (0, 0, 0, 0)
    trend: str = "n"
    enforce_stationarity: bool = True
    enforce_invertibility: bool = True
    form: str = "mean"  # "mean": statsmodels ARIMA; "intercept": statsmodels SARIMAX
    # exact diffuse start for the differencing states (R's and the compiled core's likelihood);
    # False: statsmodels' default approximate one (variance 1e6), as model files before it
    exact_diffuse: bool = False

    @property
    def order(self) -> tuple[Any, int, int]:
        return (list(self.p) if isinstance(self.p, tuple) else self.p, self.d, self.q)

    @property
    def n_arma(self) -> int:
        p = len(self.p) if isinstance(self.p, tuple) else self.p
        return p + self.q + self.seasonal[0] + self.seasonal[2]

    def build(self, y: np.ndarray, exog: np.ndarray | None = None) -> Any:
        from statsmodels.tsa.arima.model import ARIMA
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        kind = ARIMA if self.form == "mean" else SARIMAX
        try:
            model = kind(
                y,
                exog=exog,
                order=self.order,
                seasonal_order=self.seasonal,
                # "n" itself: statsmodels' ARIMA reads None as a constant when d = 0
                trend=self.trend,
                enforce_stationarity=self.enforce_stationarity,
                enforce_invertibility=self.enforce_invertibility,
            )
        except ValueError as exc:
            if "trend terms of lower order" in str(exc):
                raise UsageError(
                    f"{self.describe()}: a differenced model cannot have a constant; use "
                    "trend=t (a drift) or trend=n"
                ) from None
            raise
        if self.exact_diffuse:
            model.use_exact_diffuse = True
            model.initialize_default()
        return model

    def describe(self) -> str:
        p = "[" + ",".join(map(str, self.p)) + "]" if isinstance(self.p, tuple) else str(self.p)
        text = f"ARIMA({p},{self.d},{self.q})"
        P, D, Q, m = self.seasonal
        if m and (P or D or Q):  # as R's arima.string: no seasonal part without seasonal terms
            text += f"({P},{D},{Q})[{m}]"
        trend = {
            "n": "",
            "c": " with intercept",
            "t": " with drift",
            "ct": " with intercept and drift",
        }
        return text + trend[self.trend]

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": [list(self.p) if isinstance(self.p, tuple) else self.p, self.d, self.q],
            "seasonal_order": list(self.seasonal),
            "trend": self.trend,
            "enforce_stationarity": self.enforce_stationarity,
            "enforce_invertibility": self.enforce_invertibility,
            "form": self.form,
            "exact_diffuse": self.exact_diffuse,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SarimaxSpec:
        p, d, q = data["order"]
        return cls(
            p=tuple(p) if isinstance(p, list) else int(p),
            d=int(d),
            q=int(q),
            seasonal=tuple(int(v) for v in data["seasonal_order"]),  # type: ignore[arg-type]
            trend=data["trend"],
            enforce_stationarity=bool(data["enforce_stationarity"]),
            enforce_invertibility=bool(data["enforce_invertibility"]),
            form=str(data["form"]),
            exact_diffuse=bool(data.get("exact_diffuse", False)),  # absent before: approximate
        )


def resolve_trend(trend: str, d: int, seasonal_d: int = 0) -> str:
    if trend not in TRENDS:
        raise UsageError(f"trend must be one of {', '.join(TRENDS)}, got {trend!r}")
    if trend == "auto":
        return "c" if d + seasonal_d == 0 else "n"
    return trend


def check_trend(spec: SarimaxSpec) -> None:
    """A trend term of lower order than the differencing is removed by it (statsmodels'
    rule): refuse it with the fix."""
    order = spec.d + spec.seasonal[1]
    if ("c" in spec.trend and order >= 1) or ("t" in spec.trend and order >= 2):
        raise UsageError(
            f"{spec.describe()}: a differenced model cannot have a constant; use "
            "trend=t (a drift) or trend=n"
            if order == 1
            else f"{spec.describe()}: differenced {order} times, the model cannot have a "
            "constant or a drift; use trend=n"
        )
