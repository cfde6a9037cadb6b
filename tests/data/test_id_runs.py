"""The series a CSV reader found (``Table.id_runs``: ids listed one series after another in
sorted order) used by the panel builder instead of finding them again (issue 26 part 6),
against the same file read by pandas' parser, which gives no runs and takes the general path:
the same panel, failures and messages, exactly. The files put the times of a series out of
order and repeat some (the sort and duplicate checks then work within the runs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.data.test_arrow_loader import _outcome, _slow, assert_same_panel

from forecast.data.read import read_table


def _file(seed: int, k: int, shuffle_times: bool, duplicate: bool, empty_id: bool) -> str:
    rng = np.random.default_rng(seed)
    lines, start = ["id,ds,y"], 1
    for s in range(k):
        name = "" if empty_id and s == 0 else f"s{s:02d}"
        months = list(range(start, start + int(rng.integers(3, 12))))
        start = months[-1]  # the next series starts on this one's last month: not a duplicate
        if shuffle_times:
            rng.shuffle(months)
        if duplicate and s % 2:
            months.insert(int(rng.integers(0, len(months))), months[0])
        lines += [
            f"{name},{2021 + (m - 1) // 12}-{1 + (m - 1) % 12:02d}-01,{rng.normal(5, 2):.4f}"
            for m in months
        ]
    return "\n".join(lines) + "\n"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    k=st.integers(1, 6),
    shuffle_times=st.booleans(),
    duplicate=st.booleans(),
    empty_id=st.booleans(),
    missing=st.sampled_from(["error", "drop", "ffill"]),
)
def test_a_panel_from_id_runs_equals_the_general_path(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    k: int,
    shuffle_times: bool,
    duplicate: bool,
    empty_id: bool,
    missing: str,
) -> None:
    path = tmp_path / "runs.csv"
    path.write_text(_file(seed, k, shuffle_times, duplicate, empty_id))
    table = read_table(str(path))
    if empty_id:  # a missing id (pyarrow reads an empty one as missing): no runs
        assert table.id_runs is None
    else:
        assert table.id_runs is not None and len(table.id_runs) == k  # the runs were found
    options = {"missing": missing, "min_length": 3, "allow_empty": True}
    fast = _outcome(str(path), **options)
    with monkeypatch.context() as m:
        _slow(m)
        assert read_table(str(path)).id_runs is None  # pandas' rows: the general path
        slow = _outcome(str(path), **options)
    assert_same_panel(fast, slow)
    if not duplicate and not isinstance(fast, str):
        assert not [f for f in fast.failures if "duplicate" in f.reason]


def test_unsorted_ids_give_no_runs(tmp_path: Path) -> None:
    path = tmp_path / "unsorted.csv"
    path.write_text("id,ds,y\nb,2021-01-01,1\nb,2021-02-01,2\na,2021-01-01,3\na,2021-02-01,4\n")
    assert read_table(str(path)).id_runs is None
