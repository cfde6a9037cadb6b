"""Issue 29: every series of a panel gets a forecast or a named failure that a cron job can read
(the JSON's failures, a failures file beside --output, one stderr line under -q), and the exit
codes of the README's table."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

WEEKS = pd.date_range("2020-01-06", periods=60, freq="W-MON")


def _panel(with_unseen: bool = False) -> pd.DataFrame:
    """normal (a random walk), zeros, const (5), short (3 points), inter (70 % zeros); with
    ``with_unseen`` also 'unseen' (10 points; never fitted) and without 'short'."""
    rng = np.random.default_rng(29)
    series = {
        "normal": np.round(10 + np.cumsum(rng.normal(size=60)), 3),
        "zeros": np.zeros(60),
        "const": np.full(60, 5.0),
        "inter": rng.choice([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0], size=60),
    }
    frames = [pd.DataFrame({"id": k, "date": WEEKS, "value": v}) for k, v in series.items()]
    if with_unseen:
        frames.append(pd.DataFrame({"id": "unseen", "date": WEEKS[50:], "value": np.arange(10.0)}))
    else:
        frames.append(pd.DataFrame({"id": "short", "date": WEEKS[57:], "value": [1.0, 2.0, 3.0]}))
    frame = pd.concat(frames, ignore_index=True)
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    return frame


@pytest.fixture
def panel_csv(tmp_path: Path) -> str:
    path = tmp_path / "panel.csv"
    _panel().to_csv(path, index=False)
    return str(path)


@pytest.fixture
def new_csv(tmp_path: Path) -> str:
    path = tmp_path / "new.csv"
    _panel(with_unseen=True).to_csv(path, index=False)
    return str(path)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _ids(text: str) -> set[str]:
    return {row["id"] for row in _rows(text)}


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_failures_file_beside_output_survives_quiet(
    cli, panel_csv: str, tmp_path: Path, suffix: str
) -> None:
    """theta cannot fit 3 points: without --fallback 'short' fails (exit 1, -q names it, the
    failures file lists it); with --fallback naive it is forecast and listed as a fallback."""
    output = tmp_path / f"fc{suffix}"
    failed = cli("fit", panel_csv, "-m", "theta", "-H", "2", "--output", output, "-q")
    assert failed.code == 1
    assert "'short'" in failed.stderr and failed.stderr.count("\n") == 1  # the one -q line
    listed = _rows((tmp_path / "fc.failures.csv").read_text())
    assert [(r["id"], r["outcome"], r["stage"]) for r in listed if r["id"] == "short"] == [
        ("short", "failed", "load")  # the loader knows theta's minimum
    ]
    assert "needs at least 5" in next(r["reason"] for r in listed if r["id"] == "short")

    rescued = cli("fit", panel_csv, "-m", "theta", "--fallback", "naive", "-H", "2",
                  "--output", output, "-q")  # fmt: skip
    listed = _rows((tmp_path / "fc.failures.csv").read_text())
    assert {(r["id"], r["outcome"], r["model"]) for r in listed if r["id"] == "short"} == {
        ("short", "fallback", "naive")
    }
    assert not [r for r in listed if r["outcome"] == "failed"] or rescued.code == 1


def test_failures_file_is_rewritten_empty_when_nothing_failed(cli, tmp_path: Path) -> None:
    """A later clean run leaves no stale failures behind: the file holds the header only."""
    frame = _panel()
    path = tmp_path / "normal.csv"
    frame[frame["id"] == "normal"].assign(id="a").to_csv(path, index=False)
    (tmp_path / "fc.failures.csv").write_text("id,outcome\nold,failed\n")
    result = cli("fit", path, "--id-col", "id", "-m", "naive", "-H", "2", "-o", tmp_path / "fc.csv")
    assert result.code == 0, result.stderr
    assert (tmp_path / "fc.failures.csv").read_text() == "id,outcome,stage,model,reason\n"


def test_predict_data_with_an_unseen_id_fails_unless_fallback(
    cli, panel_csv: str, new_csv: str, tmp_path: Path
) -> None:
    """An id of --data with no model: a failure (no model), exit 1, named under -q and in the
    JSON's failures; --fallback mean forecasts it from its own rows (mean of 0..9 = 4.5)."""
    model = tmp_path / "m.fcm"
    cli("fit", panel_csv, "-m", "naive", "-H", "2", "--save", model, "-q", "-f", "csv")
    assert model.exists()
    quiet = cli("predict", model, "--data", new_csv, "-H", "2", "-q", "-f", "csv")
    assert quiet.code == 1
    assert "'unseen'" in quiet.stderr
    assert "unseen" not in _ids(quiet.stdout)
    doc = json.loads(cli("predict", model, "--data", new_csv, "-H", "2", "-f", "json").stdout)
    [missing] = [f for f in doc["failures"] if f["id"] == "unseen"]
    assert missing["stage"] == "predict" and missing["error"].startswith("no model")

    output = tmp_path / "p.csv"
    rescued = cli("predict", model, "--data", new_csv, "-H", "2", "--fallback", "mean",
                  "-o", output, "-q")  # fmt: skip
    rows = [r for r in _rows(output.read_text()) if r["id"] == "unseen"]
    assert [float(r["mean"]) for r in rows] == [4.5, 4.5]
    listed = _rows((tmp_path / "p.failures.csv").read_text())
    assert ("unseen", "fallback", "mean") in {(r["id"], r["outcome"], r["model"]) for r in listed}
    assert rescued.code == (1 if any(r["outcome"] == "failed" for r in listed) else 0)


