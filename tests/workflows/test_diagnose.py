"""`workflows.diagnose` called directly: a panel's rows are each series summarised on its own,
one series (or ``series_id``) gives the full report, the CLI's JSON is the workflow result's
``to_dict()``, Parquet parts read by Dask workers give the loaded panel's rows, series that
cannot be diagnosed come through the one callback, and the thread rule applies inside.

Equalities are exact: the same deterministic code runs on the same values in one process."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecast.data import load
from forecast.diagnostics.diagnose import DiagnoseOptions, diagnose_series
from forecast.diagnostics.panel_summary import summarise_one
from forecast.errors import UsageError
from forecast.report.export import to_json
from forecast.threads import ThreadPolicy, active
from forecast.types import EngineChoice
from forecast.workflows import diagnose as workflow
from forecast.workflows.source import SourceRequest

ROOT = Path(__file__).resolve().parents[2]
PANEL = str(ROOT / "sample_data" / "retail_panel.csv")
AIR = str(ROOT / "sample_data" / "airpassengers.csv")
IDS = ("store_01", "store_02", "store_03")
OPTIONS = DiagnoseOptions(lags=12)


def _request(data: str, ids: tuple[str, ...] | None = None, **changes: object):
    source = SourceRequest(data, ids=ids)
    return workflow.DiagnoseRequest(source, OPTIONS, **changes)  # type: ignore[arg-type]


def test_a_panels_rows_are_each_series_summarised_on_its_own() -> None:
    result = workflow.run(_request(PANEL, IDS))
    assert isinstance(result, workflow.PanelDiagnosis)
    panel = load(PANEL, ids=list(IDS))
    assert result.rows == [summarise_one((panel[i], OPTIONS)) for i in range(3)]
    assert result.failures == [] and result.alpha == OPTIONS.alpha
    assert result.data == panel.describe() and result.to_dict()["config"]["threads"]


def test_one_series_and_series_id_give_the_full_report() -> None:
    single = workflow.run(_request(AIR))
    assert isinstance(single, workflow.SingleDiagnosis)
    series = load(AIR).single
    assert series is not None
    assert single.diagnosis.to_dict() == diagnose_series(series, OPTIONS).to_dict()
    chosen = workflow.run(_request(PANEL, ("store_02",), series_id="store_02"))
    assert isinstance(chosen, workflow.SingleDiagnosis)
    alone = diagnose_series(load(PANEL, ids=["store_02"])[0], OPTIONS)
    assert chosen.diagnosis.to_dict() == alone.to_dict()


def test_a_plot_is_refused_on_a_panel() -> None:
    with pytest.raises(UsageError, match="--plot draws one series"):
        workflow.run(_request(PANEL, IDS, plot=True))


@pytest.mark.parametrize(("data", "options"), [(AIR, []), (PANEL, ["--ids", ",".join(IDS)])])
def test_the_cli_json_is_the_workflow_results_to_dict(cli, data: str, options: list[str]) -> None:
    printed = cli("diagnose", data, "--lags", "12", *options, "-f", "json")
    assert printed.code == 0, printed.stderr
    result = workflow.run(_request(data, IDS if data == PANEL else None))
    assert printed.stdout == to_json(result.to_dict())


def test_parquet_parts_read_by_dask_workers_give_the_loaded_panels_rows(tmp_path) -> None:
    frame = pd.read_csv(PANEL)
    frame = frame[frame["store"].isin(IDS)]
    folder = tmp_path / "parts"
    folder.mkdir()
    for k, ids in enumerate((IDS[:1], IDS[1:])):
        frame[frame["store"].isin(ids)].to_parquet(folder / f"part-{k}.parquet", index=False)
    source = SourceRequest(str(folder), engine=EngineChoice.dask, jobs=1)
    parts = workflow.run(workflow.DiagnoseRequest(source, OPTIONS))
    loaded = workflow.run(_request(PANEL, IDS))
    assert isinstance(parts, workflow.PanelDiagnosis)
    assert isinstance(loaded, workflow.PanelDiagnosis)
    assert parts.data["parts"] == 2 and parts.data["n_series"] == 3
    assert sorted(parts.rows, key=lambda r: r.id) == loaded.rows


def test_a_series_that_cannot_be_diagnosed_comes_through_the_callback(tmp_path) -> None:
    frame = pd.read_csv(PANEL)
    frame = frame[frame["store"].isin(IDS[:2])].copy()
    first = frame.index[frame["store"] == IDS[1]][0]
    frame.loc[first, "sales"] = -1.0  # --log needs positive values
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    notices: list[tuple[str, str]] = []
    request = workflow.DiagnoseRequest(SourceRequest(str(path)), DiagnoseOptions(log=True))
    result = workflow.run(request, lambda kind, text: notices.append((kind, text)))
    assert isinstance(result, workflow.PanelDiagnosis)
    assert [f["id"] for f in result.failures] == [IDS[1]]
    assert [kind for kind, _ in notices] == ["warning"]
    assert notices[0][1].startswith(f"series {IDS[1]!r} could not be diagnosed: ")
    assert result.rows[0].error is None and result.rows[1].error == result.failures[0]["error"]


def test_the_thread_rule_applies_inside_the_run(monkeypatch) -> None:
    import forecast.diagnostics.diagnose as module

    seen = []

    def spy(*args, **kwargs):
        seen.append(active())
        return diagnose_series(*args, **kwargs)

    monkeypatch.setattr(module, "diagnose_series", spy)
    policy = ThreadPolicy(classical=1, neural=1, source="--threads", cores=1)
    result = workflow.run(_request(AIR, threads=policy))
    assert seen == [policy]
    assert isinstance(result, workflow.SingleDiagnosis) and result.threads == policy.to_dict()
