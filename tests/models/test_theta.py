"""Theta against statsmodels' ThetaModel, and the SES-with-drift formula (Hyndman & Billah
2003) recomputed by hand at fixed parameters after an update."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.forecasting.theta import ThetaModel

from forecast.models.theta import Theta


def _air() -> pd.Series:
    frame = pd.read_csv("sample_data/airpassengers.csv", parse_dates=[0], index_col=0)
    return frame.iloc[:, 0].asfreq("MS").astype(float)


def _nile() -> pd.Series:
    frame = pd.read_csv("sample_data/nile.csv", parse_dates=[0], index_col=0)
    return frame.iloc[:, 0].asfreq("YS").astype(float)


@pytest.mark.parametrize(
    ("series", "period"),
    [(_air, 12), (_nile, None), (lambda: _air() - 300, 12)],
    ids=["multiplicative season", "not seasonal", "additive season (values <= 0)"],
)
def test_forecasts_and_intervals_equal_statsmodels(series, period) -> None:
    y = series()
    model = Theta(period=period).fit(y)
    forecast = model.predict(30, [80, 95])
    sm_period = period or 1
    reference = ThetaModel(y.to_numpy(), period=sm_period, deseasonalize=period is not None).fit()
    np.testing.assert_allclose(forecast.mean, reference.forecast(30), rtol=1e-10)
    for level in (80, 95):
        bounds = reference.prediction_intervals(30, alpha=1 - level / 100)
        np.testing.assert_allclose(forecast.lower(level), bounds["lower"], rtol=1e-10)
        np.testing.assert_allclose(forecast.upper(level), bounds["upper"], rtol=1e-10)


def test_update_moves_the_ses_level_at_fixed_parameters() -> None:
    y = _nile()
    model = Theta().fit(y.iloc[:80])
    b0, alpha = model.b0_, model.alpha_
    model.update(y.iloc[80:])
    values = y.to_numpy()
    level = values[0]  # SES started at the first observation
    for value in values:
        level = alpha * value + (1 - alpha) * level
    n, h = values.size, np.arange(1, 6)
    expected = level + 0.5 * b0 * (h - 1 + 1 / alpha - (1 - alpha) ** n / alpha)
    np.testing.assert_allclose(model.predict(5).mean, expected, rtol=1e-12)


def test_theta_one_is_plain_ses() -> None:
    model = Theta(theta=1.0).fit(_nile())
    forecast = model.predict(4).mean
    assert np.ptp(forecast) == 0.0
