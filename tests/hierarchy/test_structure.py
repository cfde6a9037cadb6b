"""The hierarchy's tree, node ids and summing matrix; aggregated series against pandas groupby."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.errors import InputError
from forecast.hierarchy import structure

REFERENCE = Path(__file__).resolve().parent / "reconcile_reference.json"


def _frame(bottom: list[tuple], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(columns, row, strict=True)) for row in bottom])


def test_node_ids_levels_and_summing_matrix():
    frame = _frame([("N", 1), ("N", 2), ("S", 7), ("S", 1)], ["region", "store"])
    h = structure.from_columns(frame, ["region", "store"])
    assert h.nodes == (
        "total",
        "region=N",
        "region=S",
        "region=N/store=1",
        "region=N/store=2",
        "region=S/store=1",  # a store number reused in another region is another node
        "region=S/store=7",
    )
    assert h.level_names == ("total", "region", "region/store")
    assert h.level_starts == (0, 1, 3, 7)
    assert h.parents.tolist() == [-1, 0, 0, 1, 1, 2, 2]
    expected = [[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 1, 1], *np.eye(4).tolist()]
    np.testing.assert_array_equal(h.summing.toarray(), expected)
    assert (h.n_nodes, h.n_bottom, h.bottom) == (7, 4, slice(3, 7))
    assert h.level_rows("region") == slice(1, 3) and h.level_index(2) == 2


@pytest.mark.parametrize("name", ["small", "deep"])
def test_summing_matrix_equals_the_reference_trees(name):
    tree = json.loads(REFERENCE.read_text())["trees"][name]
    h = structure.from_columns(_frame(tree["bottom"], tree["columns"]), tree["columns"])
    assert sorted(h.nodes) == sorted(tree["nodes"])
    assert h.level_names == tuple(tree["levels"])
    rows = [tree["nodes"].index(node) for node in h.nodes]
    cols = [tree["nodes"].index(node) - (len(h.nodes) - h.n_bottom) for node in h.nodes[h.bottom]]
    np.testing.assert_array_equal(h.summing.toarray(), np.asarray(tree["S"])[np.ix_(rows, cols)])


def test_edges_give_the_same_tree_as_columns():
    frame = _frame([("N", 1), ("N", 2), ("S", 7)], ["region", "store"])
    by_columns = structure.from_columns(frame, ["region", "store"])
    edges = pd.DataFrame(
        {
            "parent": [by_columns.nodes[p] for p in by_columns.parents[1:]],
            "child": list(by_columns.nodes[1:]),
        }
    ).iloc[::-1]  # order of the rows does not matter
    by_edges = structure.from_edges(edges)
    assert by_edges.nodes == by_columns.nodes
    assert by_edges.level_names == ("level_0", "level_1", "level_2")
    np.testing.assert_array_equal(by_edges.summing.toarray(), by_columns.summing.toarray())


@pytest.mark.parametrize(
    ("parent", "child", "message"),
    [
        (["T", "T", "A"], ["A", "B", "A"], "two parents"),
        (["T", "U"], ["A", "B"], "exactly one root"),
        (["T", "A", "B"], ["A", "B", "A"], "two parents"),
        (["T", "A", "B"], ["A", "B", "C"], None),  # a chain is a tree (one node per level)
        (["T", "X", "Y"], ["A", "Y", "X"], "cycle"),
        (["T", "T", "A"], ["A", "B", "a1"], "same depth"),
        (["T"], ["T"], "own parent"),
    ],
)
def test_edges_that_are_not_a_tree_are_refused(parent, child, message):
    edges = pd.DataFrame({"parent": parent, "child": child})
    if message is None:
        assert structure.from_edges(edges).nodes == ("T", "A", "B", "C")
    else:
        with pytest.raises(InputError, match=message):
            structure.from_edges(edges)


def test_bad_columns_are_refused():
    frame = pd.DataFrame({"region": ["N", "a/b"], "store": [1, 2]})
    with pytest.raises(InputError, match="nor its values '/'"):
        structure.from_columns(frame, ["region", "store"])
    with pytest.raises(InputError, match="not in the data"):
        structure.from_columns(frame, ["state"])
    with pytest.raises(InputError, match="missing values"):
        structure.from_columns(pd.DataFrame({"region": ["N", None]}), ["region"])
    with pytest.raises(InputError, match="parent,child"):
        structure.from_edges(pd.DataFrame({"from": ["a"], "to": ["b"]}))


def test_level_names_and_positions():
    h = structure.from_columns(_frame([("N", 1)], ["region", "store"]), ["region", "store"])
    with pytest.raises(InputError, match="no level 'state'"):
        h.level_index("state")
    with pytest.raises(InputError, match="no level 3"):
        h.level_index(3)


bottoms = st.lists(
    st.tuples(st.sampled_from("abc"), st.integers(0, 3), st.integers(0, 4)), min_size=1, max_size=25
)


@settings(max_examples=50, deadline=None)
@given(bottom=bottoms, depth=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_aggregates_equal_pandas_groupby_sums(bottom, depth, seed):
    columns = ["region", "district", "store"][:depth]
    rows = sorted({row[:depth] for row in bottom})
    rng = np.random.default_rng(seed)
    n_times = 5
    panel = pd.DataFrame(
        [
            dict(zip(columns, row, strict=True), month=t, sales=float(rng.integers(0, 100)))
            for row in rows
            for t in range(n_times)
        ]
    ).sample(frac=1.0, random_state=seed % 1000)  # rows in any order
    h = structure.from_columns(panel, columns)
    times, values = structure.bottom_matrix(panel, h, columns, "month", "sales")
    assert times.tolist() == list(range(n_times)) and values.shape == (len(rows), n_times)
    every = h.aggregate(values)
    # S's structure: the identity at the bottom, one ancestor per level for every bottom series
    np.testing.assert_array_equal(h.summing[h.bottom].toarray(), np.eye(h.n_bottom))
    np.testing.assert_array_equal(h.summing.sum(axis=0), np.full((1, h.n_bottom), depth + 1))
    # integer sums of < 100 terms are exact in float64
    assert every[0].tolist() == panel.groupby("month")["sales"].sum().tolist()
    for k in range(depth):
        names = columns[: k + 1]
        ids = [
            "/".join(f"{c}={v}" for c, v in zip(names, row, strict=True))
            for row in panel[names].itertuples(index=False)
        ]
        sums = panel.assign(node=ids).groupby(["node", "month"])["sales"].sum()
        for node in h.nodes[h.level_rows(k + 1)]:
            assert every[h.nodes.index(node)].tolist() == sums[node].tolist()


def test_a_missing_bottom_value_makes_its_ancestors_missing():
    panel = pd.DataFrame(
        {"region": ["N", "N", "N", "S", "S"], "store": [1, 1, 2, 3, 3], "month": [0, 1, 0, 0, 1]}
    ).assign(sales=[1.0, 2.0, 3.0, 4.0, 5.0])
    h = structure.from_columns(panel, ["region", "store"])
    _, values = structure.bottom_matrix(panel, h, ["region", "store"], "month", "sales")
    every = h.aggregate(values)
    assert every[:, 0].tolist() == [8.0, 4.0, 4.0, 1.0, 3.0, 4.0]
    assert np.isnan(every[[0, 1, 4], 1]).all() and every[[2, 3, 5], 1].tolist() == [5.0, 2.0, 5.0]
    with pytest.raises(InputError, match="two rows"):
        structure.bottom_matrix(pd.concat([panel, panel]), h, ["region", "store"], "month", "sales")
