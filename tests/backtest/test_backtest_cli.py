"""`forecast backtest` end to end: JSON/CSV schemas, exit codes, reports (and their rendering)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess

import pytest

from tests.conftest import SAMPLES

AIR = str(SAMPLES / "airpassengers.csv")
BASE = ["backtest", AIR, "-H", "3", "--initial", "132", "--period", "12"]


def test_json_schema(cli) -> None:
    result = cli(*BASE, "-m", "naive", "-m", "a=arima", "-p", "a.order=1,1,0", "-f", "json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"config", "metrics", "forecasts", "folds", "failures", "notes"} <= set(doc)
    assert doc["config"]["models"] == [
        {"label": "naive", "model": "naive", "params": {}},
        {"label": "a", "model": "arima", "params": {"order": "1,1,0"}},
    ]
    metric = doc["metrics"][0]
    assert set(metric) == {"model", "metric", "scope", "key", "value"}
    assert {m["scope"] for m in doc["metrics"]} == {"overall", "step", "fold"}
    row = doc["forecasts"][0]
    assert set(row) == {
        "model",
        "fold",
        "origin",
        "target",
        "step",
        "actual",
        "mean",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    }
    assert row["origin"] == "1959-12-01T00:00:00" and row["target"] == "1960-01-01T00:00:00"
    assert len(doc["forecasts"]) == 2 * 10 * 3  # 2 models, 10 origins, 3 steps
    assert doc["folds"][0]["train"] == [[0, 132]] and doc["folds"][0]["test"] == [[132, 135]]


def test_csv_is_the_metric_table_and_forecasts_go_to_a_file(cli, tmp_path) -> None:
    path = tmp_path / "forecasts.csv"
    result = cli(*BASE, "-m", "naive", "-f", "csv", "-l", "90", "--forecasts", str(path))
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["model", "metric", "scope", "key", "value", "folds_scored"]
    forecasts = list(csv.DictReader(path.open()))
    forecast = forecasts[0]
    assert forecast["model"] == "naive" and forecast["lower_90"] and "metric" not in forecast
    mae = next(r for r in rows if r["metric"] == "mae" and r["scope"] == "overall")
    errors = [abs(float(r["mean"]) - float(r["actual"])) for r in forecasts]
    assert float(mae["value"]) == pytest.approx(sum(errors) / len(errors))
    assert result.stderr == f"wrote {path}\n"


def test_table_output(cli) -> None:
    result = cli(*BASE, "-m", "naive", "-m", "snaive")
    assert result.code == 0 and "Accuracy over all folds" in result.stdout
    assert "MAE by lead time" in result.stdout and "\x1b[" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-m", "naive", "-m", "arima", "-p", "order=1,1,0"], "ambiguous with 2 models; prefix it"),
        (["-m", "naive", "-m", "naive"], "model naive is given twice"),
        (["-m", "x=arima", "-p", "y.order=1,1,0"], "no model labelled 'y'"),
        (["-m", "arima", "-p", "order=1,1"], "order=1,1 is not valid"),
        (["-m", "naive", "--refit", "sometimes"], "--refit must be every, never or a whole number"),
        (["-m", "naive", "--report", "r.pdf"], "must end in .md or .html"),
        ([], "no model given"),
        (
            ["-m", "arima", "-p", "order=3,0,0", "--scheme", "purged-kfold", "--lookback", "1"],
            "--lookback 1 is shorter than the models' lookback 3",
        ),
    ],
)
def test_usage_errors(cli, args, message) -> None:
    result = cli(*BASE, *args)
    assert result.code == 2 and message in result.stderr and len(result.stderr.splitlines()) == 1


def test_exit_1_when_a_model_fails_everywhere(cli) -> None:
    result = cli(
        *BASE, "-m", "naive", "-m", "sparse-ar", "-p", "sparse-ar.max_lag=200", "-f", "json"
    )
    assert result.code == 1
    doc = json.loads(result.stdout)  # the results of the others are still printed
    assert {f["model"] for f in doc["failures"]} == {"sparse-ar"}
    assert "sparse-ar failed in every fold" in result.stderr
    reasons = [
        line
        for line in result.stderr.splitlines()
        if line.startswith("warning: sparse-ar failed in folds")
    ]
    assert len(reasons) == len(doc["failures"]) and all(
        f["error"] in r for f, r in zip(doc["failures"], reasons, strict=True)
    )


def test_markdown_report_links_only_its_own_images(cli, tmp_path) -> None:
    path = tmp_path / "report.md"
    result = cli(*BASE, "-m", "naive", "-m", "snaive", "--report", str(path), "-q")
    text = path.read_text()
    assert result.code == 0 and result.stderr == ""
    for heading in (
        "## How this was made",
        "## Data and folds",
        "## Accuracy",
        "## Error by lead time",
        "## Forecasts against actuals",
        "## Metric definitions",
    ):
        assert heading in text
    assert text.count("](report_files/figure-") == 3
    # every image is a file beside the report, nothing is fetched (no remote image, no HTML tag)
    assert re.findall(r"!\[[^\]]*\]\((?!report_files/)", text) == []
    assert re.findall(r"<(?:img|script|iframe|link|style)\b", text, flags=re.IGNORECASE) == []
    assert "Command: `forecast backtest" in text or "Command: (library call)" in text


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it with apt)"
)
def test_html_report_renders_in_headless_chromium(cli, tmp_path) -> None:
    path = tmp_path / "report.html"
    assert cli(*BASE, "-m", "naive", "-m", "snaive", "--report", str(path), "-q").code == 0
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    # the DOM after scripts and layout: the tables are there and every image decoded
    probe = tmp_path / "probe.html"
    probe.write_text(
        path.read_text().replace(
            "</body>",
            "<script>window.onload=()=>{const imgs=[...document.images];"
            "document.title=imgs.length+':'+imgs.filter(i=>i.complete&&i.naturalWidth>100).length+':'"
            "+document.querySelectorAll('table').length;}</script></body>",
        )
    )
    dom = subprocess.run(
        [CHROMIUM, *flags, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "<title>3:3:2</title>" in dom  # 3 images, all decoded and wider than 100 px; 2 tables
    shot = tmp_path / "shot.png"
    subprocess.run(
        [CHROMIUM, *flags, "--window-size=1200,1600", f"--screenshot={shot}", path.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from matplotlib.image import imread

    pixels = imread(str(shot))
    assert pixels.shape[0] == 1600 and pixels.std() > 0.05  # not a blank page


def test_per_model_refit_policy(cli, monkeypatch) -> None:
    from forecast.models import baselines

    fits = []
    original = baselines.Drift._fit
    monkeypatch.setattr(
        baselines.Drift, "_fit", lambda self, y: (fits.append(y.size), original(self, y))
    )
    result = cli(
        "backtest",
        AIR,
        "-m",
        "naive",
        "-m",
        "drift",
        "-H",
        "2",
        "--initial",
        "130",
        "--refit",
        "every",
        "--refit",
        "drift=5",
        "-f",
        "json",
    )
    doc = json.loads(result.stdout)
    assert doc["config"]["models"][1] == {
        "label": "drift",
        "model": "drift",
        "params": {},
        "refit": 5,
    }
    assert fits == [130, 135, 140]  # 13 origins (129..141), refitted every 5
    bad = cli("backtest", AIR, "-m", "naive", "--refit", "nope=5")
    assert bad.code == 2 and "no model with that label" in bad.stderr
