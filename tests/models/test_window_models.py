"""window-average, seasonal-window-average and ses (forecast.models.window_models) against
slow definitions written out with loops: the point forecasts (statsforecast's WindowAverage,
SeasonalWindowAverage, SimpleExponentialSmoothing), the one-step errors and the Gaussian
intervals of the module docstring; ses' optimised alpha against a fine grid refined by scipy on
the same objective; forecasts from every origin, updates, quantiles, sample paths and model
files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.errors import InputError, ModelFileError, UsageError
from forecast.io.modelfile import load_model, save_model
from forecast.models.paths import sample_paths
from forecast.models.quantiles import forecast_quantiles
from forecast.models.window_models import Ses

from ..conftest import SAMPLES
from ..io.test_forged_models import _set, forge

LEVELS = (80.0, 95.0)


def series(values: np.ndarray | list[float], freq: str = "MS") -> pd.Series:
    return pd.Series(
        np.asarray(values, float), index=pd.date_range("2001-01-01", periods=len(values), freq=freq)
    )


def random_series(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    season = 5 * np.sin(2 * np.pi * np.arange(n) / 12)
    return 50 + season + rng.normal(size=n).cumsum() + rng.normal(size=n)


def create(name: str, **params: object):
    from forecast.models.registry import create as make

    return make(name, params)


# --- slow definitions ---------------------------------------------------------------------


def slow_window(y: list[float], window: int, lag: int, horizon: int) -> tuple[list[float], float]:
    """Forecasts and mean squared one-step error of the (seasonal) window average."""

    def predict(values: list[float], t: int) -> float:
        picked = [values[t - j * lag] for j in range(1, window + 1)]
        return sum(picked) / window

    errors = [y[t] - predict(y, t) for t in range(window * lag, len(y))]
    forecasts = []
    for h in range(1, horizon + 1):
        k = (h - 1) % lag  # the position in the season: the same as h steps ahead
        forecasts.append(predict(y, len(y) + k))
    return forecasts, sum(e * e for e in errors) / len(errors)


def slow_ses(y: list[float], alpha: float) -> tuple[float, float]:
    """SES from f_1 = y_0: the forecast after y and the sum of squared one-step errors."""
    f = y[0]
    sse = 0.0
    for t in range(1, len(y)):
        f = alpha * y[t - 1] + (1 - alpha) * f
        sse += (y[t] - f) ** 2
    return alpha * y[-1] + (1 - alpha) * f, sse


def z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 200)


def assert_bands(forecast, mean: np.ndarray, se: np.ndarray) -> None:
    np.testing.assert_allclose(forecast.mean, mean, rtol=1e-12, atol=1e-12)
    for level in LEVELS:
        np.testing.assert_allclose(forecast.lower(level), mean - z(level) * se, rtol=1e-12)
        np.testing.assert_allclose(forecast.upper(level), mean + z(level) * se, rtol=1e-12)


# --- statsforecast 2.1.1 (tests/models/make_window_reference.py) ----------------------------

REFERENCE = json.loads((Path(__file__).parent / "window_reference.json").read_text())
OURS = {  # the reference's configuration keys as our models
    "wa": lambda a: ("window-average", {"window": a["window_size"]}),
    "swa": lambda a: ("seasonal-window-average",
                      {"period": a["season_length"], "window": a["window_size"]}),
    "ses": lambda a: ("ses", {"alpha": str(a["alpha"])} if "alpha" in a else {}),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFERENCE["cases"]))
def test_forecasts_and_alpha_equal_statsforecast(case: str) -> None:
    """The same operations in the same order (the golden-section search included): equal to
    rounding (window sums: numpy's order against ours, ~1e-16 relative)."""
    found = REFERENCE["cases"][case]
    y = series(found["y"])
    for key, arguments in REFERENCE["configs"].items():
        name, params = OURS[key.split("_")[0]](arguments)
        span = arguments.get("window_size", 0) * arguments.get("season_length", 1)
        if key not in found["forecasts"] or len(y) <= span:  # ours needs one in-sample error
            with pytest.raises(InputError, match="at least"):
                create(name, **params).fit(y)
            continue
        got = create(name, **params).fit(y).predict(REFERENCE["horizon"]).mean
        np.testing.assert_allclose(got, found["forecasts"][key], rtol=1e-12, err_msg=key)
    assert create("ses").fit(y).alpha_ == pytest.approx(found["alpha"], abs=1e-12)


def test_reference_file_says_where_it_comes_from() -> None:
    assert REFERENCE["source"] == "statsforecast 2.1.1"
    assert "make_window_reference.py" in REFERENCE["command"]


# --- point forecasts and intervals ----------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(2, 80), window=st.integers(1, 12),
       horizon=st.integers(1, 30))  # fmt: skip
