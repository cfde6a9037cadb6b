"""Defaults that bite in production (issue 16): fraction levels, partial models in backtests,
notes versus warnings, the backtest CSV, Markdown reports' images."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from tests.conftest import SAMPLES

AIR = str(SAMPLES / "airpassengers.csv")
NILE = str(SAMPLES / "nile.csv")
# sparse-ar with max_lag=60 needs 90 observations: it fails in the first two of six folds
PARTIAL = (
    "backtest", AIR, "-m", "snaive", "-m", "sparse-ar", "-p", "sparse-ar.max_lag=48",
    "-H", "12", "--step", "12",
)  # fmt: skip


@pytest.mark.parametrize("command", ["fit", "backtest"])
def test_a_level_below_one_is_refused_as_a_fraction(cli, command) -> None:
    args = ["-m", "naive", "-H", "2", "-l", "0.95"]
    result = cli(command, NILE, *args)
    assert result.code == 2 and result.stdout == ""
    assert result.stderr == (
        "error: --level is a percentage, got 0.95; did you mean 95? (pass -l 95)\n"
    )


def test_partial_models_are_marked_and_ranked_on_common_folds(cli, tmp_path) -> None:
    forecasts = tmp_path / "forecasts.csv"
    table = cli(*PARTIAL, "--forecasts", str(forecasts))
    assert table.code == 0, table.stderr
    assert "Accuracy over the 4 folds every model scored" in table.stdout
    rows = {line.split()[1]: line for line in table.stdout.splitlines() if line.startswith("│")}
    assert rows["snaive"].rstrip(" │").endswith(" 6")
    assert rows["sparse-ar"].rstrip(" │").endswith("4 of 6 (partial)")
    assert "partial: sparse-ar scored 4 of 6 folds; the models are ranked on the 4 folds" in (
        table.stdout
    )
    # the table's snaive MAE is over folds 2..5 only, from the forecasts it wrote
    written = list(csv.DictReader(forecasts.open()))
    errors = [
        abs(float(r["mean"]) - float(r["actual"]))
        for r in written
        if r["model"] == "snaive" and int(r["fold"]) >= 2
    ]
    assert np.mean(errors) == pytest.approx(36.979166666666664)
    assert "│ snaive    │ 36.98 │" in table.stdout
    assert {r["fold"] for r in written if r["model"] == "sparse-ar"} == {"2", "3", "4", "5"}

    doc = json.loads(cli(*PARTIAL, "-f", "json").stdout)
    assert doc["config"]["folds_scored"] == {"snaive": 6, "sparse-ar": 4}
    assert doc["config"]["partial_models"] == ["sparse-ar"]
    assert doc["config"]["common_folds"] == [2, 3, 4, 5]
    common = {
        (r["model"], r["metric"]): r["value"] for r in doc["metrics"] if r["scope"] == "common"
    }
    assert common["snaive", "mae"] == pytest.approx(36.979166666666664)

    metric_csv = list(csv.DictReader(io.StringIO(cli(*PARTIAL, "-f", "csv").stdout)))
    assert list(metric_csv[0]) == ["model", "metric", "scope", "key", "value", "folds_scored"]
    assert {(r["model"], r["folds_scored"]) for r in metric_csv} == {
        ("snaive", "6"),
        ("sparse-ar", "4"),
    }


def test_backtest_notes_are_notes_printed_once(cli) -> None:
    # purged k-fold trains ARIMA on a contiguous segment and says so in a note
    result = cli("backtest", NILE, "-m", "naive", "--scheme", "purged-kfold", "-H", "3")
    assert result.code == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert notes and len(notes) == len(set(notes))
    assert "warning:" not in result.stderr
    for line in notes:
        assert line[len("note: ") :] not in result.stdout


def test_loader_information_is_a_note(cli, tmp_path) -> None:
    path = tmp_path / "unsorted.csv"
    path.write_text("t,y\n2020-01-03,3\n2020-01-01,1\n2020-01-02,2\n2020-01-04,5\n" * 1)
    result = cli("fit", str(path), "-m", "naive", "-H", "1", "-f", "csv")
    assert result.code == 0, result.stderr
    assert result.stderr == (f"note: rows of {path} were not in time order; sorted them by 't'\n")


def test_backtest_csv_is_the_metric_table(cli, tmp_path) -> None:
    result = cli("backtest", NILE, "-m", "naive", "-H", "2", "--step", "10", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.code == 0 and "record" not in rows[0]
    mae = next(r for r in rows if r["metric"] == "mae" and r["scope"] == "overall")
    assert mae["model"] == "naive" and mae["folds_scored"] == "5"
    assert all(r["scope"] in ("overall", "step", "fold") for r in rows)


def test_markdown_report_links_png_files_beside_it(cli, tmp_path) -> None:
    path = tmp_path / "report.md"
    result = cli("backtest", NILE, "-m", "naive", "-H", "2", "--step", "10", "--report", path)
    assert result.code == 0, result.stderr
    text = path.read_text()
    assert "base64" not in text
    images = sorted(p.name for p in (tmp_path / "report_files").iterdir())
    assert images == ["figure-1.png", "figure-2.png", "figure-3.png"]
    for name in images:
        assert f"](report_files/{name})" in text
        assert (tmp_path / "report_files" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md", "report_files"]


def test_backtest_options_in_the_config_file_command_line_wins(cli, tmp_path) -> None:
    config = tmp_path / "bt.toml"
    config.write_text(
        'scheme = "purged-kfold"\nfolds = 3\nembargo = 2\nformat = "json"\n'
        'refit = "never"\n\n[[models]]\nname = "naive"\n'
    )
    doc = json.loads(cli("backtest", NILE, "--config", config, "-H", "2").stdout)
    assert doc["config"]["scheme"] == ("purged 3-fold: horizon=2, lookback=1, embargo=2 origins")
    assert doc["config"]["n_folds"] == 3 and doc["config"]["refit"] == "never"
    wins = cli("backtest", NILE, "--config", config, "-H", "2", "--folds", "4", "-f", "csv")
    assert wins.code == 0 and wins.stdout.startswith("model,metric,scope,key,value,folds_scored\n")
    assert {r["folds_scored"] for r in csv.DictReader(io.StringIO(wins.stdout))} == {"4"}


def test_a_bad_backtest_option_in_the_config_file_is_a_usage_error(cli, tmp_path) -> None:
    config = tmp_path / "bt.toml"
    config.write_text('schme = "cpcv"\n')
    result = cli("backtest", NILE, "--config", config, "-m", "naive")
    assert result.code == 2
    assert result.stderr.startswith(f"error: config file {config}: unknown key schme; accepted: ")
    config.write_text('scheme = "foo"\n')
    result = cli("backtest", NILE, "--config", config, "-m", "naive")
    assert result.code == 2 and result.stderr.startswith(
        "error: Invalid value for '--scheme': 'foo' is not one of"
    )


def test_drift_is_named_and_no_period_reads_as_such(cli) -> None:
    drift = cli("fit", AIR, "-m", "arima", "-p", "order=0,1,1", "-p", "trend=t", "-H", "1")
    assert drift.code == 0, drift.stderr
    assert "│ drift  │  2.4212 │      3.686 │ 0.657 │" in drift.stdout
    assert "x1" not in drift.stdout and "config:" not in drift.stdout
    doc = json.loads(cli("fit", NILE, "-m", "auto-arima", "-H", "1", "-f", "json").stdout)
    assert doc["model"]["selection"].startswith(
        "stepwise search by AICC; no seasonal period (frequency YS-JAN has no calendar period"
    )


def _monthly_day_first(tmp_path):
    lines = ["t,y"] + [
        f"01/{m:02d}/{2020 + y},{10 + 3 * m + y}" for y in (0, 1) for m in range(1, 13)
    ]
    path = tmp_path / "day_first.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_day_first_dates_read_month_first_say_which_format_reads_them(cli, tmp_path) -> None:
    path = _monthly_day_first(tmp_path)
    result = cli("fit", path, "-m", "naive", "-H", "1", "-f", "csv")
    assert result.code == 2 and result.stdout == ""
    assert result.stderr == (
        "error: 354 missing values (0 empty, 354 timestamps absent from the D grid); the first "
        "is at 2020-01-13T00:00:00; pass --missing drop|ffill|interpolate; read day-first the "
        "dates are regular: pass --time-format %d/%m/%Y\n"
    )
    fixed = cli("fit", path, "-m", "naive", "-H", "1", "-f", "csv", "--time-format", "%d/%m/%Y")
    assert fixed.code == 0 and fixed.stdout.splitlines()[1].startswith("2022-01-01T00:00:00,47.0,")


@pytest.mark.parametrize(
    ("column", "first", "step", "option", "expected"),
    [
        ("timestamp", 1577836800, 86400, (), "2020-01-31T00:00:00"),  # seconds, detected
        ("time", 1577836800000, 3600000, (), "2020-01-02T06:00:00"),  # milliseconds, detected
        (
            "t",
            1577836800,
            86400,
            ("--time-col", "t", "--time-format", "epoch"),
            "2020-01-31T00:00:00",
        ),
        (
            "t",
            1577836800000,
            3600000,
            ("--time-col", "t", "--time-format", "epoch_ms"),
            "2020-01-02T06:00:00",
        ),
    ],
)
def test_unix_epoch_timestamps(cli, tmp_path, column, first, step, option, expected) -> None:
    path = tmp_path / "epoch.csv"
    rows = [f"{column},y"] + [f"{first + step * i},{i % 7 + i}" for i in range(30)]
    path.write_text("\n".join(rows) + "\n")
    result = cli("fit", path, "-m", "naive", "-H", "1", "-f", "csv", *option)
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[1].split(",")[:2] == [expected, "30.0"]


def test_a_bad_epoch_value_names_its_line(cli, tmp_path) -> None:
    path = tmp_path / "epoch.csv"
    path.write_text("t,y\n1577836800,1\n1577923200.5,2\n1578009600,3\n")
    result = cli("fit", path, "-m", "naive", "-H", "1", "--time-col", "t", "--time-format", "epoch")
    assert result.code == 2
    assert result.stderr == (
        "error: line 3: timestamp '1577923200.5' in column 't' is not a whole number of "
        "seconds since 1970 (--time-format epoch); fix it\n"
    )


def _numeric_id_panel(tmp_path):
    lines = ["store,month,sales"] + [
        f"{s},2020-{m:02d}-01,{10 * s + m}" for s in (1, 2, 3) for m in range(1, 7)
    ]
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_long_panel_read_as_one_series_names_id_col(cli, tmp_path) -> None:
    path = _numeric_id_panel(tmp_path)
    result = cli("fit", path, "-m", "naive", "--value-col", "sales")
    assert result.code == 2
    assert result.stderr == (
        "error: duplicate timestamp 2020-01-01T00:00:00 (lines 2 and 8): most timestamps "
        "repeat, so the file looks like several series in long format; pass --id-col NAME "
        "(one of 'store'?), the column that names the series, to read each series on its own "
        "(do not aggregate different series)\n"
    )
    several = cli("fit", path, "-m", "naive")
    assert several.code == 2 and "(and --id-col NAME if one of them names the series" in (
        several.stderr
    )
    panel = cli("fit", path, "-m", "naive", "--value-col", "sales", "--id-col", "store", "-H", "1",
                "-f", "csv")  # fmt: skip
    assert panel.code == 0 and [r.split(",")[:4] for r in panel.stdout.splitlines()[1:]] == [
        ["1", "naive", "2020-07-01T00:00:00", "16.0"],
        ["2", "naive", "2020-07-01T00:00:00", "26.0"],
        ["3", "naive", "2020-07-01T00:00:00", "36.0"],
    ]


def test_one_repeated_timestamp_is_still_a_duplicate(cli, tmp_path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("t,y\n2020-01-01,1\n2020-01-02,2\n2020-01-02,3\n2020-01-03,4\n")
    result = cli("fit", path, "-m", "naive")
    assert result.stderr == (
        "error: duplicate timestamp 2020-01-02T00:00:00 (lines 3 and 4); remove duplicates or "
        "aggregate them first\n"
    )


def test_overflowing_values_say_what_overflowed(cli, tmp_path) -> None:
    path = tmp_path / "big.csv"
    rows = ["t,y"] + [f"2020-01-{d:02d},{(1 + d % 5) * 3e307:.6e}" for d in range(1, 29)]
    path.write_text("\n".join(rows) + "\n")
    for model in ("naive", "arima"):
        result = cli("fit", path, "-m", model, "-H", "2")
        assert result.code == 2 and result.stdout == ""
        assert result.stderr.startswith("error: line 2: value '")
        assert "is too large to compute with (magnitude above 1e+100); rescale" in result.stderr
    # the library says the same of a series built in memory (the loader is not involved)
    import numpy as np
    import pandas as pd

    from forecast.errors import InputError
    from forecast.models.registry import create

    y = pd.Series(np.linspace(1e307, 1.5e308, 40), pd.date_range("2000", periods=40, freq="D"))
    with pytest.raises(InputError) as caught:
        create("naive").fit(y)
    assert caught.value.message == (
        "fit: the series has values up to 1.5e+308, above 1e+100: too large to compute with "
        "(squares, variances and likelihoods overflow float64); divide the values by a power of "
        "ten (e.g. 1e302) or model their logarithm"
    )


def test_a_forecast_that_overflows_names_the_overflow(recwarn) -> None:
    import pandas as pd

    from forecast.errors import ComputeError
    from forecast.models.base import BaseForecaster

    class Exploding(BaseForecaster):
        """A model whose interval variance overflows (as a diverging fit's would)."""

        name = "exploding"

        def _fit(self, y):
            pass

        def _predict(self, horizon, levels):
            mean = np.full(horizon, self.y_[-1])
            spread = np.full(horizon, 1e200) ** 2  # overflows to inf
            return mean, {lv: (mean - spread, mean + spread) for lv in levels}, "test"

        def _update(self, new):
            pass

        def _fitted_state(self):
            return {}, {}

        def _restore(self, fitted, arrays):
            pass

    y = pd.Series([1.0, 2.0, 4.0], index=pd.date_range("2020-01-01", periods=3, freq="D"))
    with pytest.raises(ComputeError) as caught:
        Exploding().fit(y).predict(2, [95])
    assert str(caught.value) == (
        "exploding: computing the forecasts overflowed float64 (numpy: overflow encountered in "
        "square) from values up to 4; divide the values by a power of ten or model their "
        "logarithm, or try a simpler model"
    )
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_fit_and_predict_plot_the_history_and_the_forecast(cli, tmp_path) -> None:
    from matplotlib.collections import PolyCollection

    from forecast.data import load_series
    from forecast.fitting.series import fit_model
    from forecast.report.plots import forecast_figure

    model_file, fit_png, predict_svg = tmp_path / "m.fcm", tmp_path / "fit.png", tmp_path / "p.svg"
    fitted = cli("fit", NILE, "-m", "naive", "-H", "3", "--save", model_file, "--plot", fit_png)
    assert fitted.code == 0, fitted.stderr
    assert fitted.stderr == f"wrote {model_file}\nwrote {fit_png}\n"
    assert fit_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    predicted = cli("predict", model_file, "-H", "2", "--plot", predict_svg, "-f", "csv")
    assert predicted.code == 0 and predicted.stderr == f"wrote {predict_svg}\n"
    assert b"<svg" in predict_svg.read_bytes()[:400]

    series = load_series(NILE)
    _, run = fit_model(series, "naive", {}, 3, (80, 95))
    ax = forecast_figure(series.y, run.forecast, "naive").axes[0]
    history, mean = ax.get_lines()
    assert np.array_equal(history.get_ydata(), series.y.to_numpy())
    assert np.array_equal(mean.get_ydata(), run.forecast.mean)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert [b.get_label() for b in bands] == ["95% interval", "80% interval"]

    bad = cli("fit", NILE, "-m", "naive", "--plot", tmp_path / "x.jpg")
    assert bad.code == 2 and bad.stderr == (
        f"error: --plot {tmp_path / 'x.jpg'}: the file must end in .png, .svg or .pdf\n"
    )


def test_a_panel_backtest_gives_each_series_folds_scored(cli) -> None:
    panel = str(SAMPLES / "retail_panel.csv")
    args = ("backtest", panel, "-m", "naive", "-H", "6", "--step", "12", "--ids", "store_01")
    rows = list(csv.DictReader(io.StringIO(cli(*args, "-f", "csv").stdout)))
    assert list(rows[0]) == [
        "scope", "id", "model", "metric", "value", "n_series", "folds_scored",
    ]  # fmt: skip
    assert {(r["scope"], r["folds_scored"]) for r in rows} == {
        ("series", "4"),
        ("mean", ""),
        ("median", ""),
        ("share_best", ""),
    }
    doc = json.loads(cli(*args, "-f", "json").stdout)
    assert {r["folds_scored"] for r in doc["series"]} == {4}
