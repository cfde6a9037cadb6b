"""croston, tsb, adida, imapa: against statsforecast, a slow loop version of each definition,
and their invariants (non-negative, finite), minimum length and model files.

The statsforecast values are in intermittent_reference.json, written by
make_intermittent_reference.py in statsforecast's own virtualenv (the command is in the file).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.errors import InputError, ModelFileError
from forecast.io.modelfile import load_model, save_model
from forecast.models.registry import REGISTRY, create

from ..conftest import SAMPLES
from ..io.test_forged_models import _array, _set, forge

REFERENCE = json.loads((Path(__file__).parent / "intermittent_reference.json").read_text())
CASES = REFERENCE["cases"]

# fixture key -> (model, parameters)
CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "croston_classic": ("croston", {}),
    "croston_sba": ("croston", {"variant": "sba"}),
    "croston_optimized": ("croston", {"variant": "optimized"}),
    "adida": ("adida", {}),
    "imapa": ("imapa", {}),
    **{
        f"tsb_{a}_{b}": ("tsb", {"alpha_d": a, "alpha_p": b}) for a, b in REFERENCE["tsb_constants"]
    },
}
NAMES = ("croston", "tsb", "adida", "imapa")


def as_series(values: Any, start: str = "2021-01-04", freq: str = "W-MON") -> pd.Series:
    values = np.asarray(values, dtype="float64")
    return pd.Series(values, index=pd.date_range(start, periods=values.size, freq=freq))


def fit(key: str, values: Any) -> Any:
    name, params = CONFIGS[key]
    return create(name, params).fit(as_series(values))


# --- (a) statsforecast 2.1.1 ------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("key", sorted(CONFIGS))
def test_forecasts_equal_statsforecast(case: str, key: str) -> None:
    """Error analysis for the tolerance: the forecasts are a few arithmetic operations on the
    data (equal bit for bit on whole numbers, as most cases are), except that the bucket sums
    are differences of a cumulative sum (about 1e-16 x the series' total apart from direct
    sums) and the golden-section search compares sums of squares that, within 1e-8 of their
    minimum, differ only by rounding: the smoothing constant may end up to ~1e-8 away, which
    moves a forecast by at most its largest bucket sum x 1e-8 (< 1e-6 on these series; the
    largest difference seen is 1.2e-9)."""
    expected = np.asarray(CASES[case]["forecasts"][key])
    got = fit(key, CASES[case]["y"]).predict(expected.size).mean
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_reference_file_says_where_it_comes_from() -> None:
    assert REFERENCE["source"] == "statsforecast 2.1.1"
    assert "make_intermittent_reference.py" in REFERENCE["command"]
    assert {"no_demand", "single_demand_end", "interval_2_5", "equal_sizes"} <= set(CASES)


# --- (b) slow, obvious versions of the published definitions ----------------------------------


def slow_ses(values: list[float], alpha: float) -> float:
    """The level after every value, started at the first (the SES forecast)."""
    level = values[0]
    for value in values:
        level = alpha * value + (1 - alpha) * level
    return level


def slow_sse(values: list[float], alpha: float) -> float:
    """Squared errors of each value against the SES forecast from the values before it."""
    return sum((values[i] - slow_ses(values[:i], alpha)) ** 2 for i in range(1, len(values)))


def slow_search(values: list[float], low: float = 0.1, high: float = 0.3) -> float:
    """Golden-section search of slow_sse over [low, high] down to 1e-12; a tie between the two
    inner points ends it at the middle (the rule statsforecast follows)."""
    ratio = (math.sqrt(5.0) + 1.0) / 2.0
    inner = [high - (high - low) / ratio, low + (high - low) / ratio]
    sse = [slow_sse(values, a) for a in inner]
    while abs(high - low) >= 1e-12 and sse[0] != sse[1]:
        if sse[0] < sse[1]:
            high = inner[1]
            inner = [high - (high - low) / ratio, inner[0]]
            sse = [slow_sse(values, inner[0]), sse[0]]
        else:
            low = inner[0]
            inner = [inner[1], low + (high - low) / ratio]
            sse = [sse[1], slow_sse(values, inner[1])]
    return (high + low) / 2.0


def sizes_and_intervals(y: list[float]) -> tuple[list[float], list[float]]:
    sizes, intervals, since = [], [], 0
    for value in y:
        since += 1
        if value > 0:
            sizes.append(value)
            intervals.append(float(since))
            since = 0
    return sizes, intervals


def slow_level(y: list[float]) -> int:
    """The mean inter-demand interval, rounded half to even (1 without demand)."""
    _, intervals = sizes_and_intervals(y)
    return max(round(sum(intervals) / len(intervals)), 1) if intervals else 1


def slow_buckets(y: list[float], k: int) -> list[float]:
    return [sum(y[i : i + k]) for i in range(len(y) % k, len(y), k)]


def slow_croston(y: list[float], alpha_d: float, alpha_p: float, factor: float) -> float:
    sizes, intervals = sizes_and_intervals(y)
    if not sizes:
        return 0.0
    return factor * slow_ses(sizes, alpha_d) / slow_ses(intervals, alpha_p)


def slow_tsb(y: list[float], alpha_d: float, alpha_p: float) -> float:
    sizes, _ = sizes_and_intervals(y)
    if not sizes:
        return 0.0
    return slow_ses([1.0 if v else 0.0 for v in y], alpha_p) * slow_ses(sizes, alpha_d)


def slow_adida(y: list[float], k: int, alpha: float) -> float:
    if len(y) < k:  # no whole bucket: the prefix's mean
        return sum(y) / len(y)
    return slow_ses(slow_buckets(y, k), alpha) / k


def slow_imapa(y: list[float], alphas: list[float]) -> float:
    return sum(slow_adida(y, k + 1, a) for k, a in enumerate(alphas)) / len(alphas)


def slow_parameters(key: str, y: list[float]) -> tuple[Any, ...]:
    """What the definition estimates on the training values ``y``."""
    if key in ("croston_classic", "croston_sba"):
        return (0.1, 0.1, 0.95 if key == "croston_sba" else 1.0)
    if key == "croston_optimized":
        sizes, intervals = sizes_and_intervals(y)
        return (slow_search(sizes), slow_search(intervals), 1.0)
    if key == "adida":
        k = slow_level(y)
        return (k, slow_search(slow_buckets(y, k)))
    if key == "imapa":
        return ([slow_search(slow_buckets(y, k)) for k in range(1, slow_level(y) + 1)],)
    return tuple(CONFIGS[key][1].values())  # tsb: the given constants


def slow_forecast(key: str, y: list[float], parameters: tuple[Any, ...]) -> float:
    function = {"croston": slow_croston, "tsb": slow_tsb, "adida": slow_adida}
    return function.get(key.split("_")[0], slow_imapa)(y, *parameters)  # type: ignore[operator]


SLOW_CASES = sorted(c for c in CASES if len(CASES[c]["y"]) <= 120)  # O(n^2) sums of squares


@pytest.mark.parametrize("case", SLOW_CASES)
@pytest.mark.parametrize("key", sorted(CONFIGS))
def test_fit_equals_the_slow_definition(case: str, key: str) -> None:
    """Same operations in the same order except the bucket sums (Python's sum against
    differences of a cumulative sum), which can move a searched smoothing constant by ~1e-8
    where the sum of squares is flat: the tolerance of the statsforecast test above."""
    y = CASES[case]["y"]
    expected = slow_forecast(key, y, slow_parameters(key, y))
    got = fit(key, y).predict(2).mean
    np.testing.assert_allclose(got, [expected, expected], rtol=1e-6, atol=1e-6)


def fitted_parameters(key: str, model: Any) -> tuple[Any, ...]:
    """The parameters a fitted model holds, in slow_forecast's order."""
    if key.startswith("croston"):
        return (model.alpha_d_, model.alpha_p_, 0.95 if key == "croston_sba" else 1.0)
    if key == "adida":
        return (model.level_, model.alpha_)
    if key == "imapa":
        return (list(model.alphas_),)
    return (model.alpha_d, model.alpha_p)