def test_window_average_equals_the_slow_definition(
    seed: int, n: int, window: int, horizon: int
) -> None:
    y = random_series(seed, n)
    if n <= window:
        with pytest.raises(InputError, match=f"at least {window + 1} observations"):
            create("window-average", window=window).fit(series(y))
        return
    forecast = create("window-average", window=window).fit(series(y)).predict(horizon, LEVELS)
    mean, mse = slow_window(list(y), window, 1, horizon)
    assert_bands(forecast, np.array(mean), np.full(horizon, math.sqrt(mse)))
    assert forecast.mean[0] == pytest.approx(y[-window:].mean(), rel=1e-13)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(3, 80), period=st.integers(2, 12),
       window=st.integers(1, 4), horizon=st.integers(1, 30))  # fmt: skip
def test_seasonal_window_average_equals_the_slow_definition(
    seed: int, n: int, period: int, window: int, horizon: int
) -> None:
    y = random_series(seed, n)
    model = create("seasonal-window-average", period=period, window=window)
    if n <= window * period:  # (a period >= n among them)
        with pytest.raises(InputError, match=f"at least {window * period + 1} observations"):
            model.fit(series(y))
        return
    forecast = model.fit(series(y)).predict(horizon, LEVELS)
    mean, mse = slow_window(list(y), window, period, horizon)
    assert_bands(forecast, np.array(mean), np.full(horizon, math.sqrt(mse)))
    expected = y[-window * period :].reshape(window, period).mean(axis=0)  # statsforecast's
    np.testing.assert_allclose(forecast.mean[:period], expected[: min(period, horizon)],
                               rtol=1e-13)  # fmt: skip


def test_seasonal_window_average_finds_the_period_as_snaive_and_notes_when_none() -> None:
    y = random_series(3, 72)
    model = create("seasonal-window-average").fit(series(y))
    snaive = create("snaive").fit(series(y))
    assert model.lag_ == snaive.lag_ == 12
    assert model.summary().params == {"period": 12, "window": 2}
    flat = np.random.default_rng(0).normal(size=40)  # no period found (seed 1: 7)
    model = create("seasonal-window-average", window=3).fit(series(flat, "YS"))
    plain = create("window-average", window=3).fit(series(flat, "YS"))
    assert model.lag_ == 1 and model.summary().notes
    np.testing.assert_array_equal(model.predict(5, LEVELS).mean, plain.predict(5, LEVELS).mean)
    np.testing.assert_array_equal(
        model.predict(5, LEVELS).upper(95), plain.predict(5, LEVELS).upper(95)
    )


def test_a_detected_period_averages_the_seasons_the_data_hold_with_a_note() -> None:
    y = 100 + 10 * np.sin(2 * np.pi * np.arange(30) / 12) + random_series(4, 30) / 10
    model = create("seasonal-window-average", window=3).fit(series(y))  # needs 37 values
    assert (model.lag_, model.window_) == (12, 2)
    assert "hold 2 season(s) of period 12" in model.summary().notes[0]
    mean, mse = slow_window(list(y), 2, 12, 15)
    assert_bands(model.predict(15, LEVELS), np.array(mean), np.full(15, math.sqrt(mse)))
    with pytest.raises(InputError, match="at least 37 observations"):  # a given period: refused
        create("seasonal-window-average", period=12, window=3).fit(series(y))
    # the default window of 2 always fits a detected period (which needs 2 m + 1 values)
    assert create("seasonal-window-average").fit(series(y)).window_ == 2


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(2, 80), alpha=st.floats(0.001, 0.999),
       horizon=st.integers(1, 20))  # fmt: skip
def test_ses_at_a_given_alpha_equals_the_slow_definition(
    seed: int, n: int, alpha: float, horizon: int
) -> None:
    y = random_series(seed, n)
    forecast = create("ses", alpha=str(alpha)).fit(series(y)).predict(horizon, LEVELS)
    level, sse = slow_ses(list(y), alpha)
    h = np.arange(1, horizon + 1)
    se = np.sqrt(sse / (n - 1) * (1 + (h - 1) * alpha**2))  # ETS(A,N,N)
    assert_bands(forecast, np.full(horizon, level), se)


