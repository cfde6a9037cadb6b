"""The vectorised panel path (forecast.fitting.batch) gives every series exactly what the
per-series path gives it: the same rows (bit for bit: the same numpy operations on the same
values, only over a block of rows), the same notes, fallbacks and failures, in the same order,
in every output it writes (CSV on stdout or in a file, a Parquet file, a directory of parts),
in both column layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import forecast.fitting.batch as batch
from tests.panel.helpers import run_cli

MODELS = ["naive", "drift", "mean", "snaive"]


def _series(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n)
    if kind == "constant":
        return np.full(n, 3.0)
    if kind == "intermittent":  # >= 30 % zeros and no negative value: floored with a note
        return np.where(rng.random(n) < 0.6, 0.0, rng.integers(1, 9, n)).astype(float)
    if kind == "gap":  # a missing value: the loader's policy decides, on both paths alike
        y = rng.normal(size=n).cumsum()
        y[n // 2] = np.nan
        return y
    season = 10 * np.sin(2 * np.pi * t / 12) if kind == "seasonal" else 0.0
    return np.round(100 + season + rng.normal(size=n).cumsum(), 3)


def _panel_csv(path: Path, rows: list[tuple[str, int, int]], freq: str, seed: int) -> Path:
    """A long CSV: per series its kind, length and start offset (different last stamps)."""
    rng = np.random.default_rng(seed)
    frames = []
    for i, (kind, n, shift) in enumerate(rows):
        stamps = pd.date_range("2015-01-01", periods=n + shift, freq=freq)[shift:]
        values = _series(kind, n, rng)
        frames.append(pd.DataFrame({"id": f"s{i:03d}", "date": stamps, "y": values}))
    pd.concat(frames).to_csv(path, index=False)
    return path


KINDS = st.sampled_from(
    ["plain", "plain", "seasonal", "seasonal", "constant", "intermittent", "gap"]
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.tuples(KINDS, st.integers(2, 60), st.integers(0, 3)), min_size=1, max_size=12),
    model=st.sampled_from(MODELS),
    freq=st.sampled_from(["D", "MS"]),
    horizon=st.integers(1, 14),
    seed=st.integers(0, 2**16),
)
def test_the_vectorised_path_equals_the_per_series_path(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[tuple[str, int, int]],
    model: str,
    freq: str,
    horizon: int,
    seed: int,
) -> None:
    data = _panel_csv(tmp_path_factory.mktemp("batch") / "panel.csv", rows, freq, seed)
    args = ["fit", data, "-m", model, "-H", horizon, "-l", "80", "-l", "95", "-f", "csv"]
    assert run_cli(args, True, monkeypatch) == run_cli(args, False, monkeypatch)


def test_every_output_is_the_same_and_the_blocks_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blocks_made: list[int]
) -> None:
    """60 monthly series (a few constant, intermittent, short or with a gap) through each
    output and layout; most series go by blocks."""
    kinds = ["seasonal", "plain", "seasonal", "constant", "intermittent", "gap"] * 10
    rows = [(k, 30 if i % 17 else 8, i % 3) for i, k in enumerate(kinds)]
    data = _panel_csv(tmp_path / "panel.csv", rows, "MS", 7)
    for model in MODELS:
        for extra in ([], ["--columns", "nixtla", "--keep-names"], ["--floor", "90"]):
            args = ["fit", data, "-m", model, "-H", 13, "-f", "csv", *extra]
            assert run_cli(args, True, monkeypatch) == run_cli(args, False, monkeypatch)
        outputs = {}
        for name, vectorised in (("vec", True), ("one", False)):
            for target in (f"{name}.parquet", f"{name}.csv", f"{name}-dir"):
                args = ["fit", data, "-m", model, "-H", 4, "--output", tmp_path / target, "-q"]
                outputs[target] = run_cli(args, vectorised, monkeypatch)
        assert outputs["vec.parquet"][:2] == outputs["one.parquet"][:2]
        vec, one = (
            pd.read_parquet(tmp_path / "vec.parquet"),
            pd.read_parquet(tmp_path / "one.parquet"),
        )
        pd.testing.assert_frame_equal(vec, one)
        assert (tmp_path / "vec.csv").read_text() == (tmp_path / "one.csv").read_text()
        for side in ("vec", "one"):  # the failures beside the outputs
            assert (tmp_path / f"{side}.failures.csv").exists()
        assert (tmp_path / "vec.failures.csv").read_text() == (
            tmp_path / "one.failures.csv"
        ).read_text()
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "vec-dir"), pd.read_parquet(tmp_path / "one-dir")
        )
        assert (tmp_path / "vec-dir" / "_SUCCESS").read_text() == (
            tmp_path / "one-dir" / "_SUCCESS"
        ).read_text()
    assert sum(blocks_made) >= len(MODELS) * 6 * 28  # 6 runs each, most of 30 normal series


def test_parts_are_cut_at_their_size_across_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory output holds the same parts whichever path made the rows (23 series, one
    worker: parts of ceil(23 / 4) = 6 series, cut inside blocks)."""
    rows = [("plain", 20, 0)] * 12 + [("constant", 20, 0)] + [("plain", 20, 0)] * 10
    data = _panel_csv(tmp_path / "panel.csv", rows, "D", 3)
    for name, vectorised in (("vec", True), ("one", False)):
        args = ["fit", data, "-m", "naive", "-H", 2, "--output", tmp_path / name, "-q", "-j", 1]
        assert run_cli(args, vectorised, monkeypatch)[0] == 0
    parts = sorted(p.name for p in (tmp_path / "vec").glob("part-*"))
    assert len(parts) == 4
    assert parts == sorted(p.name for p in (tmp_path / "one").glob("part-*"))
    for part in parts:
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "vec" / part), pd.read_parquet(tmp_path / "one" / part)
        )


