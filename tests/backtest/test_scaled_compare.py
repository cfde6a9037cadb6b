"""Issue #31, part 5: on a panel, --ci and --compare work on scale-free losses by default (each
origin's losses divided by the naive scale of that origin's own training data), --compare-loss
raw keeps the data's unit, and the HTML report shows each interval's estimate and the
Diebold-Mariano table."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.panel.test_panel_runs import PANEL

IDS = ("store_01", "store_02", "store_04")
PERIOD = 12  # monthly data: the MASE / RMSSE scale is the seasonal naive's (M4)
RUN = ("-H", "3", "--step", "3", "--refit", "never", "--seed", "3")


def _backtest(cli, data: str | Path, *extra: str) -> dict:
    args = ("backtest", data, "-m", "snaive", "-m", "naive", "-m", "drift", *RUN, *extra)
    result = cli(*args, "-f", "json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


# --- the scaled losses against a slow, obvious computation ---------------------------------


def _slow_scaled_losses(forecasts: Path, power: int) -> dict[str, dict[tuple[str, str], list]]:
    """model -> (id, origin) -> the scaled losses of its steps, computed row by row: the scale
    is the mean |y_t - y_{t-12}| ** power over the training values (timestamps up to the
    origin, expanding window), one pair at a time."""
    panel = pd.read_csv(PANEL, parse_dates=["month"])
    history = {sid: g.set_index("month")["sales"] for sid, g in panel.groupby("store")}
    out: dict[str, dict[tuple[str, str], list]] = {}
    with open(forecasts, newline="") as f:
        for row in csv.DictReader(f):
            train = history[row["id"]][: pd.Timestamp(row["origin"])].tolist()
            pairs = [abs(train[t] - train[t - PERIOD]) ** power for t in range(PERIOD, len(train))]
            scale = sum(pairs) / len(pairs)
            error = float(row["mean"]) - float(row["actual"])
            key = (row["id"], row["origin"])
            out.setdefault(row["model"], {}).setdefault(key, []).append(abs(error) ** power / scale)
    return out


@pytest.mark.parametrize("power", [1, 2])
def test_the_scaled_losses_are_each_origins_errors_over_its_training_scale(
    cli, tmp_path: Path, power: int
) -> None:
    forecasts = tmp_path / "f.csv"
    out = _backtest(
        cli, PANEL, "--ids", ",".join(IDS), "--ci", "--ci-reps", "49", "--compare",
        "--dm-power", str(power), "--forecasts", forecasts,
    )  # fmt: skip
    slow = _slow_scaled_losses(forecasts, power)
    comparison = out["comparison"]
    assert comparison["scaling"] == "scaled" and out["ci"]["scaling"] == "scaled"
    assert comparison["loss"].startswith("scaled")
    n_origins = len(slow["naive"])
    assert comparison["origins"] == n_origins == 3 * 16  # every origin of every series pooled
    # tolerance: each value is a mean of at most ~100 ratios of sums of ~100 terms of similar
    # size; double rounding keeps them within ~1e-13 relative: 1e-10 is far above that
    for model, losses in slow.items():
        per_origin = [np.mean(v) for v in losses.values()]
        assert comparison["mcs"]["mean_losses"][model] == pytest.approx(
            np.mean(per_origin), rel=1e-10
        )
        metric, stat = ("mase", np.mean) if power == 1 else ("rmsse", lambda v: np.sqrt(np.mean(v)))
        (row,) = [
            r for r in out["ci"]["intervals"] if r["model"] == model and r["metric"] == metric
        ]
        assert row["estimate"] == pytest.approx(stat(per_origin), rel=1e-10)
    for test in comparison["diebold_mariano"]:
        a, b, j = slow[test["model"]], slow[test["other"]], test["step"] - 1
        d = [a[key][j] - b[key][j] for key in a]
        assert test["mean_difference"] == pytest.approx(np.mean(d), rel=1e-10, abs=1e-14)
    # raw losses are the unscaled errors: the mean loss is no longer the mean of the ratios
    raw = _backtest(cli, PANEL, "--ids", ",".join(IDS), "--compare", "--compare-loss", "raw")
    assert raw["comparison"]["scaling"] == "raw"
    assert (
        raw["comparison"]["mcs"]["mean_losses"]["naive"]
        > 10 * comparison["mcs"]["mean_losses"]["naive"]
    )


# --- scale-free: one series 10x the others gives the result of the rescaled panel -----------


def _panels(tmp_path: Path) -> tuple[Path, Path]:
    frame = pd.read_csv(PANEL)
    frame = frame[frame["store"].isin(IDS)].copy()
    even = tmp_path / "even.csv"
    frame.to_csv(even, index=False)
    big = frame.copy()
    # a power of two: the rescaled values are exact, so the two panels differ only by scale
    big.loc[big["store"] == "store_02", "sales"] *= 16.0
    tall = tmp_path / "tall.csv"
    big.to_csv(tall, index=False)
    return even, tall


def _verdicts(out: dict) -> tuple[list, np.ndarray, list]:
    """The names and verdicts of the tests, their numbers, and the MCS."""
    c = out["comparison"]
    dm = c["diebold_mariano"]
    names = [(t["model"], t["other"], t["step"], t["better"]) for t in dm]
    names += [(r["model"], r["metric"]) for r in out["ci"]["intervals"]]
    numbers = [(t["hln_statistic"], t["p_value"]) for t in dm]
    numbers += [(r["estimate"], r["lower"], r["upper"]) for r in out["ci"]["intervals"]]
    numbers += [(c["mcs"]["pvalues"][m], c["mcs"]["mean_losses"][m]) for m in c["mcs"]["pvalues"]]
    return (
        names,
        np.concatenate([np.asarray(x, dtype=float) for x in numbers]),
        c["mcs"]["included"],
    )


def test_scaled_losses_give_the_same_tests_when_one_series_is_16x_the_others(
    cli, tmp_path: Path
) -> None:
    even, tall = _panels(tmp_path)
    ask = ("--ci", "--ci-reps", "99", "--compare")
    names, a, included = _verdicts(_backtest(cli, even, *ask))
    names_b, b, included_b = _verdicts(_backtest(cli, tall, *ask))
    assert names == names_b and included == included_b
    # the models are scale-equivariant and the scales scale with the data: the scaled losses
    # agree to rounding (~1e-15 relative); the bootstrap sees the same losses with the same
    # seed, so its p-values and bounds agree too. 1e-9 leaves room for the long-run variances.
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_raw_losses_let_the_big_series_move_the_tests(cli, tmp_path: Path) -> None:
    even, tall = _panels(tmp_path)
    ask = ("--compare", "--compare-loss", "raw")
    a, b = _verdicts_dm(_backtest(cli, even, *ask)), _verdicts_dm(_backtest(cli, tall, *ask))
    changed = [abs(x - y) / max(abs(x), 1e-12) for x, y in zip(a, b, strict=True)]
    assert max(changed) > 0.1  # a DM statistic moves by more than 10 %


def _verdicts_dm(out: dict) -> list[float]:
    assert out["comparison"]["scaling"] == "raw"
    return [t["hln_statistic"] for t in out["comparison"]["diebold_mariano"]]


def test_one_series_keeps_raw_losses_unless_asked(cli) -> None:
    one = _backtest(cli, PANEL, "--ids", "store_01", "--compare")
    assert one["comparison"]["scaling"] == "raw" and one["comparison"]["loss"] == "squared error"
    scaled = _backtest(cli, PANEL, "--ids", "store_01", "--compare", "--compare-loss", "scaled")
    assert scaled["comparison"]["scaling"] == "scaled"


def test_a_constant_series_cannot_be_scaled_and_is_left_out_with_a_count(
    cli, tmp_path: Path
) -> None:
    frame = pd.read_csv(PANEL)
    frame = frame[frame["store"].isin(IDS)].copy()
    frame.loc[frame["store"] == "store_04", "sales"] = 500.0
    path = tmp_path / "flat.csv"
    frame.to_csv(path, index=False)
    out = _backtest(cli, path, "--ci", "--ci-reps", "49", "--compare")
    assert out["comparison"]["left_out_origins"] == 16 == out["ci"]["left_out_origins"]
    assert out["comparison"]["origins"] == 2 * 16


# --- the HTML report ----------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every table of an HTML page (header, rows), with the h2 heading above it."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[str], list[list[str]]]] = []
        self.heading = ""
        self._text: list[str] | None = None
        self._row: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append((self.heading, [], []))
        elif tag in ("th", "td", "h2"):
            self._text = []
        elif tag == "tr":
            self._row = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._text is not None:
            self.heading = "".join(self._text)
        elif tag in ("th", "td") and self._text is not None:
            self._row.append("".join(self._text))
        elif tag == "tr":
            _, header, rows = self.tables[-1]
            if header:
                rows.append(self._row)
            else:
                header.extend(self._row)
        if tag in ("th", "td", "h2"):
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def _close(cell: str, value: float) -> bool:
    """The report prints 4 significant digits: within half a unit of the 4th digit."""
    from math import floor, log10

    ulp = 10 ** (floor(log10(abs(value))) - 3) if value else 1e-300
    return abs(float(cell) - value) <= 0.5 * ulp * (1 + 1e-12)


def test_the_panel_html_shows_each_estimate_and_the_diebold_mariano_table(
    cli, tmp_path: Path
) -> None:
    report = tmp_path / "bt.html"
    out = _backtest(
        cli, PANEL, "--ids", ",".join(IDS), "--ci", "--ci-reps", "49", "--compare",
        "--report", report,
    )  # fmt: skip
    page = _Tables()
    page.feed(report.read_text(encoding="utf-8"))
    (ci,) = [t for t in page.tables if "confidence intervals" in t[0]]
    heading, header, rows = ci
    assert "pooled scaled losses" in heading and "not the mean over series" in heading
    assert header == ["model", "metric", "estimate", "lower", "upper"]
    expected = out["ci"]["intervals"]
    assert [r[:2] for r in rows] == [[e["model"], e["metric"]] for e in expected]
    for row, e in zip(rows, expected, strict=True):
        assert all(
            _close(c, e[k]) for c, k in zip(row[2:], ("estimate", "lower", "upper"), strict=True)
        )
    (dm,) = [t for t in page.tables if t[1][:3] == ["pair", "step", "DM*"]]
    tests = out["comparison"]["diebold_mariano"]
    assert len(dm[2]) == len(tests) == 3 * 3  # 3 pairs x 3 lead times
    for row, t in zip(dm[2], tests, strict=True):
        assert row[0] == f"{t['model']} vs {t['other']}" and row[1] == str(t["step"])
        assert _close(row[2], t["hln_statistic"])
    assert "pooled scaled losses" in dm[0]
    text = report.read_text(encoding="utf-8")
    assert "It is not the &#x27;Mean over series&#x27; above" in text