def best_alpha(y: np.ndarray) -> float:
    """The alpha in [0.01, 0.99] of least SSE: a grid of step 1e-4, then scipy's bounded
    Brent search between the grid points around the best one."""
    from scipy.optimize import minimize_scalar

    grid = np.linspace(0.01, 0.99, 9801)
    sse = [slow_ses(list(y), a)[1] for a in grid]
    best = int(np.argmin(sse))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
    found = minimize_scalar(lambda a: slow_ses(list(y), a)[1], bounds=(low, high),
                            method="bounded", options={"xatol": 1e-12})  # fmt: skip
    return float(found.x)


@pytest.mark.parametrize("seed", range(6))
def test_ses_auto_alpha_is_the_least_squares_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = 20 + rng.normal(size=60).cumsum() + rng.normal(scale=1 + seed, size=60)
    model = create("ses").fit(series(y))
    reference = best_alpha(y)
    assert 0.01 < reference < 0.99  # an interior optimum: alpha is then pinned to ~1e-6
    assert model.alpha_ == pytest.approx(reference, abs=1e-6)
    assert slow_ses(list(y), model.alpha_)[1] <= slow_ses(list(y), reference)[1] * (1 + 1e-12)
    assert model.summary().params == {"alpha": model.alpha_}


def test_ses_auto_alpha_stops_at_the_search_bounds() -> None:
    walk = np.random.default_rng(0).normal(size=80).cumsum() * 10  # alpha 1 would be best
    assert create("ses").fit(series(walk)).alpha_ == pytest.approx(0.99, abs=1e-9)
    noise = np.r_[np.zeros(40), 1.0, np.zeros(39)] + 100  # a lone spike: alpha 0 is best
    assert create("ses").fit(series(noise)).alpha_ == pytest.approx(0.01, abs=1e-9)


@pytest.mark.parametrize("raw", ["0", "1", "1.5", "-0.2", "nan", "fast"])
def test_ses_alpha_outside_the_open_interval_is_refused_before_the_data(raw: str) -> None:
    with pytest.raises(UsageError, match="alpha"):
        create("ses", alpha=raw)


def test_ses_alpha_auto_and_text_numbers_resolve() -> None:
    from forecast.models.registry import get_spec

    assert get_spec("ses").resolve({"alpha": "auto"}) == {"alpha": None}
    assert get_spec("ses").resolve({"alpha": "0.25"}) == {"alpha": 0.25}


# --- origins, updates, quantiles, paths, model files -----------------------------------------

CASES = [("window-average", {"window": 4}), ("seasonal-window-average", {"period": 12}),
         ("ses", {}), ("ses", {"alpha": "0.4"})]  # fmt: skip


@pytest.mark.parametrize(("name", "params"), CASES)
def test_forecasts_from_every_origin_equal_rebased_predictions(name: str, params: dict) -> None:
    y = series(random_series(7, 70))
    model = create(name, **params).fit(y.iloc[:50])
    origins = np.arange(model.lookback("MS") - 1, 70, 3)
    batch = model.forecast_from(y, origins, 14, LEVELS)
    for i, t in enumerate(origins):
        one = model.rebased(y.iloc[: t + 1]).predict(14, LEVELS)
        np.testing.assert_array_equal(batch.mean[i], one.mean)
        for level in LEVELS:
            np.testing.assert_array_equal(batch.bands[level][0][i], one.lower(level))
            np.testing.assert_array_equal(batch.bands[level][1][i], one.upper(level))
    with pytest.raises(UsageError, match="origins"):
        model.forecast_from(y, [origins[0] - 1] if origins[0] else [70], 3)


