"""Issue #17: every bad option, oversized input or unwritable output is a clean exit with one
`error:` line naming the problem, checked before any work (so each case here is fast)."""

from __future__ import annotations

import errno
import json

import pytest

from ..conftest import DATA, SAMPLES, write_csv

AIR = str(SAMPLES / "airpassengers.csv")

# (args, expected exit code, message fragment); each case hung, ran out of memory, exited 1
# "internal error" or exited 0 with nonsense before.
OPTION_CASES: list[tuple[list[str], int, str]] = [
    (
        ["fit", AIR, "-m", "arima", "-p", "order=50,2,50"],
        2,
        "order=50,2,50 must be p + q at most 24",
    ),
    (
        ["fit", AIR, "-m", "sarima", "-p", "seasonal_order=1,1,1,1000"],
        2,
        "a period m between 2 and the series' length less one (143)",
    ),
    (
        ["fit", AIR, "-m", "ar", "-p", "max_p=100000"],
        2,
        "max_p=100000 must be at most 24 with the exact likelihood; use method=ols",
    ),
    (
        ["fit", AIR, "-m", "ar", "-p", "method=ols", "-p", "max_p=100000"],
        2,
        "max_p=100000 must be at most half the observations (72 of 144)",
    ),
    (
        ["fit", AIR, "-m", "ar", "-p", "max_p=60"],
        2,
        "max_p=60 must be at most 24 with the exact likelihood; use method=ols",
    ),
    (
        ["fit", AIR, "-m", "auto-arima", "-p", "max_p=1000", "-p", "stepwise=false"],
        2,
        "max_p=1000 must be at most 24",
    ),
    (
        ["fit", AIR, "-m", "auto-arima", "-p", "max_order=100", "-p", "stepwise=false"],
        2,
        "max_order=100 must be at most 24",
    ),
    (["fit", AIR, "-m", "sparse-ar", "-p", "max_lag=1000"], 2, "max_lag=1000 must be at most half"),
    (
        ["fit", AIR, "-m", "snaive", "-p", "period=500"],
        2,
        "period=500 must be shorter than the series (144 observations)",
    ),
    (
        ["fit", AIR, "-m", "naive", "-H", "100000000"],
        2,
        "--horizon must be at most 100,000 steps, got 100000000",
    ),
    (
        ["fit", AIR, "-m", "naive", "-H", "1" + "0" * 22],
        2,
        "--horizon must be at most 100,000 steps",
    ),
    (["fit", AIR, "-m", "arima", "-p", "order=1" + "0" * 22 + ",0,0"], 2, "must be <= 1,000,000"),
    (["fit", AIR, "-m", "naive", "--freq", "0D"], 2, "--freq '0D' must step forward"),
    (["fit", AIR, "-m", "naive", "--freq", "-1MS"], 2, "--freq '-1MS' must step forward"),
    (["fit", AIR, "-m", "lstm", "-p", "dropout=2"], 2, "dropout=2 must be < 1"),
    (["fit", AIR, "-m", "lstm", "-p", "dropout=nan"], 2, "dropout=nan is not a finite number"),
    (["fit", AIR, "-m", "lstm", "-p", "lr=nan"], 2, "lr=nan is not a finite number"),
    (
        ["fit", AIR, "-m", "lstm", "-p", "weight_decay=nan"],
        2,
        "weight_decay=nan is not a finite number",
    ),
    (["fit", AIR, "-m", "lstm", "-p", "lr=inf"], 2, "lr=inf is not a finite number"),
    (["fit", AIR, "-m", "lstm", "-p", "seed=-1"], 2, "seed=-1 must be >= 0"),
    (
        ["fit", AIR, "-m", "lstm", "-p", "hidden_size=100000"],
        2,
        "hidden_size=100000 must be <= 4,096",
    ),
    (
        ["fit", AIR, "-m", "lstm", "-p", "hidden_size=4000", "-p", "layers=4"],
        2,
        "the limit is 10,000,000",
    ),
    (
        ["fit", AIR, "-m", "transformer", "-p", "d_model=4096", "-p", "layers=16"],
        2,
        "the limit is 10,000,000",
    ),
    (
        ["fit", AIR, "-m", "lstm", "-p", "window=500"],
        2,
        "window=500 must be shorter than the series",
    ),
    (["fit", AIR, "-m", "lstm", "-p", "val_fraction=1"], 2, "val_fraction=1 must be < 1"),
    (
        ["fit", AIR, "-m", "auto-arima", "-p", "time_limit=nan"],
        2,
        "time_limit=nan is not a finite number",
    ),
    (
        ["diagnose", AIR, "--alpha", "nan"],
        2,
        "--alpha must be a significance level between 0.001 and 0.5, got nan",
    ),
    (
        ["backtest", AIR, "-m", "naive", "--period", "0"],
        2,
        "--period must be between 1 (non-seasonal) and half the series (72), got 0",
    ),
    (["backtest", AIR, "-m", "naive", "--period", "1000"], 2, "--period must be between 1"),
    (
        ["fit", AIR, "-m", "naive", "--save", "/dev/null"],
        2,
        "cannot write /dev/null: it is not a regular file",
    ),
    (
        ["fit", AIR, "-m", "naive", "--save", "/"],
        2,
        "--save / holds the input DATA",  # issue #24: checked first
    ),
    (
        ["fit", AIR, "-m", "naive", "--save", str(DATA)],
        2,
        f"cannot write {DATA}: it is a directory; give a file name",
    ),
    (["backtest", AIR, "-m", "naive", "--report", "/dev/null.md"], 2, ""),
    (["diagnose", "/dev/zero"], 2, "/dev/zero is a device or socket, not a CSV file"),
    (["fit", AIR, "-m", "naive", "-o", "/dev/null"], 2, "it is not a regular file"),
    # a panel: refused once, before any series is fitted (not a failure per series)
    (
        ["fit", str(SAMPLES / "retail_panel.csv"), "-m", "arima", "-p", "order=50,2,50"],
        2,
        "p + q at most 24",
    ),
    (
        [
            "backtest",
            str(SAMPLES / "retail_panel.csv"),
            "-m",
            "lstm",
            "-p",
            "layers=16",
            "-p",
            "hidden_size=4096",
        ],
        2,
        "the limit is 10,000,000",
    ),
]
OPTION_CASES = [c for c in OPTION_CASES if c[2] or c[0][-1] != "/dev/null.md"]


