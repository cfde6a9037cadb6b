"""Issue #24 items 6, 7 and 9: what was an internal error, nonsense with exit 0, or a hang.

Each case failed on the code before the fix: an "internal error" line (exit 1), forecasts of
1e299 from regressors or forged files (exit 0), a run that never ended, a timestamp silently put
on the grid, a raw escape sequence on the terminal, an empty stderr under -q with exit 1."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from forecast.io import modelfile

from ..conftest import ROOT, SAMPLES, write_csv
from ..io.test_bounded_reads import forecast
from ..io.test_forged_models import _array, _set, forge

AIR = SAMPLES / "airpassengers.csv"


def one_error(result, code: int = 2) -> str:
    """The single ``error:`` line of a run that failed with ``code``."""
    assert result.code == code, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "internal error" not in lines[0]
    return lines[0]


def daily(n: int, seed: int = 0) -> pd.DatetimeIndex:
    return pd.date_range("2000-01-01", periods=n, freq="D")


def panel_frame(ids: list[str], n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": np.repeat(ids, n),
            "ds": np.tile(daily(n), len(ids)),
            "y": rng.normal(size=n * len(ids)).cumsum() + 100,
        }
    )


@pytest.fixture
def panel_parquet(tmp_path: Path) -> Path:
    path = tmp_path / "panel.parquet"
    panel_frame(["a", "b", "c"]).to_parquet(path, index=False)
    return path


# --- item 6: a clear line instead of "internal error" -------------------------------------------


def test_a_list_typed_value_column_is_named_with_its_type(cli, tmp_path) -> None:
    path = tmp_path / "lists.parquet"
    pq.write_table(pa.table({"ds": daily(30), "y": [[1.0, 2.0]] * 30}), path)
    line = one_error(cli("fit", path, "-m", "naive"))
    assert line.startswith(f"error: {path}: column 'y' holds list<")
    assert "not numbers, text or timestamps" in line


def test_a_list_column_that_plays_no_part_is_left_alone(cli, tmp_path) -> None:
    path = tmp_path / "extra.parquet"
    y = np.arange(30.0) % 7
    pq.write_table(pa.table({"ds": daily(30), "y": y, "tags": [["a"]] * 30}), path)
    result = cli("fit", path, "-m", "naive", "-H", "2", "-f", "csv")
    assert result.code == 0, result.stderr


def _without_read_permission() -> list[str]:
    """A command prefix under which a mode-000 file cannot be read: none for a user, and for
    root (whom permissions do not stop) setpriv dropping the capabilities that bypass them."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root reads mode-000 files and setpriv is not installed to drop that")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", "--bounding-set", caps, "--inh-caps", caps]


def test_a_parquet_file_the_user_cannot_read(tmp_path, panel_parquet) -> None:
    """A real permission error: a mode-000 file, read by a process that may not bypass it."""
    locked = tmp_path / "locked.parquet"
    shutil.copy(panel_parquet, locked)
    locked.chmod(0)
    command = [sys.executable, "-m", "forecast", "fit", str(locked), "-m", "naive"]
    result = subprocess.run(
        [*_without_read_permission(), *command],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"error: cannot read Parquet file {locked}: permission denied; check its permissions\n"
    )


def test_a_directory_where_a_parquet_part_file_is_expected(cli, tmp_path) -> None:
    """As root a permission cannot be denied in-process; a part file that is a directory is
    the other path the user cannot read as Parquet."""
    folder = tmp_path / "data.parquet"
    (folder / "part-0.parquet").mkdir(parents=True)
    line = one_error(cli("fit", folder, "-m", "naive"))
    assert line == f"error: {folder}/part-0.parquet is a directory, not a Parquet part file"
    empty = tmp_path / "empty.parquet"
    empty.mkdir()
    assert one_error(cli("fit", empty, "-m", "naive")) == (
        f"error: {empty} is a directory with no .parquet part files; give a directory of "
        "*.parquet files (flat, or Hive-partitioned: unique_id=A/part-0.parquet), a .parquet "
        "file or a CSV file"
    )