def test_ses_update_moves_the_level_at_the_fitted_alpha() -> None:
    y = random_series(11, 60)
    model = create("ses").fit(series(y[:45]))
    alpha, mse = model.alpha_, model.mse_
    model.update(series(y)[45:])
    level, _ = slow_ses(list(y), alpha)
    assert model.predict(1).mean[0] == pytest.approx(level, rel=1e-13)
    assert (model.alpha_, model.mse_) == (alpha, mse)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_quantiles_and_sample_paths_agree_with_the_bands(name: str, params: dict) -> None:
    model = create(name, **params).fit(series(random_series(5, 60)))
    forecast = model.predict(12, LEVELS)
    quantiles = forecast_quantiles(model, 12, (0.025, 0.1, 0.5, 0.9, 0.975))
    np.testing.assert_allclose(quantiles.quantile(0.025), forecast.lower(95), rtol=1e-12)
    np.testing.assert_allclose(quantiles.quantile(0.9), forecast.upper(80), rtol=1e-12)
    np.testing.assert_allclose(quantiles.quantile(0.5), forecast.mean, rtol=1e-12)
    paths = sample_paths(model, 12, 40_000, seed=3)
    se = (forecast.upper(95) - forecast.mean) / z(95)
    np.testing.assert_allclose(paths.mean(axis=0), forecast.mean, atol=4 * se.max() / 200)
    np.testing.assert_allclose(paths.std(axis=0), se, rtol=0.03)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_save_load_gives_identical_forecasts_and_updates(
    name: str, params: dict, tmp_path: Path
) -> None:
    y = series(random_series(9, 66))
    model = create(name, **params).fit(y.iloc[:60])
    loaded = load_model(save_model(tmp_path / "m.fcm", model, {"n": 60})).model
    assert loaded.summary().to_dict() == model.summary().to_dict()
    for m in (model, loaded):
        m.update(y.iloc[60:])
    before, after = model.predict(13, LEVELS), loaded.predict(13, LEVELS)
    np.testing.assert_array_equal(after.mean, before.mean)
    for level in LEVELS:
        np.testing.assert_array_equal(after.lower(level), before.lower(level))
        np.testing.assert_array_equal(after.upper(level), before.upper(level))


def test_the_model_file_refuses_a_forged_alpha(tmp_path: Path) -> None:
    model = Ses().fit(series(random_series(2, 30)))
    meta, arrays = model.get_state()
    meta["fitted"]["alpha"] = 1.5
    with pytest.raises(ValueError, match="not in"):
        Ses.from_state(meta, arrays)


@pytest.mark.parametrize(("window", "lag"), [(31, 1), (3, 11), (0, 1), (2, 0)])
def test_a_window_longer_than_the_values_is_refused_on_restore(
    window: int, lag: int, tmp_path: Path
) -> None:
    """The kernels index the values without bounds checks: a forged window or lag reaching
    before the first value is refused (a file, or a history too short to rebase on)."""
    model = create("seasonal-window-average", period=3).fit(series(random_series(2, 30)))
    path = save_model(tmp_path / "m.fcm", model, {"n": 30})
    meta, arrays = model.get_state()
    meta["fitted"] |= {"window": window, "lag": lag}
    with pytest.raises(ValueError, match="must be >= 1 and at most the 30 values"):
        type(model).from_state(meta, arrays)
    with pytest.raises(ValueError, match="at most the 5 values"):
        model.rebased(series(random_series(2, 5)))
    assert load_model(path).model.window_ == 2
    forge(path, _set("state", "fitted", "window", value=window))
    forge(path, _set("state", "fitted", "lag", value=lag))
    with pytest.raises(ModelFileError, match="is damaged"):
        load_model(path)


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_fit_ses_json_and_save_predict(cli, tmp_path: Path) -> None:
    data = SAMPLES / "airpassengers.csv"
    result = cli("fit", data, "-m", "ses", "-H", "3", "-f", "json", "--save", tmp_path / "m.fcm")
    assert result.code == 0, result.stderr
    out = json.loads(result.stdout)
    frame = pd.read_csv(data, parse_dates=["month"]).set_index("month")["passengers"]
    y = frame.to_numpy(float)
    alpha = out["model"]["parameters"]["alpha"]
    assert alpha == pytest.approx(best_alpha(y), abs=1e-6) or alpha == pytest.approx(0.99)
    level, sse = slow_ses(list(y), alpha)
    means = [row["mean"] for row in out["forecast"]]
    assert means == pytest.approx([level] * 3, rel=1e-12)
    se = math.sqrt(sse / (y.size - 1) * (1 + 2 * alpha**2))
    assert out["forecast"][2]["upper_95"] == pytest.approx(level + z(95) * se, rel=1e-12)
    assert "ETS(A,N,N)" in out["interval_method"]
    again = cli("predict", tmp_path / "m.fcm", "-H", "3", "-f", "json")
    assert again.code == 0, again.stderr
    assert [row["mean"] for row in json.loads(again.stdout)["forecast"]] == means
