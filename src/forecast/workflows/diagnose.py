"""`diagnose`: the full report of one series, or one summary row per series of a panel.

:func:`run` takes a :class:`DiagnoseRequest` and returns a :class:`SingleDiagnosis` (one
series, or the series ``series_id`` of a panel) or a :class:`PanelDiagnosis` (every series'
summary row). Where the rows are computed is decided with :mod:`forecast.workflows.source`:
Parquet part files read by Dask workers, or a loaded panel mapped over an executor. Everything
runs under the thread rule (:func:`forecast.threads.limited`). Nothing is printed: the loader's
notices and each series that could not be diagnosed go to ``notify`` as they happen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from forecast.workflows.source import Notify, SourceRequest, silent

if TYPE_CHECKING:
    from forecast.data import Panel
    from forecast.diagnostics.diagnose import DiagnoseOptions, Diagnosis
    from forecast.diagnostics.panel_summary import SeriesSummary
    from forecast.threads import ThreadPolicy


@dataclass(frozen=True)
class DiagnoseRequest:
    """What to diagnose.

    Attributes
    ----------
    source
        Where the series are and where they run.
    options
        The diagnostics' options (lags, tests, alpha, transformations...).
    series_id
        A panel: the full report of this one series (None: a summary row per series).
    plot
        Whether the caller draws the one series diagnosed (refused on a panel).
    threads, progress
        The thread limits (None: the default policy) and whether progress bars may be drawn.
    as_panel
        Summary rows for one series too (a panel of one, as the Python API does).
    """

    source: SourceRequest
    options: DiagnoseOptions
    series_id: str | None = None
    plot: bool = False
    threads: ThreadPolicy | None = None
    progress: bool = False
    as_panel: bool = False


@dataclass(frozen=True)
class SingleDiagnosis:
    """One series' full report and the thread policy it ran under."""

    diagnosis: Diagnosis
    threads: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {**self.diagnosis.to_dict(), "config": {"threads": self.threads}}


@dataclass(frozen=True)
class PanelDiagnosis:
    """Every series' summary row (failed ones carry their ``error``), the data block, the
    series that could not be loaded or diagnosed, and the thread policy."""

    data: dict[str, Any]
    threads: dict[str, Any]
    alpha: float
    rows: list[SeriesSummary]
    failures: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "data": self.data,
            "config": {"threads": self.threads},
            "alpha": self.alpha,
            "series": [r.to_dict() for r in self.rows],
            "failures": self.failures,
        }

    def csv_rows(self) -> list[list[Any]]:
        return [r.row() for r in self.rows]


def run(
    request: DiagnoseRequest, notify: Notify = silent, panel: Panel | None = None
) -> SingleDiagnosis | PanelDiagnosis:
    """Diagnose ``request`` (see the module doc); ``panel``: series already loaded."""
    from forecast.diagnostics.diagnose import MIN_OBS, diagnose_series
    from forecast.diagnostics.panel_summary import summarise_one
    from forecast.errors import InputError, UsageError
    from forecast.progress import progress_enabled
    from forecast.threads import limited, resolve
    from forecast.workflows import source as where

    policy = request.threads or resolve()
    jobs = request.source.jobs
    src = request.source
    with progress_enabled(request.progress), limited(policy):
        summary = request.series_id is None and not request.plot
        if panel is None and summary and where.reads_parts(src):
            parts = where.open_parts(
                src, min_length=MIN_OBS, purpose="diagnose", notify=notify, allow_constant=True
            )
            if parts is not None:
                wanted = list(src.ids) if src.ids is not None else None
                with parts.planned(wanted) as plan:
                    rows = parts.map(plan, summarise_one, request.options)
                    return _summarised(rows, plan.n_series, parts.data_block(plan),
                                       parts.load_failures, request, policy.to_dict(jobs),
                                       notify)  # fmt: skip
        if panel is None:
            panel = where.load_panel(
                src, min_length=MIN_OBS, purpose="diagnose", notify=notify, allow_constant=True
            )
        if (panel.single is None and request.series_id is None) or request.as_panel:
            if request.plot:
                raise UsageError("--plot draws one series; on a panel pass --id X")
            return _diagnose_panel(panel, request, policy.to_dict(jobs), notify)
        if panel.single is None and not panel.ids:
            raise InputError(f"series {request.series_id!r}: {panel.failures[0].reason}")
        return SingleDiagnosis(diagnose_series(panel[0], request.options), policy.to_dict())


def _diagnose_panel(
    panel: Panel, request: DiagnoseRequest, threads: dict[str, Any], notify: Notify
) -> PanelDiagnosis:
    """Every series of a loaded panel through the executor."""
    from forecast.diagnostics.panel_summary import diagnose_panel
    from forecast.workflows.source import executor

    rows = diagnose_panel(panel, request.options, executor(request.source))
    failures = [f.to_dict() for f in panel.failures]
    return _summarised(rows, len(panel), panel.describe(), failures, request, threads, notify)


def _summarised(
    summaries: Iterable[SeriesSummary],
    total: int,
    data: dict[str, Any],
    load_failures: list[dict[str, Any]],
    request: DiagnoseRequest,
    threads: dict[str, Any],
    notify: Notify,
) -> PanelDiagnosis:
    """The rows as they come, with progress; each series that could not be diagnosed goes to
    ``notify`` as it arrives. ``load_failures`` may grow while ``summaries`` is read (part
    files load as they go)."""
    from forecast.progress import task

    rows = []
    failed: list[dict[str, Any]] = []
    with task("series", total=total) as advance:
        for summary in summaries:
            rows.append(summary)
            if summary.error is not None:
                failed.append({"id": summary.id, "stage": "diagnose", "error": summary.error})
                notify("warning", f"series {summary.id!r} could not be diagnosed: {summary.error}")
            advance(failed=len(load_failures) + len(failed))
    return PanelDiagnosis(data, threads, request.options.alpha, rows, load_failures + failed)