@pytest.mark.parametrize(
    ("args", "code", "fragment"), OPTION_CASES, ids=[" ".join(c[0][2:])[:60] for c in OPTION_CASES]
)
def test_bad_option_is_one_line_and_exit_2(cli, args, code, fragment) -> None:
    result = cli(*args)
    assert result.code == code, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert fragment in lines[0]
    assert "internal error" not in lines[0]
    assert result.stdout == ""


def test_ten_megabyte_line_is_refused_quickly(cli, tmp_path) -> None:
    path = write_csv(tmp_path, "t,v\n2020-01-01," + "1" * 10_000_000 + "\n")
    result = cli("fit", path, "-m", "naive")
    assert result.code == 2
    assert "line 2 is 10,000,011 bytes long, over the 1,048,576 limit" in result.stderr
    assert "FORECAST_MAX_LINE" in result.stderr


def test_byte_limit_names_its_override(cli, monkeypatch) -> None:
    monkeypatch.setenv("FORECAST_MAX_BYTES", "100")
    result = cli("diagnose", AIR)
    assert (
        result.code == 2
        and "larger than the 100-byte limit; raise FORECAST_MAX_BYTES" in result.stderr
    )


def test_grid_limit_names_its_override(cli, monkeypatch) -> None:
    monkeypatch.setenv("FORECAST_MAX_ROWS", "100")
    result = cli("diagnose", AIR)
    assert result.code == 2 and "raise FORECAST_MAX_ROWS" in result.stderr


