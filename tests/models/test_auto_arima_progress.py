"""auto-arima on long seasonal series (issue 16): progress while it searches, a note up front
when the choice is known to be slow."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

from forecast.models.registry import create
from forecast.progress import progress_enabled
from tests.conftest import SAMPLES


def test_search_reports_each_model_tried(monkeypatch) -> None:
    import forecast.progress

    seen: list[tuple[str, dict]] = []

    @contextmanager
    def recorder(description, total):
        seen.append((description, {"total": total}))
        yield lambda steps=1, **fields: seen.append((description, fields))

    monkeypatch.setattr(forecast.progress, "task", recorder)
    frame = pd.read_csv(SAMPLES / "airpassengers.csv", parse_dates=[0], index_col=0)
    y = np.log(frame.iloc[:, 0].asfreq("MS").astype(float))
    model = create("auto-arima", {"max_models": 6}).fit(y)
    search = [fields for desc, fields in seen if desc.endswith(": search") and "tried" in fields]
    assert seen[0] == ("auto-arima m=12, d=0, D=1: search", {"total": 6})  # KPSS, OCSB
    assert len(search) == 6  # one step per model fitted, named, with the best score so far
    assert search[0]["tried"].startswith("ARIMA(")
    assert all(np.isfinite(s["best"]) or s["best"] == np.inf for s in search)
    assert "6 models fitted" in model.summary().to_dict()["selection"]


def test_slow_seasonal_choice_is_said_before_the_search(monkeypatch, capsys) -> None:
    from forecast.models.arima.auto import AutoArima

    said_before: list[str] = []

    def no_search(self, y, m):
        said_before.append(capsys.readouterr().err)
        return None

    monkeypatch.setattr(AutoArima, "_search", no_search)
    t = np.arange(2000)
    values = 10 * np.sin(2 * np.pi * t / 48) + np.random.default_rng(0).normal(size=t.size)
    y = pd.Series(values, index=pd.date_range("2024-01-01", periods=t.size, freq="30min"))
    with progress_enabled(True):  # a terminal
        model = create("auto-arima", {"period": 48}).fit(y)
    expected = (
        "auto-arima: a seasonal period of 48 on 2000 points is slow (about 1.5 minutes for 48 on "
        "4,000 points): -m mstl is faster; or bound it (-p time_limit=SECONDS, about twice that in "
        "all), narrow the search (-p max_P=1 -p max_Q=1) or fit one model with -m sarima"
    )
    assert said_before[0] == f"note: {expected}\n"
    assert model.summary().notes[0] == expected  # off a terminal the summary carries it
    with progress_enabled(False):
        create("auto-arima", {"period": 48}).fit(y)
    assert capsys.readouterr().err == ""


def test_slow_sarima_is_said_up_front(monkeypatch, capsys) -> None:
    from forecast.models.arima import models as arima

    monkeypatch.setattr(
        arima,
        "estimate_mle",
        lambda spec, y, name: (_ for _ in ()).throw(RuntimeError(capsys.readouterr().err)),
    )
    t = np.arange(1500)
    y = pd.Series(
        np.sin(2 * np.pi * t / 48), index=pd.date_range("2024-01-01", periods=t.size, freq="30min")
    )
    with progress_enabled(True), pytest.raises(RuntimeError) as said:
        create("sarima", {"seasonal_order": (0, 1, 1, 48)}).fit(y)
    assert str(said.value).startswith(
        "note: sarima: a seasonal period of 48 on 1500 points is slow"
    )


def test_slow_sarima_fit_runs_under_an_elapsed_time_bar(monkeypatch) -> None:
    import forecast.progress
    from forecast.models.arima import models as arima

    opened: list[tuple[str, int | None]] = []
    inside: list[bool] = []

    @contextmanager
    def recorder(description, total):
        opened.append((description, total))
        yield lambda steps=1, **fields: None
        opened.append(("closed", None))

    def estimate(spec, y, name):
        inside.append(opened[-1][0] != "closed")
        raise RuntimeError("stop here")

    monkeypatch.setattr(forecast.progress, "task", recorder)
    monkeypatch.setattr(arima, "estimate_mle", estimate)
    t = np.arange(1500)
    y = pd.Series(
        np.sin(2 * np.pi * t / 48), index=pd.date_range("2024-01-01", periods=t.size, freq="30min")
    )
    with pytest.raises(RuntimeError, match="stop here"):
        create("sarima", {"seasonal_order": (0, 1, 1, 48)}).fit(y)
    assert opened[0] == ("sarima: fitting (0,1,1)(0,1,1)[48] on 1500 points", None)
    assert inside == [True]
