"""Scaling a series by c scales every classical model's forecasts and interval bounds by c.

Every registered model outside the neural family fits ``c * y`` for c drawn from
[1e-12, 1e12]; its mean and bounds divided by c must equal those of the fit on ``y``, and it
must choose the same model. In exact arithmetic each of these models is scale-equivariant
(least squares, Gaussian maximum likelihood over location-scale families, smoothing,
decompositions, and model choice by criteria that all shift by the same n log c). What broke
it were tolerances in absolute units: statsmodels' Kalman filter skips a forecast-error
variance below 1e-10 (ARIMA at 1e-12 forecast its first observation), an approximate diffuse
start of variance 1e6 (theta's intervals 1e6 too wide at 1e-12), an absolute cut of 1e-10 on
lasso coefficients (sparse-ar kept no lag at 1e-12), a pseudo-inverse's relative cut on the
constant's column (an AR's intercept 1e-26 at 1e12), and optimisers' absolute steps and
tolerances (ETS chose another model at each scale). Each model now fits in the data's own
units.

Tolerance: 1e-6 of the series' RMS. The two fits see inputs that differ by rounding (``c * y``
is rounded, then divided by its own power-of-two scale, which need not be c's), so every
optimiser takes a slightly different path; polished (``forecast.models.optimum``), each stops
within ~1e-7 (relative) of its optimum, and the forecasts move by that much times the data's
scale. 1e-6 leaves a factor 10.

Neural models are left out: their training runs in float32 with stochastic gradient steps and
early stopping, so a fit on ``c * y`` (whose standardised inputs differ from those of ``y`` at
float32 rounding, 1e-7) matches the fit on ``y`` only to the network's sensitivity to that
rounding through hundreds of steps, far above 1e-6, and each fit takes seconds.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from forecast.errors import ForecastError
from forecast.models.base import Forecast
from forecast.models.registry import REGISTRY, create
from forecast.threads import limited, resolve
from tests.conftest import SAMPLES

MODELS = sorted(name for name, spec in REGISTRY.items() if spec.family != "neural")
LEVELS = (80, 95)
HORIZON = 6
TOLERANCE = 1e-6  # of the series' RMS (module docstring)


def _sample(name: str, rows: int, freq: str) -> pd.Series:
    frame = pd.read_csv(SAMPLES / f"{name}.csv", parse_dates=[0], index_col=0)
    return frame.iloc[:rows, 0].astype(float).asfreq(freq)


# small, so that the 15 models x (1 + examples) fits stay within seconds: four years of
# AirPassengers (positive, trending, seasonal: multiplicative ETS, seasonal ARIMA) and 60
# years of the Nile less its mean (not seasonal, both signs: additive models only)
SERIES = {
    "airpassengers-48": lambda: _sample("airpassengers", 48, "MS"),
    "nile-60-centred": lambda: _sample("nile", 60, "YS") - 919.35,
}


def _fit(name: str, y: pd.Series) -> tuple[str, Forecast] | str:
    """(the chosen model's description, its forecast), or the error's class name; under the
    thread rule of the commands (classical models: BLAS at one thread)."""
    try:
        with limited(resolve()):
            model = create(name, {}).fit(y)
            return model.summary().description, model.predict(HORIZON, LEVELS)
    except ForecastError as exc:
        return type(exc).__name__


@cache
def _reference(name: str, series: str) -> tuple[str, Forecast] | str:
    return _fit(name, SERIES[series]())


@pytest.mark.slow
@pytest.mark.parametrize("name", MODELS)
@settings(max_examples=3, deadline=None)  # about 30 s for the 21 models (one thread each)
@given(series=st.sampled_from(sorted(SERIES)), exponent=st.floats(-12, 12))
@example(series="airpassengers-48", exponent=-12.0)
@example(series="airpassengers-48", exponent=12.0)
@example(series="nile-60-centred", exponent=-12.0)
@example(series="nile-60-centred", exponent=12.0)
def test_scaling_the_series_scales_forecasts_and_bounds(name, series, exponent) -> None:
    c = 10.0**exponent
    y = SERIES[series]()
    reference = _reference(name, series)
    scaled = _fit(name, y * c)
    if isinstance(reference, str) or isinstance(scaled, str):
        assert scaled == reference  # refused at both scales, for the same reason
        return
    assert scaled[0] == reference[0]  # the same model chosen
    (_, ours), (_, base) = scaled, reference
    atol = TOLERANCE * math.sqrt(float(np.mean(y.to_numpy() ** 2)))
    np.testing.assert_allclose(ours.mean / c, base.mean, rtol=0, atol=atol)
    for level in LEVELS:
        np.testing.assert_allclose(ours.lower(level) / c, base.lower(level), rtol=0, atol=atol)
        np.testing.assert_allclose(ours.upper(level) / c, base.upper(level), rtol=0, atol=atol)