@pytest.mark.parametrize("case", ["poisson_p0.3_n120", "gamma_p0.4_n80", "interval_3_5"])
@pytest.mark.parametrize("key", sorted(CONFIGS))
def test_forecasts_from_every_origin_equal_the_slow_definition(case: str, key: str) -> None:
    """forecast_from: the state rebuilt from each prefix at the parameters fitted on the first
    60 % (buckets ending at each origin: every residue of the aggregation level). At the same
    parameters only the bucket sums differ (about 1e-16 x the series' total): 1e-9."""
    y = CASES[case]["y"]
    cut = max(int(len(y) * 0.6), 2)
    model = fit(key, y[:cut])
    parameters = fitted_parameters(key, model)
    batch = model.forecast_from(as_series(y), np.arange(len(y)), 2)
    expected = [slow_forecast(key, y[: t + 1], parameters) for t in range(len(y))]
    np.testing.assert_allclose(batch.mean[:, 0], expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(batch.mean[:, 1], batch.mean[:, 0])  # flat


@pytest.mark.parametrize("key", ["croston_optimized", "tsb_0.3_0.05", "imapa"])
def test_intervals_equal_a_slow_split_conformal(key: str) -> None:
    """A fresh model fitted on the first n - c values forecasts from each of the c origins
    after that; the level-L half-width at lead k is the ceil((m + 1) L)-th smallest of the m
    absolute errors at k; the lower bound is clipped at 0."""
    y = CASES["poisson_p0.3_n120"]["y"]
    n, horizon, levels = len(y), 4, (80.0, 95.0)
    c = max(horizon + math.ceil(95 / 5) - 1, n // 4)
    parameters = slow_parameters(key, y[: n - c])
    rates = {t: slow_forecast(key, y[: t + 1], parameters) for t in range(n - c - 1, n - 1)}
    forecast = fit(key, y).predict(horizon, levels)
    mean = slow_forecast(key, y, slow_parameters(key, y))
    for level in levels:
        for k in range(1, horizon + 1):
            errors = sorted(abs(y[t + k] - f) for t, f in rates.items() if t + k < n)
            width = errors[math.ceil((len(errors) + 1) * level / 100) - 1]
            low, high = forecast.lower(level)[k - 1], forecast.upper(level)[k - 1]
            assert low == pytest.approx(max(mean - width, 0.0), abs=1e-9)
            assert high == pytest.approx(mean + width, abs=1e-9)
    assert "clipped at 0" in forecast.interval_method


@pytest.mark.parametrize("key", ["croston_optimized", "tsb_0.1_0.1", "adida", "imapa"])
def test_calibration_equals_the_generic_conformal_calibration(key: str) -> None:
    """The models calibrate without building a pandas index: the same errors as
    forecast.models.conformal.calibrate (a fresh model fitted, forecast_from at its
    parameters), bit for bit."""
    from forecast.models.conformal import calibrate

    y = as_series(CASES["negbin_p0.1_n200"]["y"])
    model = fit(key, y)
    name, params = CONFIGS[key]
    generic = calibrate(lambda: create(name, params), y, 6, (80.0, 95.0))
    own = model.calibration(6, (80.0, 95.0))
    assert own.fit_size == generic.fit_size
    np.testing.assert_array_equal(own.errors, generic.errors)


# --- (c) invariants -------------------------------------------------------------------------

SIZES = st.one_of(
    st.integers(1, 60).map(float),
    st.floats(1e-6, 1e6, allow_nan=False, allow_infinity=False),
)


@st.composite
def demand_series(draw: st.DrawFn) -> list[float]:
    """Non-negative series: mostly zeros, a single demand (anywhere, or at the end), long runs
    of zeros between bursts, or any values at all."""
    n = draw(st.integers(2, 150))
    kind = draw(st.sampled_from(["sparse", "one", "end", "runs", "any"]))
    y = [0.0] * n
    if kind == "one":
        y[draw(st.integers(0, n - 1))] = draw(SIZES)
    elif kind == "end":
        y[-1] = draw(SIZES)
    elif kind == "runs":
        for start in draw(st.lists(st.integers(0, n - 1), max_size=4)):
            for i in range(start, min(start + draw(st.integers(1, 3)), n)):
                y[i] = draw(SIZES)
    else:
        share = 0.15 if kind == "sparse" else 0.8
        for i in range(n):
            if draw(st.floats(0, 1)) < share:
                y[i] = draw(SIZES)
    return y


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(y=demand_series())
def test_forecasts_and_bounds_are_finite_and_never_negative(y: list[float]) -> None:
    horizon = 3
    levels = (80.0, 95.0) if len(y) >= max(horizon + 18, len(y) // 4) + 2 else ()
    for key in ("croston_classic", "croston_sba", "croston_optimized", "tsb_0.5_0.2"):
        _check_non_negative(fit(key, y), y, horizon, levels)
    for key in ("adida", "imapa"):
        _check_non_negative(fit(key, y), y, horizon, levels)


def _check_non_negative(model: Any, y: list[float], horizon: int, levels: tuple) -> None:
    forecast = model.predict(horizon, levels)
    arrays = [forecast.mean] + [b for level in levels for b in forecast.bands[level]]
    for array in arrays:
        assert np.isfinite(array).all() and (array >= 0).all(), (model.name, y)
    if levels:
        assert (forecast.lower(95) <= forecast.mean).all()
        assert (forecast.mean <= forecast.upper(80)).all()
    batch = model.forecast_from(as_series(y), np.arange(len(y)), 1)
    assert np.isfinite(batch.mean).all() and (batch.mean >= 0).all()


def test_no_demand_forecasts_zero_and_a_late_demand_moves_only_tsb_down() -> None:
    for key in CONFIGS:
        assert fit(key, [0.0] * 30).predict(2).mean.tolist() == [0.0, 0.0], key
    # after the last demand, tsb's probability decays with each zero; Croston's rate stays
    sparse = [0.0, 4.0, 0.0, 0.0, 3.0] + [0.0] * 10
    rates = fit("tsb_0.3_0.05", sparse).forecast_from(as_series(sparse), [4, 9, 14], 1).mean
    assert rates[0, 0] > rates[1, 0] > rates[2, 0] > 0
    rates = fit("croston_classic", sparse).forecast_from(as_series(sparse), [4, 9, 14], 1).mean
    assert rates[0, 0] == rates[1, 0] == rates[2, 0]


def test_negative_values_are_refused() -> None:
    for name in NAMES:
        with pytest.raises(InputError, match=r"need values >= 0; value 3 is -1"):
            create(name).fit(as_series([0.0, 2.0, -1.0, 0.0]))
        model = create(name).fit(as_series([0.0, 2.0, 1.0, 0.0]))
        later = as_series([1.0, -2.0], start="2021-02-01")
        with pytest.raises(InputError, match=r"update\): .* value 2 is -2"):
            model.update(later)
        assert model.y_.size == 4  # refused before anything moved
        with pytest.raises(InputError, match="forecast_from"):
            model.forecast_from(as_series([0.0, -2.0, 1.0]), [2], 1)


# --- (d) minimum length ---------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_fits_at_the_minimum_length_and_refuses_one_fewer(name: str) -> None:
    spec = REGISTRY[name]
    assert spec.family == "intermittent"
    shortest = spec.factory().min_obs
    assert shortest == 2
    model = create(name).fit(as_series([0.0, 3.0]))
    assert model.predict(2).mean.tolist() == pytest.approx([fit_value(name), fit_value(name)])
    with pytest.raises(InputError, match=f"{name} needs at least 2 observations to fit, got 1"):
        create(name).fit(as_series([3.0]))


def fit_value(name: str) -> float:
    """[0, 3]: one demand of 3 after an interval of 2 (croston 3 / 2); tsb's probability 0
    then 0.1 x 1, times 3; adida's level 2 is one bucket of 3, / 2; imapa adds level 1, SES of
    [0, 3] with the searched constant 0.2 (a flat sum of squares, 9: the middle) = 0.6."""
    return {"croston": 1.5, "tsb": 0.1 * 3, "adida": 1.5, "imapa": (0.2 * 3 + 1.5) / 2}[name]


def test_intervals_need_enough_data_for_the_level_and_say_what_to_change() -> None:
    model = create("croston").fit(as_series([0.0, 3.0, 0.0, 1.0] * 5))  # 20 values
    with pytest.raises(InputError, match=r"95% for 3 steps ahead they need 23 .* got 20; lower"):
        model.predict(3, [95])
    assert np.isfinite(model.predict(3, [50]).lower(50)).all()  # c = max(3, 5): 5 origins


# --- (e) model files --------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(CONFIGS))
def test_save_load_gives_identical_forecasts(key: str, tmp_path: Path) -> None:
    y = CASES["negbin_p0.2_n52"]["y"]
    model = fit(key, y)
    path = save_model(tmp_path / "m.fcm", model, {"n": len(y)})
    loaded = load_model(path).model
    before, after = model.predict(5, [80, 95]), loaded.predict(5, [80, 95])
    np.testing.assert_array_equal(after.mean, before.mean)
    for level in (80, 95):
        np.testing.assert_array_equal(after.lower(level), before.lower(level))
        np.testing.assert_array_equal(after.upper(level), before.upper(level))
    assert loaded.summary().to_dict() == model.summary().to_dict()
    new = as_series([0.0, 4.0, 0.0], start=str(model.end_ + pd.Timedelta(weeks=1)))
    model.update(new)
    loaded.update(new)
    np.testing.assert_array_equal(
        loaded.predict(3, [80]).upper(80), model.predict(3, [80]).upper(80)
    )


def test_imapa_summary_lists_twelve_levels_and_the_file_keeps_them_all(tmp_path: Path) -> None:
    y = [0.0] * 39 + [2.0] + [0.0] * 40 + [5.0]  # mean interval (80 + 1) / 2 = 40.5 -> 40
    model = fit("imapa", y)
    assert model.alphas_.size == 40 and len(model.summary().coefficients) == 12
    assert "levels 1..40, averaged; the smoothing of levels 1..12 shown" in (
        model.summary().description
    )
    loaded = load_model(save_model(tmp_path / "m.fcm", model, {})).model
    np.testing.assert_array_equal(loaded.alphas_, model.alphas_)


FORGED = {
    "negative-y": ("croston", {}, _array("y", np.array([0.0, -1.0] * 20)), "negative value"),
    "classic-alpha": (
        "croston",
        {},
        _set("state", "fitted", "alpha_d", value=0.5),
        "alpha_d 0.5 is not between 0.1 and 0.1",
    ),
    "optimized-alpha": (
        "croston",
        {"variant": "optimized"},
        _set("state", "fitted", "alpha_p", value=0.05),
        "alpha_p 0.05 is not between 0.1 and 0.3",
    ),
    "adida-level": (
        "adida",
        {},
        _set("state", "fitted", "aggregation_level", value=41),
        "aggregation_level 41 is not between 1 and 40",
    ),
    "adida-alpha-text": ("adida", {}, _set("state", "fitted", "alpha", value="x"), "alpha 'x'"),
    "imapa-alphas-empty": ("imapa", {}, _array("alphas", np.zeros(0)), "array 'alphas'"),
    "imapa-alphas-range": ("imapa", {}, _array("alphas", np.full(3, 0.9)), "array 'alphas'"),
    "tsb-alpha": ("tsb", {}, _set("state", "params", "alpha_p", value=1.5), "alpha_p=1.5"),
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_forged_state_is_refused_on_load(case: str, tmp_path: Path) -> None:
    name, params, change, fragment = FORGED[case]
    model = create(name, params).fit(as_series([0.0, 0.0, 3.0, 0.0, 1.0] * 8))
    path = save_model(tmp_path / "m.fcm", model, {})
    forge(path, change)
    with pytest.raises(ModelFileError, match="is damaged") as caught:
        load_model(path)
    assert fragment in str(caught.value)


# --- through the CLI: fit, save, predict and backtest a panel ---------------------------------


def test_summary_says_the_intervals_are_conformal_and_clipped_without_a_warning(
    cli, tmp_path: Path
) -> None:
    summary = fit("adida", CASES["poisson_p0.3_n120"]["y"]).summary().to_dict()
    assert "split conformal (the model has no likelihood)" in summary["intervals"]
    assert "clipped at 0" in summary["intervals"] and summary["notes"] == []
    rows = pd.read_csv(SAMPLES / "intermittent.csv")
    one = tmp_path / "one.csv"
    rows[rows["part"] == "part_3"][["week", "demand"]].to_csv(one, index=False)
    result = cli("fit", one, "-m", "croston", "-p", "variant=optimized", "-H", "2", "-f", "json")
    assert result.code == 0 and "warning" not in result.stderr, result.stderr
    document = json.loads(result.stdout)
    assert "clipped at 0" in document["model"]["intervals"]
    assert "clipped at 0" in document["interval_method"]


def test_panel_fit_save_predict_and_backtest(cli, tmp_path: Path) -> None:
    data, saved = SAMPLES / "intermittent.csv", tmp_path / "parts.fcm"
    fitted = cli("fit", data, "-m", "imapa", "-H", "3", "-f", "csv", "--save", saved, "-q")
    assert fitted.code == 0, fitted.stderr
    predicted = cli("predict", saved, "-H", "3", "-f", "csv")
    assert predicted.code == 0 and predicted.stdout == fitted.stdout
    rows = pd.read_csv(pd.io.common.StringIO(fitted.stdout))
    assert (
        rows["id"].nunique() == 6
        and (rows.drop(columns=["id", "model", "timestamp"]) >= 0).all().all()
    )
    backtest = cli(
        "backtest", data, "-m", "croston", "-m", "tsb", "-m", "adida", "-m", "imapa",
        "-H", "4", "--step", "8", "-f", "json", "--ids", "part_1,part_2",
    )  # fmt: skip
    assert backtest.code == 0, backtest.stderr
    listing = json.loads(cli("models", "-f", "json").stdout)["models"]
    for entry in listing:
        if entry["name"] in NAMES:
            assert entry["family"] == "intermittent" and "split-conformal" in entry["summary"]