def test_closed_stdin_is_a_usage_error(cli, monkeypatch) -> None:
    import io
    import sys

    closed = io.TextIOWrapper(io.BytesIO(b""))
    closed.close()
    monkeypatch.setattr(sys, "stdin", closed)
    result = cli("diagnose", "-")
    assert result.code == 2 and result.stderr.startswith("error: stdin is closed")


def test_control_characters_of_file_names_are_escaped(cli, tmp_path) -> None:
    path = write_csv(tmp_path, "t\n1\n", name="evil\x1b[31m\nname.csv")
    result = cli("diagnose", path)
    assert result.code == 2
    assert "\x1b" not in result.stderr and "evil\\x1b[31m\\nname.csv" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_ctrl_c_exits_130(cli, monkeypatch) -> None:
    import forecast.data

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(forecast.data, "load", interrupted)
    result = cli("diagnose", AIR)
    assert result.code == 130
    assert result.stderr.strip().splitlines()[-1] == "error: interrupted"


def test_full_disk_keeps_the_backtest_results(cli, tmp_path, monkeypatch) -> None:
    from forecast.io import atomic

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full)
    report = tmp_path / "report.md"
    result = cli("backtest", AIR, "-m", "naive", "-H", "6", "--report", report, "-f", "json")
    assert result.code == 1
    assert json.loads(result.stdout)["config"]["horizon"] == 6  # the computed results
    # the report's images (report_files/) are written first, the Markdown last
    assert f"error: cannot write {report.parent / 'report_files'}" in result.stderr
    assert "No space left on device" in result.stderr
    assert "internal error" not in result.stderr and "wrote" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_full_disk_keeps_the_fit_results(cli, tmp_path, monkeypatch) -> None:
    from forecast.io import atomic

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full)
    result = cli("fit", AIR, "-m", "naive", "--save", tmp_path / "m.fcm", "-f", "csv")
    assert result.code == 1
    assert result.stdout.startswith("timestamp,mean")
    assert "No space left on device" in result.stderr


def test_corpus_files_exist() -> None:
    assert (DATA / "malformed" / "31-nanosecond-jump.csv").exists()


def test_markdown_report_escapes_names_from_the_data(cli, tmp_path) -> None:
    rows = (SAMPLES / "airpassengers.csv").read_text().splitlines()[1:]
    data = write_csv(tmp_path, "\n".join(["month,<script>alert(1)</script>", *rows]) + "\n")
    report = tmp_path / "report.md"
    result = cli("backtest", data, "-m", "naive", "-H", "6", "--report", report, "-q")
    assert result.code == 0, result.stderr
    text = report.read_text()
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_written_file_name_is_escaped_in_messages(cli, tmp_path) -> None:
    path = tmp_path / "m\x1b]0;owned\x07.fcm"
    result = cli("fit", AIR, "-m", "naive", "--save", path, "-f", "csv")
    assert result.code == 0 and path.exists()
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "m\\x1b]0;owned\\x07.fcm" in result.stderr


def test_library_fit_refuses_values_near_the_float_limit() -> None:
    import numpy as np
    import pandas as pd

    from forecast.errors import InputError
    from forecast.models.registry import create

    y = pd.Series(np.linspace(1e307, 1.7e308, 40), pd.date_range("2000", periods=40, freq="D"))
    with pytest.raises(InputError, match=r"values up to 1\.7e\+308, above 1e\+100: too large"):
        create("arima").fit(y)


def test_plot_into_a_directory_is_refused_before_any_work(cli, tmp_path) -> None:
    folder = tmp_path / "plot.png"
    folder.mkdir()
    result = cli("diagnose", AIR, "--plot", folder)
    assert result.code == 2 and "it is a directory; give a file name" in result.stderr