def test_future_stamps_equal_future_index_per_series() -> None:
    from forecast.data import future_index

    last = pd.DatetimeIndex(["2020-01-31", "2020-02-29", "2020-01-31", "2019-12-31"])
    got = batch.future_stamps(last.as_unit("ns").asi8, "ME", 3)
    for row, end in zip(got, last, strict=True):
        assert (row == future_index(end, "ME", 3).as_unit("ns").asi8).all()


def test_runs_split_by_value() -> None:
    ok = np.array([True, True, False, True, False, False])
    runs = [(r.tolist(), v) for r, v in batch._runs(ok)]
    assert runs == [([0, 1], True), ([2], False), ([3], True), ([4, 5], False)]


@pytest.mark.parametrize("model", ["croston", "croston-sba", "tsb", "adida", "imapa"])
def test_intermittent_models_by_blocks_equal_per_series(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blocks_made: list[int], model: str
) -> None:
    """Weekly demand: most series intermittent, one all zero (constant: per series, with its
    note), one with a negative value (refused: a failure), lengths 30 and 52."""
    kinds = ["intermittent"] * 18 + ["constant", "plain"]
    rows = [(k, 52 if i % 2 else 30, 0) for i, k in enumerate(kinds)]
    data = _panel_csv(tmp_path / "demand.csv", rows, "W-SUN", 11)
    frame = pd.read_csv(data)
    frame.loc[frame["id"] == "s018", "y"] = 0.0
    frame.loc[(frame["id"] == "s019").to_numpy().nonzero()[0][:1], "y"] = -1.0
    frame.to_csv(data, index=False)
    name, *variant = model.split("-")
    params = ["-p", f"variant={variant[0]}"] if variant else []
    args = ["fit", data, "-m", name, *params, "-H", 6, "-f", "csv"]
    vec, one = run_cli(args, True, monkeypatch), run_cli(args, False, monkeypatch)
    assert vec == one
    assert vec[0] == 1 and "s019" in vec[2]  # a negative demand: refused
    assert sum(blocks_made) == 18