def test_fallback_is_refused_for_one_series_model(cli, tmp_path: Path) -> None:
    frame = _panel()
    path = tmp_path / "one.csv"
    frame[frame["id"] == "normal"][["date", "value"]].to_csv(path, index=False)
    cli("fit", path, "-m", "naive", "--save", tmp_path / "m.fcm", "-q", "-f", "csv")
    result = cli("predict", tmp_path / "m.fcm", "--fallback", "mean", "-f", "csv")
    assert result.code == 2 and "one series' model; --ids/--output/--fallback" in result.stderr


def _by_id(text: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for row in _rows(text):
        out.setdefault(row["id"], []).append(row)
    return out


def test_constant_series_are_forecast_not_refused(cli, panel_csv: str, tmp_path: Path) -> None:
    """ets fits the constant 5 (its honest, near-zero intervals); it diverges on all zeros, so
    the constant forecast (naive, zero-width) stands in and says so; 'short' goes to the
    fallback: every id has rows and the exit code is 0."""
    result = cli("fit", panel_csv, "-m", "ets", "--fallback", "naive", "-H", "2", "-f", "csv")
    assert result.code == 0, result.stderr
    rows = _by_id(result.stdout)
    assert set(rows) == {"normal", "zeros", "const", "short", "inter"}
    # ETS on a constant: its level stays at 5 up to the optimiser's rounding (a few ulps of 5)
    assert all(abs(float(r["mean"]) - 5.0) < 1e-9 for r in rows["const"])
    assert all(
        abs(float(r[c]) - 5.0) < 1e-9 for r in rows["const"] for c in ("lower_95", "upper_95")
    )
    assert {r[c] for r in rows["zeros"] for c in ("mean", "lower_80", "upper_95")} == {"0.0"}
    assert "series 'const': the series is constant (every value is 5)" in result.stderr
    assert "series 'zeros': the series is constant (every value is 0)" in result.stderr


def test_constant_series_without_fallback_get_the_constant(
    cli, panel_csv: str, tmp_path: Path
) -> None:
    """theta's statsmodels variant (ses-drift) cannot fit a constant series and no --fallback
    is given: the constant forecast with a note; the failures file lists them as fallbacks
    (naive); only 'short' (3 points, theta needs 5) fails. (The default theta variants forecast
    a constant themselves.)"""
    output = tmp_path / "fc.csv"
    args = ("-m", "theta", "-p", "variant=ses-drift", "-H", "2", "-o", output)
    result = cli("fit", panel_csv, *args)
    assert result.code == 1  # 'short' alone
    rows = _by_id(output.read_text())
    assert {r["mean"] for r in rows["const"]} == {"5.0"}
    assert {r["upper_95"] for r in rows["const"]} == {"5.0"}
    listed = {r["id"]: r for r in _rows((tmp_path / "fc.failures.csv").read_text())}
    assert (listed["const"]["outcome"], listed["const"]["model"]) == ("fallback", "naive")
    assert listed["short"]["outcome"] == "failed"


def test_a_single_constant_series(cli, tmp_path: Path) -> None:
    path = tmp_path / "const.csv"
    pd.DataFrame({"date": WEEKS.strftime("%Y-%m-%d"), "value": 5.0}).to_csv(path, index=False)
    for model in ("naive", "theta"):
        result = cli("fit", path, "-m", model, "-H", "2", "-f", "csv")
        assert result.code == 0, result.stderr
        assert "note: the series is constant (every value is 5)" in result.stderr
        assert {r["mean"] for r in _rows(result.stdout)} == {"5.0"}
        assert {r["lower_95"] for r in _rows(result.stdout)} == {"5.0"}


def test_floor_option_config_and_automatic(cli, panel_csv: str, tmp_path: Path) -> None:
    """naive on 'inter' (0/1/2/3 demand): Gaussian bounds below 0 without a floor; clipped at 0
    automatically (>= 30 % zeros, with a note), by --floor 0 and by floor = 0 in the config;
    --floor -1 clips at -1 instead."""
    auto = cli("fit", panel_csv, "-m", "naive", "-H", "3", "-f", "csv")
    inter = _by_id(auto.stdout)["inter"]
    assert min(float(r["lower_95"]) for r in inter) == 0.0
    assert "series 'inter': every value is >= 0 and" in auto.stderr
    other = cli("fit", panel_csv, "-m", "naive", "-H", "3", "-f", "csv", "--floor", "-1")
    assert min(float(r["lower_95"]) for r in _by_id(other.stdout)["inter"]) == -1.0
    assert "floored at 0" not in other.stderr
    config = tmp_path / "c.toml"
    config.write_text("floor = 0\n")
    normal = _panel()
    normal = normal[normal["id"] == "normal"].assign(value=lambda f: f["value"] - 14)
    path = tmp_path / "n.csv"
    normal.to_csv(path, index=False)
    base = ["fit", path, "--id-col", "id", "-m", "naive", "-H", "3", "-f", "csv"]
    free = _rows(cli(*base).stdout)
    assert min(float(r["lower_95"]) for r in free) < 0  # a series that crosses 0: no auto floor
    for floored in (cli(*base, "--floor", "0"), cli(*base, "--config", config)):
        rows = _rows(floored.stdout)
        assert min(float(r[c]) for r in rows for c in ("mean", "lower_95")) >= 0.0
    bad = tmp_path / "bad.toml"
    bad.write_text('floor = "zero"\n')
    assert cli(*base, "--config", bad).code == 2


def test_backtest_names_every_series(cli, panel_csv: str) -> None:
    """backtest: every id is scored or named in failures (exit 1 because some are left out),
    and -q still names them on stderr."""
    result = cli("backtest", panel_csv, "-m", "naive", "-H", "2", "-f", "json")
    doc = json.loads(result.stdout)
    scored = {r["id"] for r in doc["series"]}
    failed = {f["id"] for f in doc["failures"]}
    assert scored | failed == {"normal", "zeros", "const", "short", "inter"}
    assert result.code == (1 if failed else 0)
    quiet = cli("backtest", panel_csv, "-m", "naive", "-H", "2", "-f", "json", "-q")
    assert all(f"'{sid}'" in quiet.stderr for sid in list(failed)[:5])


def test_predict_floor(cli, panel_csv: str, tmp_path: Path) -> None:
    """predict --floor clips what the saved models forecast, as fit --floor does."""
    model = tmp_path / "m.fcm"
    cli("fit", panel_csv, "-m", "naive", "-H", "2", "--fallback", "naive", "--save", model, "-q")
    result = cli("predict", model, "-f", "csv", "--floor", "6")
    assert result.code == 0, result.stderr
    values = [float(r[c]) for r in _rows(result.stdout) for c in ("mean", "lower_95", "upper_95")]
    assert min(values) == 6.0  # 'zeros' and 'inter' sit below 6 before the clip
    assert cli("predict", model, "-f", "csv", "--floor", "nan").code == 2


def test_a_global_model_is_floored_too(cli) -> None:
    """The floor applies to one model across the panel (boosted trees) as to per-series fits:
    a floor above every forecast of the retail panel (sales in the thousands) makes each value
    the floor exactly."""
    from tests.conftest import SAMPLES

    args = ["fit", SAMPLES / "retail_panel.csv", "-m", "lightgbm", "-H", "2", "-f", "csv"]
    result = cli(*args, "--ids", "store_01,store_02", "--floor", "1e6")
    assert result.code == 0, result.stderr
    rows = _rows(result.stdout)
    assert len(rows) == 4
    assert {r[c] for r in rows for c in ("mean", "lower_80", "upper_95")} == {"1000000.0"}
