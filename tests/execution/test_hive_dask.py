"""--engine dask on a Hive-partitioned Parquet directory (a LocalCluster on 127.0.0.1): each
worker reads its own ``KEY=VALUE`` folders, the partition values restored as columns, and the
results are those of the local engine (issue #31)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.panel.helpers import make_panel

pytestmark = [pytest.mark.slow, pytest.mark.system]
K = 8


@pytest.fixture
def hive(tmp_path: Path) -> Path:
    """``region=R/unique_id=00N/*.parquet``, ids that look like numbers; one series' folder
    holds two files (a writer that appends), which is still one part."""
    frame = make_panel(41, K, min_n=30, max_n=40)
    frame["unique_id"] = frame["unique_id"].str.replace("s", "0")
    frame["region"] = frame["unique_id"].map(lambda s: "north" if int(s) % 2 else "south")
    frame.sort_values(["unique_id", "ds"]).to_csv(tmp_path / "flat.csv", index=False)
    folder = tmp_path / "hive"
    first = frame[frame["ds"] < "2017-01-01"]
    frame.drop(first.index).to_parquet(folder, partition_cols=["region", "unique_id"])
    first.to_parquet(folder, partition_cols=["region", "unique_id"])  # a second file each
    assert len(list((folder / "region=south" / "unique_id=000").glob("*.parquet"))) == 2
    return folder


@pytest.fixture
def client_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every source the client reads with ``forecast.data.read.read_table`` from now on."""
    import forecast.data.read

    calls: list[str] = []
    real = forecast.data.read.read_table
    monkeypatch.setattr(
        forecast.data.read,
        "read_table",
        lambda source, **kw: calls.append(source) or real(source, **kw),
    )
    return calls


@pytest.mark.parametrize(
    "args",
    [
        ["fit", "-m", "theta", "-H", "3", "-f", "csv"],
        ["diagnose", "-f", "csv"],
        ["backtest", "-m", "naive", "-m", "drift", "-H", "2", "--step", "6", "-f", "csv"],
    ],
    ids=["fit", "diagnose", "backtest"],
)
def test_the_workers_read_the_partition_folders(
    cli, scheduler: str, hive: Path, client_loads: list[str], args: list[str]
) -> None:
    command, rest = args[0], args[1:]
    flat = cli(command, hive.parent / "flat.csv", *rest)
    assert flat.code == 0, flat.stderr
    del client_loads[:]
    dask = cli(command, hive, *rest, "--engine", "dask", "--scheduler", scheduler)
    assert client_loads == []  # the workers read the data, the client none of it
    assert (dask.code, dask.stdout) == (0, flat.stdout)
    rows = pd.read_csv(io.StringIO(dask.stdout), dtype={"id": str})
    assert sorted(rows["id"].dropna().unique()) == [f"{k:03d}" for k in range(K)]


def test_the_plan_counts_one_part_per_folder(cli, scheduler: str, hive: Path) -> None:
    result = cli("fit", hive, "-m", "naive", "-f", "json", "--engine", "dask",
                 "--scheduler", scheduler)  # fmt: skip
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)["data"]
    assert (data["parts"], data["n_series"], data["id_col"]) == (K, K, "unique_id")


def test_a_series_in_two_folders_is_named_with_its_folders(
    cli, scheduler: str, tmp_path: Path
) -> None:
    """Partitioned by region only, a series of both regions cannot be one worker's part."""
    frame = make_panel(43, 2, min_n=30, max_n=30)
    frame["region"] = ["north" if k % 2 else "south" for k in range(len(frame))]
    frame.to_parquet(tmp_path / "byregion", partition_cols=["region"])
    result = cli("fit", tmp_path / "byregion", "-m", "naive", "--engine", "dask",
                 "--scheduler", scheduler)  # fmt: skip
    assert result.code == 2
    assert "is split across region=north and region=south; --engine dask reads one part" in (
        result.stderr
    )


def test_the_workers_output_without_a_marker_reads_back_as_one_dataset(
    cli, scheduler: str, hive: Path, tmp_path: Path
) -> None:
    """--engine dask --output DIR --success-file none: only part files, which pyarrow reads
    back as the rows of the local run (the same float64 values: compared exactly)."""
    import pyarrow.dataset as ds

    out = tmp_path / "out"
    args = ["fit", hive, "-m", "theta", "-H", "3", "-q"]
    flat = cli(*args, "-f", "csv")
    dask = cli(*args, "--output", out, "--success-file", "none", "--engine", "dask",
               "--scheduler", scheduler)  # fmt: skip
    assert dask.code == 0, dask.stderr
    assert all(p.name.startswith("part-") for p in out.iterdir())
    back = ds.dataset(str(out)).to_table().to_pandas()
    printed = pd.read_csv(io.StringIO(flat.stdout), dtype={"id": str}, parse_dates=["timestamp"])
    printed["timestamp"] = printed["timestamp"].astype("datetime64[ns]")
    pd.testing.assert_frame_equal(back, printed, check_dtype=False)
