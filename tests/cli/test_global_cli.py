"""`forecast fit` / `predict` with a global neural model on a panel, end to end (in-process),
against the library's GlobalForecaster on the same data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecast.data import load
from forecast.io.modelfile import LoadedGlobal, load_model_file
from forecast.models.neural.global_model import GlobalForecaster
from tests.conftest import SAMPLES, write_csv

RETAIL = str(SAMPLES / "retail_panel.csv")
TINY = ["-p", "hidden_size=4", "-p", "window=12", "-p", "horizon=6", "--epochs", "2"]
PARAMS = {"hidden_size": 4, "window": 12, "horizon": 6, "epochs": 2, "device": "cpu"}


def _means(doc: dict) -> dict[str, list[float]]:
    return {s["id"]: [r["mean"] for r in s["forecast"]] for s in doc["series"]}


@pytest.fixture(scope="module")
def retail():
    return load(RETAIL, id_col="store")


def test_fit_trains_one_network_and_predict_reads_it_back(cli, tmp_path, retail) -> None:
    model_file = tmp_path / "g.fcm"
    args = ["fit", RETAIL, "--id-col", "store", "-m", "gru", *TINY, "--device", "cpu"]
    result = cli(*args, "-H", "6", "-l", "80", "-f", "json", "--save", model_file)
    assert result.code == 0, result.stderr
    assert "note: global gru: one network for 12 series" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["global"]["series"] == 12 and doc["summary"]["forecast"] == 12
    assert doc["series"][0]["summary"]["description"].startswith("global gru")
    direct = GlobalForecaster("gru", PARAMS).fit([(s.id, s.y) for s in retail], 6)
    expected = direct.predict(6, [80])
    for sid, means in _means(doc).items():
        np.testing.assert_array_equal(means, expected[sid].mean)
    assert isinstance(load_model_file(model_file), LoadedGlobal)

    again = cli("predict", model_file, "-f", "json")
    assert again.code == 0, again.stderr
    assert _means(json.loads(again.stdout)) == _means(doc)

    # new rows for two stores (store_01 repeats its last training row), two of them forecast
    y1 = retail[retail.position("store_01")].y
    new = write_csv(
        tmp_path,
        "store,month,sales\n"
        f"store_01,{y1.index[-1]:%Y-%m-%d},{y1.iloc[-1]}\n"
        "store_01,2025-01-01,3900\nstore_01,2025-02-01,3700\nstore_02,2025-01-01,2000\n",
    )
    moved = cli("predict", model_file, "--ids", "store_02,store_01", "--data", new, "-H", "3",
                "-f", "json", "--save", tmp_path / "h.fcm")  # fmt: skip
    assert moved.code == 0, moved.stderr
    out = json.loads(moved.stdout)
    assert [s["id"] for s in out["series"]] == ["store_02", "store_01"]
    by_id = {s["id"]: s for s in out["series"]}
    assert by_id["store_01"]["series"]["new_observations"] == 2
    assert by_id["store_01"]["forecast"][0]["timestamp"] == "2025-03-01T00:00:00"
    direct.update("store_01", pd.Series([3900.0, 3700.0], index=pd.date_range("2025-01", periods=2,
                  freq="MS")))  # fmt: skip
    np.testing.assert_allclose(
        _means(out)["store_01"], direct.predict(3, ids=["store_01"])["store_01"].mean, atol=1e-9
    )
    saved = load_model_file(tmp_path / "h.fcm").model
    assert saved.ends_[saved.position("store_01")] == pd.Timestamp("2025-02-01")

    assert cli("predict", model_file, "--ids", "nope").code == 2
    refit = cli("predict", model_file, "--data", new, "--refit")
    assert refit.code == 2 and "--refit on a global model" in refit.stderr


def test_global_false_fits_one_network_per_series(cli) -> None:
    result = cli("fit", RETAIL, "--id-col", "store", "--ids", "store_01,store_02", "-m", "gru",
                 *TINY, "-p", "global=false", "--device", "cpu", "-H", "3", "-f", "json")  # fmt: skip
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert "global" not in doc
    assert all(not s["summary"]["description"].startswith("global") for s in doc["series"])


def test_a_series_shorter_than_the_window_goes_to_the_fallback(cli, tmp_path, retail) -> None:
    frame = pd.DataFrame(
        [(s.id, t.strftime("%Y-%m-%d"), v) for s in retail for t, v in s.y.items()],
        columns=["store", "month", "sales"],
    )
    short = frame[frame.store == "store_03"].tail(8).assign(store="short")
    path = tmp_path / "p.csv"
    pd.concat([frame, short]).to_csv(path, index=False)
    args = ["fit", path, "--id-col", "store", "-m", "gru", *TINY, "--device", "cpu", "-H", "3"]
    failed = cli(*args, "-f", "json")
    assert failed.code == 1
    assert "series 'short' failed: global gru forecasts from the last 12" in failed.stderr
    rescued = cli(*args, "-f", "json", "--fallback", "naive")
    assert rescued.code == 0, rescued.stderr
    by_id = {s["id"]: s for s in json.loads(rescued.stdout)["series"]}
    assert by_id["short"]["model"] == "naive" and "fallback_reason" in by_id["short"]


def test_short_series_are_kept_whether_the_id_column_is_named_or_found(cli, tmp_path) -> None:
    """A global network takes series shorter than a per-series network's minimum (70 for gru),
    with the id column named (--id-col) or found by the loader; one series alone (no id
    column) still needs the per-series minimum."""
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(["a", "b"], 60),
            "ds": np.tile(pd.date_range("2015-01-01", periods=60, freq="MS"), 2),
            "y": np.random.default_rng(3).normal(size=120).cumsum() + 50,
        }
    )
    path = tmp_path / "short.csv"
    frame.to_csv(path, index=False)
    args = ["fit", path, "-m", "gru", *TINY, "--device", "cpu", "-H", "2", "-l", "80", "-f", "csv"]
    named, found = cli(*args, "--id-col", "unique_id"), cli(*args)
    assert named.code == 0 and "one network for 2 series" in named.stderr
    assert (found.code, found.stdout) == (named.code, named.stdout)
    alone = tmp_path / "alone.csv"
    frame[frame.unique_id == "a"].drop(columns="unique_id").to_csv(alone, index=False)
    one = cli("fit", alone, "-m", "gru", *TINY, "--device", "cpu", "-H", "2")
    assert one.code == 2
    assert "has 60 observations; fitting gru needs at least 70" in one.stderr


def test_usage_errors(cli) -> None:
    base = ["fit", RETAIL, "--id-col", "store", "-H", "3"]
    det = cli(*base, "-m", "naive", "--deterministic")
    assert det.code == 2 and "--deterministic applies to the neural models" in det.stderr
    conformal = cli(*base, "-m", "gru", *TINY, "--intervals", "conformal")
    assert conformal.code == 2 and "--intervals conformal" in conformal.stderr
    bad = cli(*base, "-m", "gru", "-p", "series_embedding=x")
    assert bad.code == 2 and "series_embedding=x" in bad.stderr
