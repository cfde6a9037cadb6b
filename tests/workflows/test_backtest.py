"""`workflows.backtest` called directly: a panel's backtest is its series backtested one by one,
the CLI's JSON is the workflow result's ``to_dict()``, the typed ``ci``/``comparison`` fields
are what ``assess`` computes, the bootstrap and a Parquet directory read by Dask workers take
their own paths, and the thread rule applies inside the run.

Equalities here are exact: the workflow, the CLI and the direct calls run the same
deterministic code on the same values in the same order (one process, ``jobs=1``, the same
seeds), so the numbers agree to the last bit; an ``approx`` would hide a changed path. The one
mean over series is compared with numpy's mean of the same values in the same order."""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.backtesting.engine import ModelEntry
from forecast.backtesting.panel_backtest import POOLED_NOTE, PanelBacktest
from forecast.backtesting.result import BacktestResult
from forecast.backtesting.runner import BacktestSpec, BootstrapSpec, run_backtest
from forecast.backtesting.uncertainty import CompareSettings, IntervalSettings, assess
from forecast.data import load
from forecast.errors import UsageError
from forecast.report.export import to_json
from forecast.threads import ThreadPolicy, active
from forecast.types import EngineChoice
from forecast.workflows import backtest as workflow
from forecast.workflows.source import SourceRequest

ROOT = Path(__file__).resolve().parents[2]
PANEL = str(ROOT / "sample_data" / "retail_panel.csv")
AIR = str(ROOT / "sample_data" / "airpassengers.csv")
IDS = ("store_01", "store_02", "store_03")
ENTRIES = (ModelEntry("snaive", "snaive"), ModelEntry("naive", "naive"))
SPEC = BacktestSpec(horizon=3, refit="never", step=2)


def _request(data: str, ids: tuple[str, ...] | None = None, **changes: object):
    source = SourceRequest(data, ids=ids)
    return workflow.BacktestRequest(source, ENTRIES, SPEC, **changes)  # type: ignore[arg-type]


def test_a_panel_backtest_equals_each_series_backtested_on_its_own() -> None:
    panel = workflow.run(_request(PANEL, IDS))
    assert isinstance(panel, PanelBacktest)
    assert [s.id for s in panel.scored()] == list(IDS)
    loaded = load(PANEL, ids=list(IDS))
    for i, series in enumerate(panel.scored()):
        data = loaded[i]
        alone = run_backtest(data.y, list(ENTRIES), SPEC, source=data.describe())
        assert series.result is not None and series.result.metrics == alone.metrics
        for mine, theirs in zip(series.result.forecasts, alone.forecasts, strict=True):
            np.testing.assert_array_equal(mine.mean, theirs.mean)
    mae = [s.overall()["naive"]["mae"] for s in panel.scored()]
    row = next(r for r in panel.aggregate() if r["model"] == "naive" and r["metric"] == "mae")
    assert row["mean"] == float(np.mean(mae)) and row["n_series"] == 3


def test_one_series_equals_run_backtest_and_records_the_thread_policy() -> None:
    result = workflow.run(_request(AIR))
    assert isinstance(result, BacktestResult)
    series = load(AIR).single
    assert series is not None
    direct = run_backtest(series.y, list(ENTRIES), SPEC, source=series.describe())
    assert result.metrics == direct.metrics
    assert result.setup.threads is not None and result.config["threads"] == result.setup.threads
    assert result.ci is None and result.comparison is None and result.bootstrap is None


def test_the_typed_ci_and_comparison_are_what_assess_computes() -> None:
    ci, compare = IntervalSettings(reps=60, seed=2), CompareSettings(power=1, seed=2)
    result = workflow.run(_request(AIR, ci=ci, compare=compare))
    assert isinstance(result, BacktestResult)
    expected = assess(result.forecasts, ci, compare, SPEC.gap)
    assert result.ci is not None and expected.ci is not None
    assert result.ci.to_dict() == expected.ci.to_dict()
    mae = next(r for r in result.ci.intervals if r.model == "naive" and r.metric == "mae")
    # The same mean of |e| over the O x 3 (origin, step) pairs (O = interval.n), summed in two
    # orders (per-origin means, then their mean): nonnegative terms, so the two differ by less
    # than 3 O eps relative (~2.3e-14 here); 1e-13 allows that and nothing more.
    overall = result.overall().loc["naive", "mae"]
    assert mae.interval.estimate == pytest.approx(overall, rel=1e-13)
    assert mae.interval.lower <= mae.interval.estimate <= mae.interval.upper
    assert result.comparison is not None and expected.comparison is not None
    assert result.comparison.to_dict() == expected.comparison.to_dict()
    assert result.comparison.loss == "absolute error"
    tests = result.comparison.diebold_mariano
    assert [t.step for t in tests] == [1, 2, 3] and {t.model for t in tests} == {"snaive"}
    assert result.comparison.indistinguishable_from_best == result.comparison.mcs.included
    assert result.extra == {
        "ci": expected.ci.to_dict(),
        "comparison": expected.comparison.to_dict(),
    }


