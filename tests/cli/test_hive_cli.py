"""Every command that reads data reads a Hive-partitioned Parquet directory as it reads the same
panel from one flat CSV file: the same bytes on stdout, one result per series (issue #31)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from tests.panel.helpers import make_panel

K = 6  # series in the panel
COMMANDS = {
    "diagnose": ["diagnose"],
    "fit": ["fit", "-m", "theta", "-H", "3"],
    "backtest": ["backtest", "-m", "naive", "-m", "drift", "-H", "2", "--step", "6"],
}


def _panel() -> pd.DataFrame:
    """``K`` monthly series whose ids look like numbers (``"001"``...): a reader that infers
    the partition type would turn them into 1, 2..."""
    frame = make_panel(31, K, min_n=30, max_n=40)
    frame["unique_id"] = frame["unique_id"].str.replace("s", "0")  # s00 -> 000
    frame["region"] = frame["unique_id"].map(lambda s: "north" if int(s) % 2 else "south")
    return frame


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The panel as a flat CSV, one partition level (``unique_id=000/``) and two
    (``region=north/unique_id=001/``)."""
    folder = tmp_path_factory.mktemp("hive")
    frame = _panel()
    frame.sort_values(["unique_id", "ds"]).to_csv(folder / "flat.csv", index=False)
    frame.drop(columns="region").to_parquet(folder / "one", partition_cols=["unique_id"])
    frame.to_parquet(folder / "two", partition_cols=["region", "unique_id"])
    assert (folder / "two" / "region=north" / "unique_id=001").is_dir()
    return {name: str(folder / name) for name in ("flat.csv", "one", "two")}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("layout", ["one", "two"])
def test_a_hive_directory_gives_the_flat_files_results(cli, layouts, command, layout) -> None:
    args = [*COMMANDS[command], "-f", "csv"]
    flat = cli(*args[:1], layouts["flat.csv"], *args[1:])
    hive = cli(*args[:1], layouts[layout], *args[1:])
    assert flat.code == 0, flat.stderr
    assert (hive.code, hive.stderr) == (0, flat.stderr)
    assert hive.stdout == flat.stdout
    rows = pd.read_csv(io.StringIO(hive.stdout), dtype={"id": str})
    ids = sorted(rows["id"].dropna().unique())  # backtest's aggregate rows have no id
    assert ids == [f"{k:03d}" for k in range(K)]  # exactly the K series, ids as written


def test_the_issues_command_now_fits(cli, tmp_path: Path) -> None:
    """`df.to_parquet("hive", partition_cols=["unique_id"])` then `forecast fit hive -m naive`
    (refused before with "hive is a directory, not a CSV file")."""
    frame = _panel().drop(columns="region")
    frame.to_parquet(tmp_path / "hive", partition_cols=["unique_id"])
    result = cli("fit", tmp_path / "hive", "-m", "naive", "-f", "json")
    assert result.code == 0, result.stderr
    assert '"forecast": 6' in result.stdout


def test_a_folder_without_part_files_is_one_error_line(cli, tmp_path: Path) -> None:
    (tmp_path / "hive" / "unique_id=A").mkdir(parents=True)
    result = cli("fit", tmp_path / "hive", "-m", "naive")
    assert result.code == 2
    assert result.stderr == (
        f"error: {tmp_path / 'hive'} is a directory with no .parquet part files; give a "
        "directory of *.parquet files (flat, or Hive-partitioned: unique_id=A/part-0.parquet), "
        "a .parquet file or a CSV file\n"
    )
