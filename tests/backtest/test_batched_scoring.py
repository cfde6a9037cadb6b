"""Blocks of series scored at once (forecast.backtesting.batched_scoring) give what the
per-series scoring gives: the metrics row by row equal to scoring.compute (bit for bit: each
row's points are summed in the order of the per-series flat mean), and every output of
`forecast backtest` on a panel (json, csv, table, the HTML and Markdown reports, --forecasts,
--ci/--compare) byte-equal to the run that scores series by series, with the same batch
forecasts (block scoring switched off) and with no batch function at all."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from forecast.backtesting import batched, batched_scoring, scoring
from forecast.backtesting.panel_backtest import SeriesBacktest
from tests.panel.helpers import run_cli

MODELS = ["-m", "snaive", "-m", "naive", "-m", "theta", "-m", "croston"]


def _panel(seed: int, k: int, lengths: tuple[int, ...], path: Path) -> Path:
    """``k`` monthly series of the given lengths: seasonal walks, intermittent demand (zero
    actuals: MAPE leaves them out), a constant series, a constant training stretch (MASE
    scale 0), missing values (interpolated) and a series too short for the folds."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(k):
        n = lengths[i % len(lengths)]
        t = np.arange(n)
        kind = rng.integers(0, 6)
        if kind == 0:
            y = np.where(rng.random(n) < 0.5, 0.0, rng.integers(1, 9, n)).astype(float)
        elif kind == 1:
            y = np.full(n, 4.0)
        else:
            y = np.round(30 + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(size=n).cumsum(), 3)
            if kind == 2:
                y[: n // 2] = 9.0
            if kind == 3:
                y[rng.integers(1, n - 1)] = np.nan
        stamps = pd.date_range("2016-01-01", periods=n, freq="MS")
        frames.append(pd.DataFrame({"id": f"s{i:02d}", "date": stamps, "y": y}))
    pd.concat(frames).to_csv(path, index=False)
    return path


def _block_scorer_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Series by series with the batch forecasts given (today's path before block scoring)."""
    monkeypatch.setattr(batched, "can_score", lambda entries: False)


def _runs(args: list[object], monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str, str]]:
    """``args`` scored in blocks, series by series with the batch forecasts, and series by
    series with no batch function."""
    fast = run_cli(args, True, monkeypatch)
    with monkeypatch.context() as patch:
        _block_scorer_off(patch)
        per_series = run_cli(args, True, patch)
    return [fast, per_series, run_cli(args, False, monkeypatch)]


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of series each block scored."""
    counts: list[int] = []
    original = batched_scoring.score_block

    def counting(*args: object) -> object:
        out = original(*args)  # type: ignore[arg-type]
        if out is not None:
            counts.append(int(out[1].sum()))
        return out

    monkeypatch.setattr(batched_scoring, "score_block", counting)
    return counts


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a shrink takes minutes of CLI runs
)
@given(
    seed=st.integers(0, 2**16),
    k=st.integers(2, 9),
    lengths=st.lists(st.sampled_from([13, 40, 41, 52]), min_size=1, max_size=3),
    step=st.sampled_from([1, 3]),
)
def test_random_panels_score_as_series_by_series(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    k: int,
    lengths: list[int],
    step: int,
) -> None:
    path = _panel(seed, k, tuple(lengths), tmp_path_factory.mktemp("p") / "panel.csv")
    base = ["backtest", path, "-H", 4, "--step", step, "--missing", "interpolate", *MODELS]
    counts = _counted(monkeypatch)
    for fmt in ("json", "csv"):
        fast, per_series, unbatched = _runs([*base, "-f", fmt, "-q"], monkeypatch)
        assert fast == per_series
        assert fast == unbatched  # the batch forecasts are the per-series ones (tested equal)
    scored.append(sum(counts))


scored: list[int] = []  # series the block scorer took, example by example


def test_the_random_panels_reached_the_block_scorer() -> None:
    """Run after the Hypothesis test (file order): some of its series were block-scored."""
    assert not scored or sum(scored) > 0


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _panel(11, 14, (40, 52, 13), tmp_path_factory.mktemp("bs") / "panel.csv")


def test_every_output_is_byte_equal(
    panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Table, json, csv, both reports (the drawn series rebuilt on demand), --forecasts and
    the pooled --ci/--compare sections."""
    base = ["backtest", panel, "-H", 5, "--missing", "interpolate", *MODELS, "-q"]
    counts = _counted(monkeypatch)
    for fmt in ("table", "json", "csv"):
        runs = _runs([*base, "-f", fmt], monkeypatch)
        assert runs[0] == runs[1] == runs[2]
    runs = _runs([*base, "-f", "json", "--ci", "--compare"], monkeypatch)
    assert runs[0] == runs[1] == runs[2]
    # each run above scored 4 series of the 52-point block at once (croston's batch function
    # leaves the rest: those, the constant and the too short ones ran series by series)
    assert counts == [4] * 4
    for suffix in ("html", "md"):
        texts = []
        for name, off in (("fast", False), ("slow", True)):
            out, report = tmp_path / f"{name}.csv", tmp_path / f"{name}.{suffix}"
            with monkeypatch.context() as patch:
                if off:
                    _block_scorer_off(patch)
                code, _, err = run_cli(
                    [*base, "-f", "csv", "--forecasts", out, "--report", report], True, patch
                )
            assert code == 1 and "series failed" in err, err  # the short ones
            texts.append((out.read_text(), report.read_text().replace(name, "NAME")))
        assert texts[0] == texts[1]


def test_a_model_without_a_batch_function_runs_series_by_series(
    panel: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = _counted(monkeypatch)
    args = ["backtest", panel, "-H", 5, "--missing", "interpolate", "-m", "snaive", "-m", "ets"]
    fast, per_series, _ = _runs([*args, "-f", "csv", "-q"], monkeypatch)
    assert fast == per_series and counts == []


@pytest.mark.parametrize("options", [["--refit", "never"], ["--quantiles", "0.1,0.9"]])
def test_options_the_block_scorer_does_not_take(
    panel: Path, monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    counts = _counted(monkeypatch)
    args = ["backtest", panel, "-H", 5, "--missing", "interpolate", "-m", "snaive", *options]
    fast, per_series, _ = _runs([*args, "-f", "csv", "-q"], monkeypatch)
    assert fast == per_series and counts == []


finite = st.floats(-1e6, 1e6, allow_nan=False, width=64)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    k=st.integers(1, 6),
    origins=st.integers(1, 5),
    h=st.integers(1, 6),
    zeros=st.floats(0, 1),
)
def test_block_metrics_equal_compute_row_by_row(
    data: st.DataObject, k: int, origins: int, h: int, zeros: float
) -> None:
    """Exact equality: the same elementwise operations and, per row, the same summation."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    shape = (k, origins, h)
    y = np.round(rng.normal(0, 50, shape), 2) * (rng.random(shape) > zeros)  # zero actuals
    f = y + rng.normal(0, 10, shape)
    width = np.abs(rng.normal(0, 20, shape))
    bands = {80.0: (f - width, f + width), 95.0: (f - 2 * width, f + 2 * width)}
    scale = np.where(rng.random((k, origins)) < 0.15, 0.0, rng.gamma(2.0, 3.0, (k, origins)))
    scale[rng.random((k, origins)) < 0.1] = np.nan  # an origin with too little training data
    stacked = batched_scoring._Stacked(
        np.ascontiguousarray(y), np.ascontiguousarray(f), bands, scale, scale**2
    )
    names, values = stacked.metrics()
    for r in range(k):
        mf = scoring.ModelForecasts(
            "m",
            np.arange(origins),
            np.arange(origins),
            y[r],
            f[r],
            {lv: (lo[r], hi[r]) for lv, (lo, hi) in bands.items()},
            scale[r],
            scale[r] ** 2,
            "",
        )
        expected = scoring.compute(mf)
        assert names == tuple(expected)
        np.testing.assert_array_equal(values[r], np.array(list(expected.values())))


class _Scored(SeriesBacktest):
    """A series with given overall scores (what the aggregate reads of it)."""

    def __init__(self, sid: str, scores: dict[str, dict[str, float]]) -> None:
        object.__setattr__(self, "id", sid)
        object.__setattr__(self, "error", None)
        object.__setattr__(self, "scores", scores)

    @property
    def result(self) -> None:  # type: ignore[override]
        return None

    @property
    def is_scored(self) -> bool:
        return True

    def overall(self) -> dict[str, dict[str, float]]:
        return self.scores  # type: ignore[attr-defined,no-any-return]


def _aggregate_loop(overall: list[dict[str, dict[str, float]]], labels: list[str]) -> list[dict]:
    """The aggregate as it was computed series by series (the oracle)."""
    metrics = list(dict.fromkeys(m for o in overall for v in o.values() for m in v))
    wins = {(label, m): 0.0 for label in labels for m in metrics}
    for o in overall:
        for m in metrics:
            values = {label: o[label][m] for label in o if m in o[label]}
            best = scoring.best_value(m, values, (80.0,))
            if best is None:
                continue
            winners = [label for label, v in values.items() if v == best]
            for label in winners:
                wins[(label, m)] += 1 / len(winners)
    rows = []
    for label in labels:
        for m in metrics:
            scores = np.array([o[label][m] for o in overall if label in o and m in o[label]])
            finite = scores[np.isfinite(scores)]
            rows.append(
                {
                    "model": label,
                    "metric": m,
                    "mean": float(finite.mean()) if finite.size else None,
                    "median": float(np.median(finite)) if finite.size else None,
                    "share_best": wins[(label, m)] / len(overall) if overall else None,
                    "n_series": int(finite.size),
                }
            )
    return rows


value = st.one_of(
    st.sampled_from([0.0, 0.5, -0.5, 0.8, 1.0, float("nan"), float("inf")]),
    st.floats(-5, 5, allow_nan=False),
)


@settings(max_examples=200, deadline=None)
@given(
    series=st.lists(
        st.dictionaries(
            st.sampled_from(["a", "b", "c"]),
            st.dictionaries(st.sampled_from(["mae", "bias", "coverage_80"]), value, min_size=1),
        ),
        max_size=12,
    )
)
def test_the_vectorised_aggregate_is_the_series_by_series_one(
    series: list[dict[str, dict[str, float]]],
) -> None:
    """Exact: the same values in the same order; the shares added series after series."""
    from forecast.backtesting.panel_backtest import PanelBacktest

    labels = ["a", "b", "c"]
    ordered = [{label: o[label] for label in labels if label in o} for o in series]
    setup = SimpleNamespace(models=[{"label": label} for label in labels], levels=(80.0,))
    result = PanelBacktest(setup, [_Scored(f"s{i}", o) for i, o in enumerate(ordered)])  # type: ignore[arg-type]
    assert result.aggregate() == _aggregate_loop(ordered, labels)


def test_a_reconciled_backtest_is_byte_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    """--hierarchy reads every series' forecasts and replaces each series' result
    (dataclasses.replace): a block-scored series' result is rebuilt, then kept as given."""
    data = Path(__file__).resolve().parents[2] / "sample_data" / "retail_regions.csv"
    args = ["backtest", data, "--hierarchy", "region/store", "-m", "naive", "-m", "snaive",
            "--reconcile", "bottom-up,mint-shrink", "-H", 3, "--initial", 84, "--step", 4,
            "-q", "-f", "json"]  # fmt: skip
    counts = _counted(monkeypatch)
    fast = run_cli(args, True, monkeypatch)
    assert sum(counts) > 0
    with monkeypatch.context() as patch:
        _block_scorer_off(patch)
        assert fast == run_cli(args, True, patch)
    assert fast[0] == 0, fast[2]