def test_a_panels_ci_and_comparison_are_on_the_pooled_losses() -> None:
    ci, compare = IntervalSettings(reps=40, seed=1), CompareSettings(seed=1)
    result = workflow.run(_request(PANEL, IDS, ci=ci, compare=compare))
    assert isinstance(result, PanelBacktest)
    expected = assess(result.pooled(), ci, compare, SPEC.gap, pooled=True).pooled(POOLED_NOTE)
    assert result.ci == expected.ci and result.comparison == expected.comparison
    assert result.to_dict()["comparison"]["pooling"] == POOLED_NOTE


@pytest.mark.parametrize(
    ("data", "options"),
    [
        (AIR, ["--ci", "--ci-reps", "50", "--compare", "--seed", "4"]),
        (PANEL, ["--ids", ",".join(IDS)]),
    ],
)
def test_the_cli_json_is_the_workflow_results_to_dict(cli, data: str, options: list[str]) -> None:
    args = ["backtest", data, "-m", "snaive", "-m", "naive", "-H", "3", "--refit", "never",
            "--step", "2", *options, "-f", "json"]  # fmt: skip
    printed = cli(*args)
    assert printed.code == 0, printed.stderr
    extra = {}
    if "--ci" in options:
        extra = {"ci": IntervalSettings(reps=50, seed=4), "compare": CompareSettings(seed=4)}
    spec = BacktestSpec(horizon=3, refit="never", step=2, seed=4 if extra else 0)
    source = SourceRequest(data, ids=IDS if data == PANEL else None)
    request = workflow.BacktestRequest(
        source, ENTRIES, spec, command="forecast " + shlex.join(args), **extra
    )  # type: ignore[arg-type]
    assert printed.stdout == to_json(workflow.run(request).to_dict())


def test_the_bootstrap_runs_on_one_series_and_is_refused_on_a_panel() -> None:
    boot = BootstrapSpec(method="cbb", reps=3, block_size=4)
    result = workflow.run(_request(AIR, bootstrap=boot))
    assert isinstance(result, BacktestResult) and result.bootstrap is not None
    assert result.bootstrap.reps == 3 and result.bootstrap.method == "circular block"
    assert result.bootstrap.to_dict() == result.extra["bootstrap"]
    naive = [d for d in result.bootstrap.distribution if d.model == "naive"]
    assert all(d.lower <= d.median <= d.upper and d.replicates == 3 for d in naive)
    with pytest.raises(UsageError, match="--scheme bootstrap resamples one series"):
        workflow.run(_request(PANEL, IDS, bootstrap=boot))


def test_parquet_parts_read_by_dask_workers_equal_the_loaded_panel(tmp_path) -> None:
    frame = pd.read_csv(PANEL)
    frame = frame[frame["store"].isin(IDS)]
    folder = tmp_path / "parts"
    folder.mkdir()
    for k, ids in enumerate((IDS[:2], IDS[2:])):
        frame[frame["store"].isin(ids)].to_parquet(folder / f"part-{k}.parquet", index=False)
    source = SourceRequest(str(folder), engine=EngineChoice.dask, jobs=1)
    parts = workflow.run(workflow.BacktestRequest(source, ENTRIES, SPEC))
    loaded = workflow.run(_request(PANEL, IDS))
    assert isinstance(parts, PanelBacktest) and isinstance(loaded, PanelBacktest)
    assert parts.config["data"]["parts"] == 2
    assert parts.per_series() == loaded.per_series()
    assert parts.aggregate() == loaded.aggregate()


def test_the_thread_rule_applies_inside_the_run(monkeypatch) -> None:
    import forecast.backtesting.runner as runner

    seen = []

    def spy(*args, **kwargs):
        seen.append(active())
        return run_backtest(*args, **kwargs)

    monkeypatch.setattr(runner, "run_backtest", spy)
    policy = ThreadPolicy(classical=1, neural=1, source="--threads", cores=1)
    result = workflow.run(_request(AIR, threads=policy))
    assert seen == [policy]
    assert isinstance(result, BacktestResult) and result.setup.threads == policy.to_dict(1)
