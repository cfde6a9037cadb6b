"""`fit/backtest --hierarchy-file EDGES` (issue 30): the tree as parent,child edges over a panel
whose series are the leaves gives the same reconciled forecasts as the same tree given by
columns (--hierarchy region/store), and bad trees or panels are refused with one line, exit 2."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SAMPLES

EDGES = SAMPLES / "retail_regions_edges.csv"  # total -> north, south -> stores 1-5, 6-12
PANEL = SAMPLES / "retail_panel.csv"  # the stores alone (id column: store)
REGIONS = SAMPLES / "retail_regions.csv"  # the same rows with a region column


def _as_columns(node: str) -> str:
    """The file's node id as --hierarchy region/store names it."""
    if node == "total":
        return node
    if node.startswith("store_"):
        region = "north" if int(node[-2:]) <= 5 else "south"
        return f"region={region}/store={node}"
    return f"region={node}"


def _csv(result) -> pd.DataFrame:
    assert result.code == 0, result.stderr
    return pd.read_csv(io.StringIO(result.stdout))


def test_fit_equals_the_same_tree_given_by_columns(cli) -> None:
    methods = "bottom-up,top-down,mint-ols,mint-wls-struct,mint-shrink"
    common = ["-m", "theta", "-H", "3", "-l", "80", "-f", "csv"]
    by_file = _csv(cli("fit", PANEL, "--hierarchy-file", EDGES, "--reconcile",
                       methods + ",middle-out:level_1", *common))  # fmt: skip
    by_columns = _csv(cli("fit", REGIONS, "--hierarchy", "region/store", "--reconcile",
                          methods + ",middle-out:region", *common))  # fmt: skip
    by_file["id"] = by_file["id"].map(_as_columns)
    by_file["model"] = by_file["model"].str.replace("level_1", "region")
    assert len(by_file) == (1 + 2 + 12) * 3 * 6
    keys = ["id", "model", "timestamp"]
    merged = by_file.merge(by_columns, on=keys, suffixes=("_file", "_columns"))
    assert len(merged) == len(by_file) == len(by_columns)
    # the same series, fits and node order: the same arithmetic, bit for bit (the bands come
    # from paths seeded by the node ids, which differ between the two namings)
    np.testing.assert_array_equal(merged["mean_file"], merged["mean_columns"])


def test_backtest_equals_the_same_tree_given_by_columns(cli, tmp_path: Path) -> None:
    common = ["-m", "naive", "--reconcile", "top-down,mint-shrink", "-H", "3", "--initial",
              "84", "--step", "4", "-q", "-f", "json"]  # fmt: skip
    file_rows, column_rows = tmp_path / "file.csv", tmp_path / "columns.csv"
    one = cli("backtest", PANEL, "--hierarchy-file", EDGES, "--forecasts", file_rows, *common)
    two = cli("backtest", REGIONS, "--hierarchy", "region/store", "--forecasts", column_rows,
              *common)  # fmt: skip
    assert one.code == 0 and two.code == 0, one.stderr + two.stderr
    by_file, by_columns = pd.read_csv(file_rows), pd.read_csv(column_rows)
    by_file["id"] = by_file["id"].map(_as_columns)
    keys = ["id", "model", "origin", "target"]
    merged = by_file.merge(by_columns, on=keys, suffixes=("_file", "_columns"))
    assert len(merged) == len(by_file) == len(by_columns) > 0
    assert {"naive/top-down", "naive/mint-shrink"} <= set(merged["model"])
    np.testing.assert_array_equal(merged["mean_file"], merged["mean_columns"])


def _edges(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "edges.csv"
    path.write_text("parent,child\n" + "\n".join(rows) + "\n")
    return path


STORES = [f"{'north' if i <= 5 else 'south'},store_{i:02d}" for i in range(1, 13)]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["total,north", "total,south", *STORES, "south,store_01"], "has two parents"),
        (["total,north", "total,south", *STORES, "x,y", "y,x"], "has a cycle"),
        (["total,north", "total,south", *STORES, "other,store_13"], "exactly one root"),
        (["total,north", "total,south", *STORES[:-1], "total,store_12"], "same depth"),
        (["total,north", "total,south", *STORES, "south,store_99"], "'store_99' are not series"),
        (["total,north", "total,south", *STORES[:-2]], "'store_11', 'store_12' of the data are"),
    ],
)
def test_bad_trees_are_refused(cli, tmp_path: Path, rows: list[str], message: str) -> None:
    result = cli("fit", PANEL, "-m", "naive", "--hierarchy-file", _edges(tmp_path, rows), "-H", "2")
    assert result.code == 2, result.stderr
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_the_tree_is_given_once(cli) -> None:
    for command in ("fit", "backtest"):
        result = cli(command, REGIONS, "-m", "naive", "--hierarchy", "region/store",
                     "--hierarchy-file", EDGES, "-H", "2")  # fmt: skip
        assert result.code == 2 and "not both" in result.stderr


def test_middle_out_names_a_level_of_the_file(cli) -> None:
    result = cli("fit", PANEL, "-m", "naive", "--hierarchy-file", EDGES, "--reconcile",
                 "middle-out:region", "-H", "2")  # fmt: skip
    assert result.code == 2 and "level_0" in result.stderr
