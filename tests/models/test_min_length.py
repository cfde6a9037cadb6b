"""Issue #24 item 9: the minimum length a refusal states is one the model fits at.

Before, snaive, ets, mstl, sparse-ar and sarima refused a series of exactly the length their own
refusal had named (a season without a period, no admissible ETS form, fewer than 54 values for
the default lasso, no seasonal period detected). Every registered model is fitted here at
exactly ``min_length(freq)`` and at one fewer, at frequencies with a calendar period: it fits
at the one and refuses the other with the line that states that very number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.models.registry import REGISTRY, create

from ..conftest import SAMPLES, write_csv

AIR = pd.read_csv(SAMPLES / "airpassengers.csv").iloc[:, 1].to_numpy(dtype="float64")
FAST = {"neural": {"epochs": 1, "device": "cpu"}}  # one epoch: length, not accuracy, is tested
FREQS = ("MS", "D", "h")  # calendar periods 12, 7 and 24


def _cases() -> list[tuple[str, str]]:
    """Each model at every frequency whose calendar period changes its minimum (snaive, ets,
    mstl, sarima), else at one: the fits cost seconds each (auto-arima, ensemble, networks)."""
    cases = []
    for name in sorted(REGISTRY):
        model = create(name, FAST.get(REGISTRY[name].family, {}))
        minima = {freq: model.min_length(freq) for freq in FREQS}
        cases += [(name, f) for f in FREQS] if len(set(minima.values())) > 1 else [(name, "MS")]
    return cases


CASES = _cases()


def series(n: int, freq: str) -> pd.Series:
    values = np.tile(AIR, n // AIR.size + 1)[:n]  # AirPassengers, repeated for long minima
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=n, freq=freq))


@pytest.mark.parametrize(("name", "freq"), CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_a_model_fits_at_the_minimum_it_states(name: str, freq: str) -> None:
    params = FAST.get(REGISTRY[name].family, {})
    need = create(name, params).min_length(freq)
    create(name, params).fit(series(need, freq))
    with pytest.raises(InputError) as refused:
        create(name, params).fit(series(need - 1, freq))
    assert refused.value.message == (
        f"{name} needs at least {need} observations to fit, got {need - 1}"
    )


@pytest.mark.parametrize(
    ("name", "freq", "need"),
    [
        ("snaive", "MS", 4),  # naive without a testable season (issue 27's period rule; was 13)
        ("snaive", "D", 4),
        ("ets", "MS", 7),  # ETS(A,N,N): 3 parameters and 4 more (was 6)
        ("mstl", "MS", 8),  # without two cycles its remainder model alone (issue 27; was 25)
        ("sarima", "MS", 27),  # (0,1,1)(0,1,1)[12]: 26 lags and one more (was 8)
        ("sparse-ar", "MS", 54),  # max_lag 24 and 5 per fold (5 folds and one) (was 20)
    ],
)
def test_the_stated_minima(name: str, freq: str, need: int) -> None:
    assert create(name).min_length(freq) == need


@pytest.mark.parametrize("name", ["snaive", "ets", "mstl", "sparse-ar", "sarima"])
def test_the_cli_states_the_same_minimum_and_fits_there(cli, tmp_path, name) -> None:
    """The loader's check asks the model once the file's frequency is known."""
    rows = (SAMPLES / "airpassengers.csv").read_text().splitlines()
    need = create(name).min_length("MS")
    short = write_csv(tmp_path, "\n".join(rows[:need]) + "\n", name="short.csv")
    result = cli("fit", short, "-m", name, "-H", "2", "-f", "csv")
    assert result.code == 2
    assert result.stderr == (
        f"error: {short} has {need - 1} observations; fitting {name} needs at least {need}\n"
    )
    enough = write_csv(tmp_path, "\n".join(rows[: need + 1]) + "\n", name="enough.csv")
    result = cli("fit", enough, "-m", name, "-H", "2", "-f", "csv")
    assert result.code == 0, result.stderr


def test_a_given_parameter_is_named_by_its_own_check(cli) -> None:
    """A period or lag the user gives is refused by the rule that names it, not by a length."""
    result = cli("fit", SAMPLES / "airpassengers.csv", "-m", "snaive", "-p", "period=500")
    assert result.code == 2
    assert "period=500 must be shorter than the series (144 observations)" in result.stderr
