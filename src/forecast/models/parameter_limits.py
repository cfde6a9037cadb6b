"""Hyperparameters checked against the data before any work: the bounds that keep a fit's time
and memory proportional to what the user asked for.

The registry (:mod:`forecast.models.registry`) checks each value alone (types, ranges, finite
numbers); this module checks the values that only make sense against the number of
observations ``n``, and the size of a network. Every rule is stated in the README (Exit codes:
"Limits"); each refusal is a :class:`UsageError` naming the parameter, the value, the rule and
the fix, raised before any allocation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from forecast.errors import UsageError

MAX_ARMA_ORDER = 24  # p + q, and every AR order fitted by exact likelihood
MAX_DIFFERENCES = 2  # d and D
MAX_SEASONAL_ORDER = 4  # P + Q
MAX_WEIGHTS = 10_000_000  # trainable weights of a neural network (about 160 MB with Adam)
SMOOTHING = (0.0, 1.0)  # a smoothing constant given by the user (tsb), inclusive
SEARCHED_SMOOTHING = (0.1, 0.3)  # the range optimised smoothing constants are searched in


def check_against_data(model: str, params: Mapping[str, Any], n: int | None) -> None:
    """Refuse hyperparameters that the ``n`` training observations cannot support, or whose
    cost would be out of proportion (see the module docstring); with ``n`` None, only the
    limits that need no data (before the data is read)."""
    if n is None:
        n = 2**62
    half = max(n // 2, 1)
    period = params.get("period")
    if isinstance(period, int) and period >= n:
        _refuse(model, "period", period, f"shorter than the series ({n} observations)")
    p = params.get("p")
    if isinstance(p, int) and p > half:
        _refuse(model, "p", p, f"at most half the observations ({half} of {n})")
    for name, default in (("max_p", 12), ("max_lag", 24)):  # search bounds: defaults always pass
        value = params.get(name)
        if isinstance(value, int) and value > max(half, default):
            _refuse(model, name, value, f"at most half the observations ({half} of {n})")
    for name in ("p", "max_p"):
        value = params.get(name)
        if (
            isinstance(value, int)
            and value > MAX_ARMA_ORDER
            and model != "auto-arima"
            and params.get("method", "mle") == "mle"
        ):
            _refuse(
                model,
                name,
                value,
                f"at most {MAX_ARMA_ORDER} with the exact likelihood; use method=ols for "
                "longer autoregressions",
            )
    if model in ("ma", "arma"):
        _check_arima(model, "q", (int(params.get("p") or 0), 0, int(params["q"])), (), None, n)
    order = params.get("order")
    if isinstance(order, Sequence) and len(order) == 3:
        seasonal = params.get("seasonal_order") or ()
        _check_arima(model, "order", tuple(order), tuple(seasonal), period, n)
    if model == "auto-arima":
        for name, cap in (
            ("max_p", MAX_ARMA_ORDER),
            ("max_q", MAX_ARMA_ORDER),
            ("max_order", MAX_ARMA_ORDER),
            ("max_d", MAX_DIFFERENCES),
            ("max_D", MAX_DIFFERENCES),
            ("max_P", MAX_SEASONAL_ORDER),
            ("max_Q", MAX_SEASONAL_ORDER),
        ):
            if int(params.get(name, 0)) > cap:
                _refuse(model, name, params[name], f"at most {cap}")
    _check_network(model, params, n)


def check_orders(
    model: str, order: tuple[int, int, int], seasonal: tuple[int, ...], n: int
) -> None:
    """Refuse an ARIMA order (p, d, q) and seasonal order (P, D, Q, m; ``()`` for none) that
    the rules above do not allow on ``n`` observations (a model file's fitted orders)."""
    _check_arima(model, "order", order, seasonal, None, n)


def _check_arima(
    model: str,
    name: str,
    order: tuple[int, ...],
    seasonal: tuple[int, ...],
    period: int | None,
    n: int,
) -> None:
    p, d, q = order
    shown = ",".join(map(str, order))
    if p + q > MAX_ARMA_ORDER:
        _refuse(model, name, shown, f"p + q at most {MAX_ARMA_ORDER}")
    if d > MAX_DIFFERENCES:
        _refuse(model, name, shown, f"d at most {MAX_DIFFERENCES}")
    lags = p + d + q
    if seasonal:
        big_p, big_d, big_q = seasonal[:3]
        m = seasonal[3] if len(seasonal) == 4 else period
        text = ",".join(map(str, seasonal))
        if big_p + big_q > MAX_SEASONAL_ORDER:
            _refuse(model, "seasonal_order", text, f"P + Q at most {MAX_SEASONAL_ORDER}")
        if big_d > MAX_DIFFERENCES:
            _refuse(model, "seasonal_order", text, f"D at most {MAX_DIFFERENCES}")
        if m is not None:
            if m < 2 or m >= n:
                _refuse(
                    model,
                    "seasonal_order",
                    text,
                    f"a period m between 2 and the series' length less one ({n - 1})",
                )
            lags += m * (big_p + big_d + big_q)
            name = "order/seasonal_order"
            shown = f"{shown} and {text}"
    if lags >= n:
        _refuse(
            model,
            name,
            shown,
            f"p + d + q + m(P + D + Q) = {lags} lags fewer than the observations ({n})",
        )


def _check_network(model: str, params: Mapping[str, Any], n: int) -> None:
    window = params.get("window")
    if isinstance(window, int) and window >= n:
        _refuse(model, "window", window, f"shorter than the series ({n} observations)")
    layers = int(params.get("layers") or 0)
    if "hidden_size" in params:
        h = int(params["hidden_size"])
        gates = {"lstm": 4, "gru": 3}.get(model, 1)
        directions = 2 if params.get("bidirectional") else 1
        weights = layers * directions * gates * h * (2 * h * directions + 2)
        what = "hidden_size/layers"
    elif "d_model" in params:
        d, ff = int(params["d_model"]), int(params.get("ff_size") or 0)
        weights = layers * (4 * d * d + 2 * d * ff)
        what = "d_model/layers/ff_size"
    else:
        return
    if weights > MAX_WEIGHTS:
        raise UsageError(
            f"{model}: parameters {what} make a network of about {weights:,} weights; the "
            f"limit is {MAX_WEIGHTS:,}: make it smaller"
        )


def _refuse(model: str, name: str, value: Any, rule: str) -> None:
    fix = "" if ";" in rule else "; lower it"
    raise UsageError(f"{model}: parameter {name}={value} must be {rule}{fix}")
