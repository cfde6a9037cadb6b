"""``--success-file NAME|none``: the marker of ``--output DIR`` (issue #31). With ``none`` the
directory holds only part files, which pyarrow, polars and duckdb read back as the rows the
run prints with ``-f csv``; a marker of any name (or none) never blocks the next run into DIR,
and a file that is not ours still does."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from forecast.errors import UsageError
from forecast.report.parquet_parts import check_directory_output, marker_name
from tests.panel.helpers import make_panel

K = 7
FIT = ["fit", "-m", "theta", "-H", "3"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("success") / "panel.csv"
    make_panel(51, K, min_n=30, max_n=40).to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def printed(data: str) -> pd.DataFrame:
    """The rows the run prints with -f csv (pandas 3 parses the shortest repr back to the
    same float64)."""
    from forecast.cli.app import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*FIT[:1], data, *FIT[1:], "-f", "csv", "-q"]) == 0
    text = out.getvalue()
    frame = pd.read_csv(io.StringIO(text), parse_dates=["timestamp"])
    return _sorted(frame)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values(["id", "model", "timestamp"]).reset_index(drop=True)
    frame["timestamp"] = frame["timestamp"].astype("datetime64[ns]")
    return frame


def _fit(cli, data: str, out: Path, *more: str):
    result = cli(*FIT[:1], data, *FIT[1:], "--output", out, "-q", *more)
    assert result.code == 0, result.stderr
    return result


def test_none_leaves_only_part_files_that_every_reader_reads(
    cli, data: str, printed: pd.DataFrame, tmp_path: Path
) -> None:
    import duckdb
    import polars as pl
    import pyarrow.dataset as ds

    out = tmp_path / "out"
    _fit(cli, data, out, "--success-file", "none")
    names = sorted(p.name for p in out.iterdir())
    assert names and all(n.startswith("part-") and n.endswith(".parquet") for n in names)
    assert printed["id"].nunique() == K
    by_arrow = ds.dataset(str(out)).to_table().to_pandas()
    by_polars_dir = pl.scan_parquet(f"{out}/").collect().to_pandas()
    by_polars = pl.scan_parquet(f"{out}/*.parquet").collect().to_pandas()
    by_duckdb = duckdb.sql(f"SELECT * FROM read_parquet('{out}/*.parquet')").df()
    for frame in (by_arrow, by_polars_dir, by_polars, by_duckdb):
        # the same float64 values written and read: equal bit for bit, no tolerance needed
        pd.testing.assert_frame_equal(_sorted(frame), printed, check_dtype=False)


def test_the_default_marker_and_the_globs_that_skip_it(
    cli, data: str, printed: pd.DataFrame, tmp_path: Path
) -> None:
    import duckdb
    import polars as pl

    out = tmp_path / "out"
    _fit(cli, data, out)
    marker = json.loads((out / "_SUCCESS").read_text(encoding="utf-8"))
    assert marker["summary"]["forecast"] == K and marker["failures"] == []
    by_polars = pl.scan_parquet(f"{out}/*.parquet").collect().to_pandas()
    by_duckdb = duckdb.sql(f"SELECT * FROM read_parquet('{out}/*.parquet')").df()
    for frame in (by_polars, by_duckdb):
        pd.testing.assert_frame_equal(_sorted(frame), printed, check_dtype=False)


def test_a_named_marker_is_written_and_any_marker_is_replaced_by_the_next_run(
    cli, data: str, tmp_path: Path
) -> None:
    """Reruns into one DIR with a different marker each time: the earlier marker (recognised
    by its JSON) never blocks the rerun, and goes with the directory it belonged to."""
    out = tmp_path / "out"
    _fit(cli, data, out, "--success-file", "_DONE")
    assert json.loads((out / "_DONE").read_text())["summary"]["series"] == K
    assert not (out / "_SUCCESS").exists()
    before = (out / "_DONE").stat()
    _fit(cli, data, out, "--success-file", "_DONE")
    after = (out / "_DONE").stat()
    assert (before.st_dev, before.st_ino) != (after.st_dev, after.st_ino)  # a reader can tell
    _fit(cli, data, out, "--success-file", "READY")
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("part-")) == ["READY"]
    _fit(cli, data, out)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("part-")) == ["_SUCCESS"]
    inode = out.stat().st_ino
    _fit(cli, data, out, "--success-file", "none")
    assert all(p.name.startswith("part-") for p in out.iterdir())
    assert out.stat().st_ino != inode  # no marker: the directory's own inode tells the swap
    _fit(cli, data, out)
    assert (out / "_SUCCESS").is_file()


def test_a_file_that_is_not_a_marker_still_blocks_the_run(cli, data: str, tmp_path: Path) -> None:
    """Naming a foreign file as the marker does not make it ours: it would be deleted."""
    out = tmp_path / "out"
    _fit(cli, data, out)
    for name, text in (("README", "mine"), ("notes.json", '{"summary": 1}')):
        (out / name).write_text(text)
        result = cli(*FIT[:1], data, *FIT[1:], "--output", out, "--success-file", name)
        assert result.code == 2
        assert result.stderr == (
            f"error: --output {out} holds {name}, which is not a part of a forecast output; a "
            "run replaces the whole directory: name a new or empty directory\n"
        )
        assert (out / name).read_text() == text
        os.unlink(out / name)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("a/b", "is not a plain file name"),
        ("..", "is not a plain file name"),
        ("", "is not a plain file name"),
        ("done.parquet", "would be read as a part file"),
        ("DONE.PQ", "would be read as a part file"),
    ],
)
def test_a_marker_name_that_cannot_work_is_a_usage_error(
    cli, data: str, tmp_path: Path, name: str, problem: str
) -> None:
    result = cli(*FIT[:1], data, *FIT[1:], "--output", tmp_path / "out", "--success-file", name)
    assert result.code == 2
    assert result.stderr.startswith(f"error: Invalid value for '--success-file': {problem}; ")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()
    with pytest.raises(UsageError, match=problem):
        marker_name(name)


def test_marker_names_and_recognised_markers() -> None:
    assert marker_name("none") is None
    assert marker_name("_SUCCESS") == "_SUCCESS" and marker_name(".done") == ".done"


def test_a_large_file_is_not_read_to_see_whether_it_is_a_marker(tmp_path: Path) -> None:
    import forecast.report.parquet_parts as parts

    out = tmp_path / "out"
    out.mkdir()
    text = json.dumps({"failures": [], "summary": {"series": 1, "forecast": 1, "failed": 0}})
    (out / "_OLD").write_text(text)
    check_directory_output(out)  # an earlier run's marker under another name
    (out / "_OLD").write_text(text + " " * parts.MARKER_BYTES)
    with pytest.raises(UsageError, match="holds _OLD, which is not a part"):
        check_directory_output(out)
    check_directory_output(out, "_OLD")  # this run's own marker name: ours by name


def test_predict_takes_the_option_and_diagnose_backtest_do_not(cli, data, tmp_path) -> None:
    model = tmp_path / "m.fcm"
    assert cli("fit", data, "-m", "naive", "--save", model, "-q").code == 0
    out = tmp_path / "pred"
    result = cli("predict", model, "-H", "2", "--output", out, "--success-file", "none", "-q")
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.parquet"]
    for command in ("diagnose", "backtest"):
        refused = cli(command, data, "--success-file", "none")
        assert refused.code == 2 and "No such option: --success-file" in refused.stderr
