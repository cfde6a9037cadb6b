"""`forecast diagnose`: the JSON schema, CSV, plot file and plain output off a terminal."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from forecast.data import load_series
from forecast.diagnostics.acf import sample_acf
from tests.conftest import SAMPLES

AIR = str(SAMPLES / "airpassengers.csv")


@pytest.fixture(scope="module")
def air_json() -> dict:
    import contextlib

    from forecast.cli.app import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["diagnose", AIR, "--format", "json"]) == 0
    return json.loads(buffer.getvalue())


def test_json_schema(air_json) -> None:
    assert {"series", "acf", "pacf", "tests", "ljung_box", "differencing", "seasonality"} <= set(
        air_json
    )
    y = load_series(AIR).y.to_numpy()
    assert len(air_json["acf"]) == len(air_json["pacf"]) == 21
    np.testing.assert_allclose(air_json["acf"], sample_acf(y, 21))  # acf[0] is lag 1
    for test in air_json["tests"]:
        assert {"name", "statistic", "pvalue", "lags", "critical_values", "verdict"} <= set(test)
    assert [t["name"] for t in air_json["tests"]] == [
        "ADF",
        "KPSS",
        "Phillips-Perron",
        "Zivot-Andrews",
        "DF-GLS",
    ]
    assert air_json["differencing"] == {
        "d": 1,
        "d_test": "kpss",
        "D": 1,
        "D_test": "ocsb",
        "period": 12,
        "notes": [],
    }
    assert air_json["seasonality"]["period"] == 12
    assert air_json["series"]["n"] == 144 and air_json["series"]["freq"] == "MS"


def test_json_is_strict_json(cli) -> None:
    result = cli("diagnose", AIR, "-f", "json", "--lags", "5", "--acf-method", "pearson")
    assert result.code == 0 and result.stderr == ""
    doc = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert doc["correlogram"]["acf_method"] == "pearson" and len(doc["acf"]) == 5


def test_csv_output(cli) -> None:
    result = cli("diagnose", AIR, "-f", "csv", "--lags", "3")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.code == 0
    assert rows[0] == {
        "section": "acf",
        "item": "1",
        "statistic": "value",
        "value": rows[0]["value"],
    }
    adf = {
        r["statistic"]: r["value"] for r in rows if r["section"] == "test" and r["item"] == "ADF"
    }
    assert float(adf["statistic"]) == pytest.approx(0.8153688, abs=1e-6) and "cv_5%" in adf


def test_table_output_has_no_escape_codes_off_a_terminal(cli) -> None:
    result = cli("diagnose", AIR, "--lags", "12")
    assert result.code == 0
    assert "\x1b[" not in result.stdout
    assert "Stationarity tests" in result.stdout and "Zivot-Andrews" in result.stdout


def test_plot_is_written_atomically(cli, tmp_path) -> None:
    target = tmp_path / "diag.png"
    result = cli("diagnose", AIR, "--plot", str(target), "-q")
    assert result.code == 0 and result.stderr == ""
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["diag.png"]  # no temporary left behind


def test_bad_plot_extension_fails_before_any_work(cli, tmp_path) -> None:
    result = cli("diagnose", AIR, "--plot", str(tmp_path / "diag.gif"))
    assert result.code == 2 and "must end in .png, .svg or .pdf" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_log_and_period_options(cli) -> None:
    result = cli("diagnose", AIR, "--log", "--period", "6", "-f", "json")
    doc = json.loads(result.stdout)
    assert doc["series"]["transform"] == "log"
    assert doc["seasonality"]["period"] == 6 and doc["seasonality"]["source"] == "given"


def test_stdin_input(cli) -> None:
    result = cli("diagnose", "-", "-f", "json", stdin=(SAMPLES / "nile.csv").read_bytes())
    assert result.code == 0 and json.loads(result.stdout)["series"]["source"] == "<stdin>"


def test_usage_errors_are_one_line_exit_2(cli) -> None:
    for args in (
        ["diagnose", AIR, "--lags", "0"],
        ["diagnose", AIR, "--bogus"],
        ["diagnose", AIR, "--missing", "guess"],
        ["diagnose", AIR, "--lags", "100"],
    ):
        result = cli(*args)
        assert result.code == 2, args
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")


def test_version(cli) -> None:
    from forecast import __version__

    result = cli("--version")
    assert result.code == 0 and result.stdout == f"forecast {__version__}\n"
