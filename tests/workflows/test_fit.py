"""`workflows.fit` called directly: a panel's outcomes are the per-series fits, the CLI's output
is the workflow's result rendered, notices come through the one callback, the thread rule
applies inside the run, and the refusals come before any fit.

Equalities here are exact: the workflow, the CLI and the per-series call run the same
deterministic code on the same values in the same order (one process, ``jobs=1``), so the
forecasts agree to the last bit; an ``approx`` would hide a changed path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecast.data import load
from forecast.errors import UsageError
from forecast.fitting.series import fit_model
from forecast.report.export import to_csv
from forecast.threads import ThreadPolicy, active
from forecast.workflows import fit as workflow
from forecast.workflows.source import SourceRequest
from forecast.workflows.stream import PanelStream

ROOT = Path(__file__).resolve().parents[2]
PANEL = str(ROOT / "sample_data" / "retail_panel.csv")
AIR = str(ROOT / "sample_data" / "airpassengers.csv")
IDS = ("store_01", "store_02", "store_03")
LEVELS = (80.0, 95.0)


def _request(data: str, **changes: object) -> workflow.FitRequest:
    source = SourceRequest(data, ids=IDS if data == PANEL else None)
    return workflow.FitRequest(source, "theta", {}, 6, LEVELS, **changes)  # type: ignore[arg-type]


def test_a_panel_fit_equals_each_series_fitted_on_its_own() -> None:
    with workflow.run(_request(PANEL)) as result:
        assert isinstance(result, PanelStream)
        assert result.total == 3 and result.model_name == "theta" and result.id_col == "store"
        outcomes = result.collect()
    panel = load(PANEL, ids=list(IDS))
    assert [o.id for o in outcomes] == list(IDS)
    for outcome, series in zip(outcomes, (panel[i] for i in range(3)), strict=True):
        _, alone = fit_model(series, "theta", {}, 6, LEVELS)
        assert outcome.ok and outcome.forecast is not None
        np.testing.assert_array_equal(outcome.forecast.mean, alone.forecast.mean)
        for level in LEVELS:
            np.testing.assert_array_equal(
                outcome.forecast.lower(level), alone.forecast.lower(level)
            )
            np.testing.assert_array_equal(
                outcome.forecast.upper(level), alone.forecast.upper(level)
            )


def test_the_cli_prints_the_workflows_outcomes(cli) -> None:
    with workflow.run(_request(PANEL)) as result:
        assert isinstance(result, PanelStream)
        outcomes = result.collect()
    rows = [
        [o.id, o.row_model, *row]
        for o in outcomes
        if o.forecast is not None
        for row in o.forecast.rows()
    ]
    columns = ["id", "model", *outcomes[0].forecast.columns()]  # type: ignore[union-attr]
    printed = cli("fit", PANEL, "-m", "theta", "-H", "6", "--ids", ",".join(IDS), "-f", "csv")
    assert printed.code == 0, printed.stderr
    assert printed.stdout == to_csv(columns, rows)
    assert len(rows) == 3 * 6


def test_one_series_gives_the_fitted_model_and_its_run() -> None:
    with workflow.run(_request(AIR)) as result:
        assert isinstance(result, workflow.SingleFit)
    series = load(AIR).single
    assert series is not None
    _, alone = fit_model(series, "theta", {}, 6, LEVELS)
    np.testing.assert_array_equal(result.run.forecast.mean, alone.forecast.mean)
    assert result.run.horizon == 6 and result.model.name == "theta"
    assert result.run.extra["config"]["threads"] == active().to_dict()


def test_notices_come_through_the_callback_and_left_out_series_are_failures(tmp_path) -> None:
    lines = ["id,t,y"]
    lines += [f"a,2020-01-{d:02d},{v}" for d, v in zip(range(1, 21), range(20, 40), strict=True)]
    lines += [f"b,2020-01-{d:02d},{v}" for d, v in zip(range(1, 21), range(5, 45, 2), strict=True)]
    lines += ["c,2020-01-01,3", "c,2020-01-02,4"]  # too short for theta
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n")
    heard: list[tuple[str, str]] = []
    request = workflow.FitRequest(SourceRequest(str(path)), "theta", {}, 3, LEVELS)
    with workflow.run(request, lambda kind, text: heard.append((kind, text))) as result:
        assert isinstance(result, PanelStream)
        outcomes = result.collect()
    assert [o.id for o in outcomes] == ["a", "b"] and all(o.ok for o in outcomes)
    assert [f["id"] for f in result.load_failures] == ["c"]
    warnings = [text for kind, text in heard if kind == "warning"]
    assert len(warnings) == 1 and warnings[0].startswith("series 'c' left out:")


def test_the_thread_rule_applies_inside_the_run() -> None:
    policy = ThreadPolicy(classical=1, neural=1, source="--threads", cores=1)
    with workflow.run(_request(PANEL, threads=policy)) as result:
        assert active() == policy  # while the outcomes are computed
        assert isinstance(result, PanelStream)
        result.collect()
        assert result.header["config"]["threads"] == policy.to_dict(1)
    assert active() != policy  # restored after the block


@pytest.mark.parametrize(
    ("data", "changes", "message"),
    [
        (PANEL, {"others": (("d", "drift", {}),), "fallback": "d"}, "--fallback d is also"),
        (AIR, {"output": Path("out.csv")}, "--output writes a panel's forecasts"),
        (AIR, {"deterministic": True}, "--deterministic applies to a global neural model"),
        (AIR, {"future": "f.csv"}, "--future gives the regressors' future values"),
    ],
)
def test_refusals_come_before_any_fit(data, changes, message, monkeypatch) -> None:
    import forecast.fitting.panel as panel_fit
    import forecast.fitting.series as series_fit

    def no_fit(*args: object, **kwargs: object) -> None:
        raise AssertionError("fitted before the refusal")

    monkeypatch.setattr(series_fit, "fit_model", no_fit)
    monkeypatch.setattr(panel_fit, "fit_one", no_fit)
    with pytest.raises(UsageError, match=message), workflow.run(_request(data, **changes)):
        pass