@pytest.mark.parametrize("command", ["fit", "backtest"])
def test_a_constant_regressor_is_named(cli, tmp_path, command) -> None:
    n = 60
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"ds": daily(n), "y": rng.normal(size=n).cumsum(), "x": 1.0})
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    future = tmp_path / "future.csv"
    pd.DataFrame({"ds": pd.date_range(daily(n)[-1], periods=6, freq="D")[1:], "x": 1.0}).to_csv(
        future, index=False
    )
    extra = ["--future", future] if command == "fit" else []
    # (1,0,0) with a mean: statsmodels refused the constant column ("internal error"); with a
    # difference it fitted a coefficient of -1.8e-9 with a standard error of -0
    args = [command, data, "-m", "arima", "-p", "order=1,0,0", "--exog", "x", "-H", "5"]
    line = one_error(cli(*args, *extra))
    assert line.startswith(f"error: {data}: covariate 'x' is constant (every value is 1)")
    assert line.endswith("drop it from --exog")


@pytest.fixture
def read_only_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A real read-only file system (a tmpfs mounted ro) where the sandbox allows it; else
    every mkdir/open for writing under the folder fails with EROFS, as such a mount does."""
    folder = tmp_path / "ro"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
        capture_output=True,
    )
    if mounted.returncode == 0:
        yield folder, "mounted"
        subprocess.run(["umount", str(folder)], check=True)
        return
    real_mkdir, real_open = os.mkdir, os.open

    def refuse(path, *args, **kwargs):
        if str(path).startswith(str(folder)):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_mkdir(path, *args, **kwargs)

    def refuse_open(path, flags, *args, **kwargs):
        if str(path).startswith(str(folder)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse)
    monkeypatch.setattr(os, "open", refuse_open)
    yield folder, "mocked"


def test_output_on_a_read_only_file_system(cli, read_only_folder, panel_parquet) -> None:
    folder, _ = read_only_folder
    out = folder / "out"
    line = one_error(cli("fit", panel_parquet, "-m", "naive", "-H", "2", "--output", out), 1)
    assert line == f"error: cannot write {out}: Read-only file system"
    result = cli("fit", panel_parquet, "-m", "naive", "-H", "2", "--save", folder / "m.fcm")
    assert result.code == 1 and result.stdout  # the forecasts are printed first
    assert result.stderr.splitlines()[-1] == (
        f"error: cannot write {folder / 'm.fcm'}: Read-only file system"
    )


def test_an_output_whose_success_marker_is_a_directory(cli, tmp_path, panel_parquet) -> None:
    out = tmp_path / "out"
    (out / "_SUCCESS").mkdir(parents=True)
    line = one_error(cli("fit", panel_parquet, "-m", "naive", "-H", "2", "--output", out))
    assert f"--output {out} holds _SUCCESS, which is not a part of a forecast output" in line
    assert (out / "_SUCCESS").is_dir()  # left as it was


def test_a_panel_model_file_with_no_series(cli, tmp_path, panel_parquet) -> None:
    path = tmp_path / "panel.fcm"
    assert cli("fit", panel_parquet, "-m", "naive", "--save", path, "-q", "-f", "csv").code == 0

    def empty(meta, arrays) -> None:
        meta["panel"]["series"] = []
        arrays.clear()

    forge(path, empty)  # checksum recomputed: a valid file that lies
    line = one_error(cli("predict", path, "-H", "2"))
    assert line == f"error: {path} is damaged: the model file has no series; refit the model"


# --- item 7: the value limit holds for every number that comes from a file ---------------------


def test_future_regressor_values_beyond_the_limit(cli, tmp_path) -> None:
    n = 60
    rng = np.random.default_rng(2)
    data = tmp_path / "data.csv"
    pd.DataFrame(
        {"ds": daily(n), "y": rng.normal(size=n).cumsum(), "x": rng.normal(size=n)}
    ).to_csv(data, index=False)
    future = write_csv(tmp_path, "ds,x\n2000-03-01,1e300\n2000-03-02,0.5\n", name="future.csv")
    line = one_error(cli("fit", data, "-m", "arima", "--exog", "x", "--future", future, "-H", "2"))
    assert line == (
        f"error: {future}: line 2: covariate 'x' has '1e300', beyond the value limit of 1e+100 "
        "(products and squares overflow); rescale the column, e.g. divide it by a power of ten"
    )  # was: forecasts of 1.07e299, exit 0
    frame = pd.read_csv(data)
    frame.loc[5, "x"] = -2e100
    frame.to_csv(data, index=False)
    line = one_error(cli("fit", data, "-m", "arima", "--exog", "x", "--future", future, "-H", "2"))
    assert "line 7: covariate 'x' has '-2e+100', beyond the value limit" in line


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, bytes]:
    """A one-series and a panel model file, fitted once."""
    from forecast.cli.app import main

    folder = tmp_path_factory.mktemp("saved")
    panel = folder / "panel.csv"
    panel_frame(["a", "b"]).to_csv(panel, index=False)
    out = {}
    for name, data in (("single", AIR), ("panel", panel)):
        path = folder / f"{name}.fcm"
        args = ["fit", str(data), "-m", "naive", "--save", str(path), "-q", "-f", "csv"]
        assert main(args) == 0
        out[name] = path.read_bytes()
    return out


FORGED = {
    "y-1e300": (
        "single",
        _array("y", np.full(144, 1e300)),
        "array 'y' holds 1e+300, beyond the value limit of 1e+100",
    ),
    "y-one-1e300": ("single", _array("y", np.r_[np.ones(143), -1e300]), "array 'y' holds 1e+300"),
    "panel-y": (
        "panel",
        _array("1/y", np.full(40, 1e300)),
        "(series b) is damaged: array 'y' holds 1e+300",
    ),
    "fitted-mse": (
        "single",
        _set("state", "fitted", "mse", value=1e300),
        "its fitted state holds 1e+300, not a finite number within 4e+200",
    ),
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_forged_values_beyond_the_limit_are_refused(cli, tmp_path, saved, case) -> None:
    kind, change, fragment = FORGED[case]
    path = tmp_path / "forged.fcm"
    path.write_bytes(saved[kind])
    forge(path, change)
    line = one_error(cli("predict", path, "-H", "3"))  # was: forecasts of 1e300, exit 0
    assert fragment in line


@pytest.fixture(scope="module")
def global_file(tmp_path_factory) -> Path:
    from forecast.io.modelfile import save_global_model
    from forecast.models.neural.global_model import GlobalForecaster
    from tests.models.neural.test_global_model import TINY, seasonal_panel

    model = GlobalForecaster("gru", TINY).fit(seasonal_panel(3, 60), calibrate_steps=12)
    return save_global_model(tmp_path_factory.mktemp("g") / "g.fcm", model, {"horizon": 6})


def _scaled(name: str, factor: float):
    def change(meta, arrays) -> None:
        arrays[name] = arrays[name] * factor

    return change


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            _array("scales", np.full(3, 1e300)),
            "array 'scales' holds 1e+300, beyond the value limit",
        ),
        (
            _array("scales", np.array([1.0, -1.0, 1.0])),
            "array 'scales' holds a scale that is not > 0",
        ),
        (
            _array("centers", np.full(3, -1e200)),
            "array 'centers' holds 1e+200, beyond the value limit",
        ),
        (_scaled("last_windows", 1e299), "array 'last_windows' holds"),
        (
            _scaled("calibration_errors", 1e99),
            "its calibration errors times its largest scale reach",
        ),
    ],
    ids=["scales", "negative-scale", "centers", "last-windows", "calibration"],
)
def test_forged_global_values_beyond_the_limit_are_refused(
    global_file, tmp_path, change, fragment
) -> None:
    from forecast.errors import ModelFileError

    path = tmp_path / "forged.fcm"
    path.write_bytes(global_file.read_bytes())
    forge(path, change)
    with pytest.raises(ModelFileError, match=re.escape(fragment)):
        modelfile.load_model_file(path)  # was: loaded, forecasts of 1e30 to 1e300
    loaded = modelfile.load_model_file(global_file)  # the original still loads and forecasts
    forecasts = loaded.model.predict(6, (80.0,))
    assert all(np.abs(f.mean).max() < 1e4 for f in forecasts.values())


# --- item 9 -------------------------------------------------------------------------------------


def test_bootstrap_replicates_are_limited_before_any_work() -> None:
    started = time.perf_counter()
    result = forecast(
        "backtest", AIR, "-m", "naive", "--scheme", "bootstrap", "--reps", "100000000"
    )
    assert result.returncode == 2, result.stderr  # was: 115 GB of indices, "out of memory"
    assert result.stderr == (
        "error: --reps must be between 2 and 10,000, got 100000000; each replicate is a whole "
        "backtest: ask for fewer\n"
    )
    result = forecast("backtest", AIR, "-m", "naive", "--ci", "--ci-reps", "100000000")
    assert result.returncode == 2 and "--ci-reps must be between 1 and 100,000" in result.stderr
    assert time.perf_counter() - started < 60


def test_a_timestamp_finer_than_a_nanosecond_is_refused(cli, tmp_path) -> None:
    rows = [f"{t.isoformat()},{v}" for t, v in zip(daily(30), np.arange(30.0) % 5, strict=True)]
    rows[10] = rows[10].replace("T00:00:00", "T00:00:00.0000000001")  # pandas keeps 9 digits
    path = write_csv(tmp_path, "ds,y\n" + "\n".join(rows) + "\n")
    line = one_error(cli("fit", path, "-m", "naive"))  # was: put on the grid, exit 0
    assert line == (
        "error: line 12: timestamp '2000-01-11T00:00:00.0000000001' in column 'ds' is finer than "
        "a nanosecond (off its grid by less than 1 ns); round it to nanoseconds"
    )
    rows[10] = rows[10].replace(".0000000001", ".0000000000")  # trailing zeros are exact
    path.write_text("ds,y\n" + "\n".join(rows) + "\n")
    assert cli("fit", path, "-m", "naive", "-f", "csv").code == 0


def test_epoch_seconds_off_by_nanoseconds_are_refused(cli, tmp_path) -> None:
    """946684800.00000001 is the nearest float to 946684800 (a float of 1e9 holds ~1e-7):
    reading the number alone put it on the grid."""
    rows = [f"{946684800 + 86400 * i},{i % 5}" for i in range(30)]
    rows[10] = rows[10].replace(",", ".00000001,", 1)
    path = write_csv(tmp_path, "timestamp,y\n" + "\n".join(rows) + "\n")
    line = one_error(cli("fit", path, "-m", "naive"))
    assert line == (
        "error: line 12: timestamp '947548800.00000001' in column 'timestamp' is not a whole "
        "number of seconds since 1970 (--time-format epoch); fix it"
    )


def test_a_panel_series_with_a_sub_nanosecond_stamp_is_left_out(cli, tmp_path) -> None:
    frame = panel_frame(["a", "b"], n=30)
    frame["ds"] = frame["ds"].map(lambda t: t.isoformat())
    frame.loc[40, "ds"] = frame.loc[40, "ds"] + ".0000000001"
    data = tmp_path / "panel.csv"
    frame.to_csv(data, index=False)
    result = cli("fit", data, "-m", "naive", "-H", "2", "-f", "csv")
    assert result.code == 1
    assert "series 'b' left out: line 42: timestamp" in result.stderr
    assert "is finer than a nanosecond" in result.stderr


def test_an_escape_sequence_in_an_id_is_escaped_in_the_table(cli, tmp_path) -> None:
    frame = panel_frame(["a\x1b[31mred", "b[/x]", "c[bold]"])
    data = tmp_path / "ids.csv"
    frame.to_csv(data, index=False)
    result = cli("fit", data, "-m", "naive", "-H", "2")  # a table, as on a terminal
    assert result.code == 0, result.stderr  # '[/x]' was rich markup: "internal error"
    assert "\x1b" not in result.stdout
    assert "a\\x1b[31mred" in result.stdout and "b[/x]" in result.stdout
    assert "c[bold]" in result.stdout
    csv = cli("fit", data, "-m", "naive", "-H", "2", "-f", "csv")
    assert "a\x1b[31mred" in csv.stdout  # data formats carry the id as it is
    assert json.loads(cli("fit", data, "-m", "naive", "-H", "2", "-f", "json").stdout)


def _off_grid_panel(tmp_path: Path, bad: int, good: int = 1) -> Path:
    names = [f"s{i}" for i in range(good + bad)]
    frame = panel_frame(names, n=30)
    frame["ds"] = frame["ds"].map(lambda t: t.isoformat())
    for i in range(good, good + bad):  # one stamp of each bad series an hour off the grid
        frame.loc[30 * i + 10, "ds"] = frame.loc[30 * i + 10, "ds"].replace("T00", "T01")
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "command",
    [["fit", "-m", "naive", "-H", "2"], ["backtest", "-m", "naive", "-H", "2"], ["diagnose"]],
)
def test_quiet_still_names_the_series_that_failed(cli, tmp_path, command) -> None:
    data = _off_grid_panel(tmp_path, bad=7)
    result = cli(command[0], data, *command[1:], "-q", "-f", "csv")
    assert result.code == 1
    assert result.stdout  # the other series' results
    assert result.stderr == (  # was: empty
        "error: 7 series failed or were left out: 's1', 's2', 's3', 's4', 's5' and 2 more; "
        "rerun without -q for the reasons (--format json lists them under failures)\n"
    )
    loud = cli(command[0], data, *command[1:], "-f", "csv")
    assert loud.stderr.count("warning: series 's") == 7  # without -q: one warning each
    assert "error:" not in loud.stderr


def test_a_wide_parquet_file_reads_only_the_columns_that_matter(tmp_path, monkeypatch) -> None:
    """3,000 unused numeric columns: the first rows are read for the time and value columns
    only (the schema says the others are numbers no option names). Was 37-55 s, against 0.1 s
    for the two columns alone: the sample of every column was turned to text and scanned."""
    from forecast import data as loader
    from forecast.data import table

    n = 300
    y = np.random.default_rng(1).normal(size=n)
    wide = {"ds": daily(n), "y": y, **{f"x{i}": np.zeros(n) for i in range(3000)}}
    pq.write_table(pa.table(wide), tmp_path / "wide.parquet")
    pq.write_table(pa.table({"ds": daily(n), "y": y}), tmp_path / "narrow.parquet")
    widths: list[int] = []
    as_text = table.as_text
    monkeypatch.setattr(
        table, "as_text", lambda frame: widths.append(frame.shape[1]) or as_text(frame)
    )
    costs = {}
    for name in ("narrow", "wide"):
        runs = []
        for _ in range(3):
            started = time.process_time()
            panel = loader.load(str(tmp_path / f"{name}.parquet"))
            runs.append(time.process_time() - started)
        np.testing.assert_array_equal(panel.single.y.to_numpy(), y)
        costs[name] = min(runs)
    assert set(widths) == {2}  # the sample held ds and y, never the 3,000 others
    # CPU time, best of 3: the wide file costs pyarrow's parse of its 3,000-field schema and
    # dataset set-up, about 0.1 s whatever the reader does (11x the narrow read once the loader
    # read the narrow file in 11 ms); reading every column's sample as before cost 37-55 s,
    # thousands of times the narrow read: 100x separates the two with room for any machine
    assert costs["wide"] < 100 * costs["narrow"], costs
