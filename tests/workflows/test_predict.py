"""`workflows.predict` called directly: a saved panel forecasts what the fit forecast, new rows
move each series on as the per-series call does, the CLI prints the workflow's outcomes, and
the series without a model are failures named through the one callback.

Equalities are exact: a model file stores the fitted state as binary arrays (no text
round-trip), and the workflow, the CLI and the per-series call run the same deterministic code
on the same values in one process, so the numbers agree to the last bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.fitting.series import continue_model
from forecast.io.modelfile import load_model_file, save_panel_model
from forecast.report.export import to_csv
from forecast.workflows import fit as fit_workflow
from forecast.workflows import predict as workflow
from forecast.workflows.source import SourceRequest
from forecast.workflows.stream import PanelStream

ROOT = Path(__file__).resolve().parents[2]
PANEL = ROOT / "sample_data" / "retail_panel.csv"
IDS = ("store_01", "store_02", "store_03")
LEVELS = (80.0, 95.0)


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray], pd.DataFrame]:
    """The first 40 months of three stores fitted (arima) and saved; their fitted means; the
    rest of their rows (the new observations)."""
    frame = pd.read_csv(PANEL)
    frame = frame[frame["store"].isin(IDS)]
    head = frame.groupby("store").head(40)
    tail = frame.drop(head.index)
    head.to_csv(tmp_path / "head.csv", index=False)
    request = fit_workflow.FitRequest(
        SourceRequest(str(tmp_path / "head.csv")),
        "arima",
        {"order": (1, 1, 0)},
        6,
        LEVELS,
        save=tmp_path / "m.fcm",
    )
    with fit_workflow.run(request) as result:
        assert isinstance(result, PanelStream)
        outcomes = result.collect()
    kept = [(o.id, o.fitted, o.training, o.asked) for o in outcomes if o.fitted is not None]
    save_panel_model(tmp_path / "m.fcm", "arima", kept, "store", result.defaults)
    means = {o.id: o.forecast.mean for o in outcomes if o.forecast is not None}
    return tmp_path / "m.fcm", means, tail


def _run(model_file: Path, data: str = "", **changes: object) -> list:
    request = workflow.PredictRequest(model_file, SourceRequest(data), **changes)  # type: ignore[arg-type]
    with workflow.run(request) as result:
        assert isinstance(result, PanelStream)
        return result.collect()


def test_a_saved_panel_forecasts_what_its_fit_forecast(saved) -> None:
    model_file, means, _ = saved
    outcomes = _run(model_file)
    assert [o.id for o in outcomes] == list(IDS)
    for outcome in outcomes:
        assert outcome.forecast is not None
        np.testing.assert_array_equal(outcome.forecast.mean, means[outcome.id])


def test_new_rows_move_each_series_on_as_the_per_series_call_does(saved, tmp_path) -> None:
    model_file, _, tail = saved
    tail.to_csv(tmp_path / "new.csv", index=False)
    outcomes = _run(model_file, str(tmp_path / "new.csv"), horizon=4)
    loaded = load_model_file(model_file)
    from forecast.data import load

    new = load(str(tmp_path / "new.csv"), min_length=1, freq="MS")
    for outcome, (sid, model) in zip(outcomes, loaded.models, strict=True):  # type: ignore[union-attr]
        series = new[list(new.ids).index(sid)]
        _, alone = continue_model(model, series, False, 4, LEVELS, series_id=sid)
        assert outcome.id == sid and outcome.forecast is not None
        np.testing.assert_array_equal(outcome.forecast.mean, alone.forecast.mean)
        assert outcome.forecast.index[0] > series.y.index[-1]


def test_the_cli_prints_the_workflows_outcomes(saved, cli) -> None:
    model_file, _, _ = saved
    outcomes = _run(model_file, horizon=3)
    rows = [
        [o.id, o.row_model, *row]
        for o in outcomes
        if o.forecast is not None
        for row in o.forecast.rows()
    ]
    columns = ["id", "model", *outcomes[0].forecast.columns()]
    printed = cli("predict", model_file, "-H", "3", "-f", "csv")
    assert printed.code == 0, printed.stderr
    assert printed.stdout == to_csv(columns, rows)
    assert len(rows) == 3 * 3


def test_series_without_a_model_are_failures_named_through_the_callback(saved, tmp_path) -> None:
    model_file, _, tail = saved
    extra = tail[tail["store"] == "store_01"].assign(store="store_99")
    pd.concat([tail, extra]).to_csv(tmp_path / "new.csv", index=False)
    heard: list[tuple[str, str]] = []
    request = workflow.PredictRequest(model_file, SourceRequest(str(tmp_path / "new.csv")))
    with workflow.run(request, lambda kind, text: heard.append((kind, text))) as result:
        assert isinstance(result, PanelStream)
        outcomes = result.collect()
    assert [o.id for o in outcomes] == list(IDS) and all(o.ok for o in outcomes)
    assert [f["id"] for f in result.load_failures] == ["store_99"]
    assert [kind for kind, _ in heard] == ["warning"]
    assert "1 series without a model" in heard[0][1]


def test_a_panel_plot_keeps_each_moved_on_model_to_draw_its_history(saved) -> None:
    model_file, _, _ = saved
    request = workflow.PredictRequest(model_file, SourceRequest(""), plot=True)
    with workflow.run(request) as result:
        assert isinstance(result, PanelStream)
        outcomes = result.collect()
    assert outcomes and all(o.fitted is not None for o in outcomes)


def test_a_one_series_file_as_a_panel_of_one_forecasts_as_the_single_path(tmp_path, cli) -> None:
    air = ROOT / "sample_data" / "airpassengers.csv"
    model_file = tmp_path / "air.fcm"
    assert (
        cli("fit", air, "-m", "ets", "-H", "3", "--save", model_file, "-q", "-f", "csv").code == 0
    )
    request = workflow.PredictRequest(model_file, SourceRequest(""))
    with workflow.run(request) as single:
        assert isinstance(single, workflow.SinglePredict)
    outcomes = _run(model_file, series_outcomes=True)
    assert [o.id for o in outcomes] == [""] and outcomes[0].forecast is not None
    np.testing.assert_array_equal(outcomes[0].forecast.mean, single.run.forecast.mean)
    assert single.run.horizon == 3  # the file's default
