"""`fit` and `predict` with a global neural model: one network for every series of a panel
(:mod:`forecast.models.neural.global_model`); outputs per series as for any panel run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from pathlib import Path

    from forecast.cli.predict import PanelPredict
    from forecast.data import Panel
    from forecast.io.modelfile import LoadedGlobal
    from forecast.models.neural.global_model import GlobalOptions
    from forecast.panel_fit import FitSpec, SeriesOutcome
    from forecast.types import FormatChoice

Deterministic = Annotated[
    bool,
    typer.Option(
        "--deterministic",
        help="Global neural models on CUDA: deterministic kernels, bit-identical runs (slower). "
        "CPU runs with a seed are always bit-identical.",
    ),
]


def fit_global(
    panel: Panel,
    spec: FitSpec,
    options: GlobalOptions,
    save: Path | None,
    output: Path | None,
    fmt: FormatChoice,
    quiet: bool,
    no_header: bool,
    threads: dict[str, Any],
) -> None:
    """Train one network on the panel, forecast every series (the fallback where the network
    cannot), save one model file, stream the outcomes."""
    from forecast.cli.panel_run import stream_outcomes
    from forecast.cli.render import message, note, progress_allowed
    from forecast.errors import UsageError
    from forecast.models.neural.global_model import GlobalForecaster
    from forecast.panel_fit import SeriesOutcome
    from forecast.progress import progress_enabled

    if spec.intervals == "conformal":
        raise UsageError(
            "--intervals conformal refits per series; a global model's intervals are already "
            "split-conformal on every series' validation tail (use --intervals model, or "
            "--param global=false)"
        )
    model = GlobalForecaster(
        spec.model, spec.params, options.series_embedding, options.deterministic
    )
    with progress_enabled(progress_allowed(quiet)):
        model.fit(
            [(s.id or "", s.y) for s in panel],
            calibrate_steps=spec.horizon,
            training=[s.describe() for s in panel],
        )
        forecasts = model.predict(spec.horizon, spec.levels)
    info = model.info_
    note(
        f"global {spec.model}: one network for {len(panel)} series, trained on "
        f"{info['device']} in {info['train_seconds']:.1f} s ({info['epochs_run']} epochs, "
        f"{info['samples_per_second']:.0f} samples/s)",
        quiet,
    )
    outcomes: list[SeriesOutcome] = []
    for i, series in enumerate(panel):
        sid = series.id or ""
        result = forecasts[sid]
        if not isinstance(result, str):
            outcomes.append(
                SeriesOutcome(
                    sid,
                    spec.model,
                    forecast=result,
                    summary=model.summary(sid),
                    training=series.describe(),
                )
            )
        else:
            outcomes.append(_fallback(panel, i, spec, result))
    if save is not None:
        from forecast.io.modelfile import save_global_model

        save_global_model(save, model, spec.defaults(), panel.id_col)
        message(f"wrote {save} (global {spec.model}, {len(panel)} series)", quiet)
        fell = [o.id for o in outcomes if o.fallback_reason is not None]
        if fell:
            note(
                f"{len(fell)} series forecast by the fallback are not in {save} (it holds the "
                "global network only); fit them on their own to save them",
                quiet,
            )
    header = {
        "data": panel.describe(),
        **spec.header(),
        "global": {k: v for k, v in info.items() if k != "history"},
        "config": {"threads": threads},
    }
    stream_outcomes(
        iter(outcomes),
        total=len(panel),
        header=header,
        levels=spec.levels,
        load_failures=[f.to_dict() for f in panel.failures],
        fmt=fmt,
        output=output,
        save=None,
        model_name=spec.model,
        id_col=panel.id_col,
        defaults=spec.defaults(),
        quiet=quiet,
        no_header=no_header,
    )


def _fallback(panel: Panel, i: int, spec: FitSpec, reason: str) -> SeriesOutcome:
    """The fallback model on series ``i`` (which the global network cannot forecast)."""
    from dataclasses import replace

    from forecast.panel_fit import SeriesOutcome, fit_one

    series = panel[i]
    sid = series.id or ""
    if spec.fallback is None:
        return SeriesOutcome(sid, spec.model, error=reason, training=series.describe())
    fallback = replace(spec, model=spec.fallback, params=spec.fallback_params, fallback=None)
    outcome = fit_one((series, fallback))
    if outcome.error is not None:
        return SeriesOutcome(
            sid,
            spec.fallback,
            error=f"{spec.model}: {reason}; fallback {spec.fallback}: {outcome.error}",
            training=series.describe(),
        )
    return replace(outcome, fitted=None, fallback_reason=reason)


def predict_global(
    loaded: LoadedGlobal,
    opts: PanelPredict,
    read: Callable[[str, str | None, str | None], Panel],
) -> None:
    """Forecast the saved series (or ``--ids``), each moved on by its own rows of ``--data``."""
    from forecast.cli.panel_run import stream_outcomes
    from forecast.cli.render import message, warn
    from forecast.errors import ForecastError, UsageError
    from forecast.panel_fit import SeriesOutcome, describe_error

    model = loaded.model
    if opts.refit:
        raise UsageError(
            f"--refit on a global model: fit the panel again with 'forecast fit' (the global "
            f"{model.model} is one network for every series)"
        )
    ids = list(dict.fromkeys(opts.ids)) if opts.ids is not None else list(model.ids_)
    for sid in ids:
        model.position(sid)  # an unknown id is a usage error
    if opts.device is not None:
        model.use_device(opts.device)
    id_col = loaded.metadata.get("global", {}).get("id_col")
    new = read(opts.data, model.freq_, id_col) if opts.data is not None else None
    if new is not None and new.single is not None:
        raise UsageError(
            f"--data {opts.data} has no id column; a panel's model needs one (--id-col NAME)"
        )
    appended: dict[str, int] = {}
    failed: dict[str, str] = {}
    if new is not None:
        unknown = [sid for sid in new.ids if sid not in set(model.ids_)]
        if unknown:
            shown = ", ".join(repr(s) for s in unknown[:5])
            warn(
                f"--data has {len(unknown)} series without a model, ignored: {shown}; fit them "
                "with 'forecast fit'",
                opts.quiet,
            )
        chosen = set(ids)
        for i, sid in enumerate(new.ids):
            if sid in chosen:
                try:
                    appended[sid] = model.update(sid, new[i].y)
                except ForecastError as exc:
                    failed[sid] = describe_error(exc)
    forecasts = model.predict(opts.steps, opts.levels, ids=[s for s in ids if s not in failed])
    outcomes = []
    for sid in ids:
        result = failed.get(sid) or forecasts[sid]
        if isinstance(result, str):
            outcomes.append(SeriesOutcome(sid, model.model, error=result))
            continue
        i = model.position(sid)
        training = {
            "n": int(model.n_[i]),
            "start": model.starts_[i].isoformat(),
            "end": model.ends_[i].isoformat(),
            "freq": model.freq_,
            "new_observations": appended.get(sid, 0),
        }
        summary = model.summary(sid)
        outcomes.append(SeriesOutcome(sid, model.model, result, summary, training=training))
    if opts.save is not None:
        from forecast.io.modelfile import save_global_model

        defaults = {"horizon": opts.steps, "levels": list(opts.levels)}
        save_global_model(opts.save, model, defaults, id_col)
        message(f"wrote {opts.save} (global {model.model}, {len(model.ids_)} series)", opts.quiet)
    header = {
        "model_file": str(opts.model_file),
        "model": model.model,
        "global": True,
        "data": new.describe() if new is not None else None,
        "horizon": opts.steps,
        "levels": list(opts.levels),
        "config": {"threads": opts.threads},
    }
    stream_outcomes(
        iter(outcomes),
        total=len(outcomes),
        header=header,
        levels=opts.levels,
        load_failures=[f.to_dict() for f in new.failures] if new is not None else [],
        fmt=opts.fmt,
        output=opts.output,
        save=None,
        model_name=model.model,
        id_col=id_col,
        defaults={"horizon": opts.steps, "levels": list(opts.levels)},
        quiet=opts.quiet,
        no_header=opts.no_header,
    )
