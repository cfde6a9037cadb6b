"""Diebold-Mariano with the HLN correction, and the model confidence set."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from forecast.backtesting.compare import (
    DMResult,
    MCSResult,
    diebold_mariano,
    hln_factor,
    model_confidence_set,
)
from forecast.errors import InputError, UsageError

# --------------------------------------------------------------------------------------------
# Diebold-Mariano


def test_hln_factor_reference() -> None:
    # REFERENCE.md: Diebold-Mariano HLN factor for n=50, h=3 is 0.949947
    # sqrt((50 + 1 - 6 + 3 * 2 / 50) / 50) = sqrt(45.12 / 50) = sqrt(0.9024)
    assert hln_factor(50, 3) == pytest.approx(0.949947, abs=1e-6)
    assert hln_factor(10, 1) == pytest.approx(math.sqrt(9 / 10), rel=1e-15)
    with pytest.raises(InputError, match="more origins than about 2 x horizon"):
        hln_factor(3, 3)  # 3 + 1 - 6 + 6/3 = 0


def test_hand_computed_h2() -> None:
    # e1 = [2, 1, 3, 2, 4, 3], e2 = [1] * 6, absolute loss (p = 1), h = 2, n = 6:
    # d = [1, 0, 2, 1, 3, 2], mean 9/6 = 1.5, deviations [-.5, -1.5, .5, -.5, 1.5, .5]
    # g0 = (.25 + 2.25 + .25 + .25 + 2.25 + .25) / 6 = 5.5 / 6
    # g1 = (.75 - .75 - .25 - .75 + .75) / 6 = -.25 / 6
    # V = (g0 + 2 g1) / n = (5 / 6) / 6 = 5 / 36;  DM = 1.5 / sqrt(5/36) = 9 / sqrt(5)
    # HLN: sqrt((6 + 1 - 4 + 2/6) / 6) = sqrt(5/9) = sqrt(5) / 3;  DM* = 3 exactly
    result = diebold_mariano(np.array([2, 1, 3, 2, 4, 3.0]), np.ones(6), horizon=2, power=1)
    assert result.mean_difference == pytest.approx(1.5, rel=1e-15)
    assert result.variance == pytest.approx(5 / 36, rel=1e-14)
    assert result.statistic == pytest.approx(9 / math.sqrt(5), rel=1e-14)
    assert result.hln_statistic == pytest.approx(3.0, rel=1e-14)
    # two-sided p-value from Student t with n - 1 = 5 df: 2 * P(T > 3)
    assert result.p_value == pytest.approx(2 * stats.t.sf(3.0, 5), rel=1e-12)
    assert result.p_value == pytest.approx(0.0300992479, rel=1e-8)
    assert result.better == "second"  # d > 0: e2's model has the smaller loss
    assert not result.variance_fallback


def test_hand_computed_h1_and_negative_variance_fallback() -> None:
    # e1 = [1, -2, 3, -1, 2], e2 = [.5, 1, -1, 2, -.5], squared loss:
    # d = [1 - .25, 4 - 1, 9 - 1, 1 - 4, 4 - .25] = [.75, 3, 8, -3, 3.75], mean 12.5/5 = 2.5
    # deviations [-1.75, .5, 5.5, -5.5, 1.25]
    # g0 = (3.0625 + .25 + 30.25 + 30.25 + 1.5625) / 5 = 65.375 / 5 = 13.075
    # g1 = (-.875 + 2.75 - 30.25 - 6.875) / 5 = -35.25 / 5 = -7.05
    e1 = np.array([1, -2, 3, -1, 2.0])
    e2 = np.array([0.5, 1, -1, 2, -0.5])
    one = diebold_mariano(e1, e2, horizon=1)
    # h = 1: V = 13.075 / 5 = 2.615; DM = 2.5 / sqrt(2.615); HLN factor sqrt((5+1-2)/5)
    assert one.variance == pytest.approx(2.615, rel=1e-14)
    assert one.statistic == pytest.approx(2.5 / math.sqrt(2.615), rel=1e-14)
    assert one.hln_statistic == pytest.approx(2.5 / math.sqrt(2.615) * math.sqrt(0.8), rel=1e-14)
    assert one.p_value == pytest.approx(2 * stats.t.sf(one.hln_statistic, 4), rel=1e-12)
    assert one.better is None  # p about 0.24
    # h = 2: V = (13.075 - 14.1) / 5 = -0.205 <= 0; as R's dm.test, the test is done for h=1
    two = diebold_mariano(e1, e2, horizon=2)
    assert two.variance_fallback
    assert (two.statistic, two.hln_statistic, two.p_value) == (
        one.statistic,
        one.hln_statistic,
        one.p_value,
    )
    assert two.horizon == 2


def slow_dm(e1, e2, h: int, power: int, alternative: str) -> tuple[float, float, float]:
    """DM, HLN statistic and p-value written out with loops (no fallback needed here)."""
    n = len(e1)
    d = [abs(a) ** power - abs(b) ** power for a, b in zip(e1, e2, strict=True)]
    mean = sum(d) / n
    gammas = []
    for k in range(h):
        gammas.append(sum((d[t] - mean) * (d[t - k] - mean) for t in range(k, n)) / n)
    v = (gammas[0] + 2 * sum(gammas[1:])) / n
    dm = mean / math.sqrt(v)
    hln = dm * math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    if alternative == "two-sided":
        p = 2 * stats.t.sf(abs(hln), n - 1)
    elif alternative == "less":
        p = stats.t.cdf(hln, n - 1)
    else:
        p = stats.t.sf(hln, n - 1)
    return dm, hln, p


@pytest.mark.parametrize("horizon", [1, 2, 5])
@pytest.mark.parametrize("power", [1, 2])
@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_against_slow_implementation(horizon: int, power: int, alternative: str) -> None:
    rng = np.random.default_rng(horizon * 10 + power)
    n = 120
    # h-step errors are MA(h-1): overlapping sums of shocks
    shocks = rng.standard_normal((2, n + horizon - 1))
    e1 = np.convolve(shocks[0], np.ones(horizon), mode="valid")
    e2 = 1.1 * np.convolve(shocks[1], np.ones(horizon), mode="valid")
    result = diebold_mariano(e1, e2, horizon, power, alternative)
    dm, hln, p = slow_dm(e1, e2, horizon, power, alternative)
    assert not result.variance_fallback
    assert result.statistic == pytest.approx(dm, rel=1e-10)
    assert result.hln_statistic == pytest.approx(hln, rel=1e-10)
    assert result.p_value == pytest.approx(p, rel=1e-9, abs=1e-15)
    assert (result.n, result.horizon, result.power, result.alternative) == (
        n,
        horizon,
        power,
        alternative,
    )


def test_identical_models_no_difference() -> None:
    e = np.random.default_rng(0).standard_normal(80)
    result = diebold_mariano(e, e.copy(), horizon=3)
    assert (result.statistic, result.hln_statistic, result.p_value) == (0.0, 0.0, 1.0)
    assert result.better is None and not result.variance_fallback


def test_equally_accurate_models_reject_at_nominal_rate() -> None:
    # two models with the same error distribution: the HLN test should reject about 5% of
    # the time. 400 fixed-seed samples: sd sqrt(.05 * .95 / 400) = 0.011; 3.5 sd either way.
    rng = np.random.default_rng(2026)
    rejections = 0
    for _ in range(400):
        e1, e2 = rng.standard_normal((2, 60))
        result = diebold_mariano(e1, e2, horizon=1)
        rejections += result.p_value < 0.05
        assert (result.better is not None) == (result.p_value < 0.05)
    assert 0.012 <= rejections / 400 <= 0.088


def test_clearly_better_model_is_found() -> None:
    rng = np.random.default_rng(1)
    good = rng.standard_normal(300)
    bad = 1.5 * rng.standard_normal(300)
    first = diebold_mariano(good, bad, horizon=1)
    assert first.better == "first" and first.p_value < 1e-4 and first.mean_difference < 0
    second = diebold_mariano(bad, good, horizon=1, power=1)
    assert second.better == "second" and second.p_value < 1e-4
    # one-sided: "less" says e1 is more accurate
    assert diebold_mariano(good, bad, 1, alternative="less").p_value < 1e-4
    greater = diebold_mariano(good, bad, 1, alternative="greater")
    assert greater.p_value > 0.999 and greater.better is None


def test_constant_loss_difference() -> None:
    # e2 is worse by exactly 1 in absolute error at every origin: g0 = 0, DM = -inf
    result = diebold_mariano(np.full(40, 0.5), np.full(40, -1.5), horizon=2, power=1)
    assert result.statistic == -math.inf and result.p_value == 0.0 and result.better == "first"
    assert not result.variance_fallback
    # the same up to rounding (|e1 + 1| - |e1| is 1 within 1e-16): a huge statistic
    e1 = np.random.default_rng(3).uniform(0.1, 1, 40)
    result = diebold_mariano(e1, e1 + 1.0, horizon=2, power=1)
    assert result.statistic < -1e12 and result.p_value == 0.0 and result.better == "first"


def test_dm_to_dict() -> None:
    result = diebold_mariano(np.array([2, 1, 3, 2, 4, 3.0]), np.ones(6), horizon=2, power=1)
    assert isinstance(result, DMResult)
    data = result.to_dict()
    assert data["hln_statistic"] == pytest.approx(3.0)
    assert set(data) == {
        "statistic",
        "hln_statistic",
        "p_value",
        "n",
        "horizon",
        "power",
        "alternative",
        "mean_difference",
        "variance",
        "variance_fallback",
        "significance",
        "better",
    }


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"power": 3}, UsageError, "power must be 1"),
        ({"horizon": 0}, UsageError, "horizon must be an integer >= 1"),
        ({"alternative": "two.sided"}, UsageError, "alternative must be one of"),
        ({"significance": 5}, UsageError, "significance must be strictly between 0 and 1"),
        ({"e2": np.ones(9)}, InputError, "aligned on the same origins: 10 and 9"),
        ({"horizon": 10}, InputError, "more origins than the horizon"),
        ({"e1": np.r_[np.ones(9), np.nan]}, InputError, "e1 must be finite; position 9"),
    ],
)
def test_dm_validation(kwargs: dict, error: type, message: str) -> None:
    args = {"e1": np.arange(10.0), "e2": np.ones(10), "horizon": 1} | kwargs
    with pytest.raises(error, match=message):
        diebold_mariano(**args)


# --------------------------------------------------------------------------------------------
# model confidence set


def synthetic_losses(n: int = 400, seed: int = 0) -> dict[str, np.ndarray]:
    """Two equally good models, one clearly worse, with serially dependent losses."""
    rng = np.random.default_rng(seed)
    common = np.convolve(rng.standard_normal(n + 4), np.ones(5) / 5, mode="valid")  # shared
    a = (common + 0.5 * rng.standard_normal(n)) ** 2
    b = (common + 0.5 * rng.standard_normal(n)) ** 2
    worse = (common + 1.2 * rng.standard_normal(n)) ** 2
    return {"a": a, "b": b, "worse": worse}


@pytest.mark.parametrize("statistic", ["R", "max"])
@pytest.mark.parametrize("method", ["stationary", "circular", "moving"])
def test_mcs_excludes_the_worse_model(statistic: str, method: str) -> None:
    result = model_confidence_set(
        synthetic_losses(),
        size=0.1,
        reps=500,
        block_size=5,
        method=method,
        statistic=statistic,
        seed=4,
    )
    assert result.included == ["a", "b"]
    assert result.excluded == ["worse"]
    assert result.pvalues["worse"] <= 0.1 < min(result.pvalues["a"], result.pvalues["b"])
    assert max(result.pvalues.values()) == 1.0  # the last model standing
    assert (result.size, result.reps, result.block_size, result.method, result.statistic) == (
        0.1,
        500,
        5,
        method,
        statistic,
    )


def test_mcs_equals_arch_and_is_deterministic() -> None:
    import pandas as pd
    from arch.bootstrap import MCS

    losses = synthetic_losses(seed=1)
    result = model_confidence_set(losses, size=0.1, reps=300, block_size=4, seed=9)
    arch = MCS(pd.DataFrame(losses), size=0.1, reps=300, block_size=4, seed=9)
    arch.compute()
    assert result.pvalues == {k: float(v) for k, v in arch.pvalues["Pvalue"].items()}
    assert result.included == sorted(arch.included)
    assert model_confidence_set(losses, size=0.1, reps=300, block_size=4, seed=9) == result
    with_generator = model_confidence_set(
        losses, size=0.1, reps=300, block_size=4, seed=np.random.default_rng(9)
    )
    assert with_generator == result


def test_mcs_identical_models_share_a_pvalue() -> None:
    # arch's MCS divides 0 by 0 on two identical loss columns (the "R" rule then fails with an
    # IndexError and the "max" rule never ends); they are compared as one model here
    losses = synthetic_losses(seed=2)
    losses["a_again"] = losses["a"].copy()
    for statistic in ("R", "max"):
        result = model_confidence_set(losses, reps=300, block_size=5, statistic=statistic, seed=1)
        assert result.identical == [["a", "a_again"]]
        assert result.pvalues["a_again"] == result.pvalues["a"]
        assert result.included == ["a", "b", "a_again"]
        assert result.excluded == ["worse"]
    same = model_confidence_set({"x": np.ones(20), "y": np.ones(20)}, seed=0, block_size=2)
    assert same.included == ["x", "y"] and same.pvalues == {"x": 1.0, "y": 1.0}


def test_mcs_auto_block_and_dict() -> None:
    from forecast.backtesting.resample import block_size_for

    losses = synthetic_losses(seed=3)
    result = model_confidence_set(losses, reps=200, seed=0)
    matrix = np.column_stack(list(losses.values()))
    differences = matrix - matrix.mean(axis=1, keepdims=True)
    expected = max(block_size_for(differences[:, i], "stationary") for i in range(3))
    assert result.block_size == max(1, math.floor(expected + 0.5))
    assert isinstance(result, MCSResult)
    data = result.to_dict()
    assert data["included"] == result.included and data["n"] == 400
    assert data["mean_losses"]["worse"] > data["mean_losses"]["a"]


@pytest.mark.parametrize(
    ("losses", "kwargs", "error", "message"),
    [
        ({"a": np.ones(10)}, {}, InputError, "two or more model names"),
        ({"a": np.ones(10), "b": np.ones(9)}, {}, InputError, "lengths differ: \\[9, 10\\]"),
        ({"a": np.r_[np.ones(9), np.nan], "b": np.ones(10)}, {}, InputError, "losses of 'a'"),
        ({"a": np.ones(10), "b": np.ones(10)}, {"size": 1.5}, UsageError, "size must be"),
        ({"a": np.ones(10), "b": np.ones(10)}, {"block_size": 2.5}, UsageError, "an integer"),
        ({"a": np.ones(10), "b": np.ones(10)}, {"block_size": 11}, UsageError, "between 1 and"),
        ({"a": np.ones(10), "b": np.ones(10)}, {"method": "iid"}, UsageError, "method must"),
        ({"a": np.ones(10), "b": np.ones(10)}, {"statistic": "T"}, UsageError, "statistic"),
        ({"a": np.ones(8), "b": np.zeros(8)}, {}, InputError, "needs at least 9 origins, got 8"),
    ],
)
def test_mcs_validation(losses: dict, kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        model_confidence_set(losses, seed=0, **kwargs)
