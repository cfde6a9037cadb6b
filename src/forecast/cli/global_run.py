"""`fit` and `predict` with a global neural model: one network for every series of a panel
(:mod:`forecast.models.neural.global_model`); outputs per series as for any panel run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from forecast.cli.predict import PanelPredict
    from forecast.data import Panel
    from forecast.io.modelfile import LoadedGlobal

Deterministic = Annotated[
    bool,
    typer.Option(
        "--deterministic",
        help="Global neural models on CUDA: deterministic kernels, bit-identical runs (slower). "
        "CPU runs with a seed are always bit-identical.",
    ),
]


def predict_global(
    loaded: LoadedGlobal,
    opts: PanelPredict,
    read: Callable[[str, str | None, str | None], Panel],
) -> None:
    """Forecast the saved series (or ``--ids``), each moved on by its own rows of ``--data``."""
    from forecast.cli.panel_run import stream_outcomes
    from forecast.cli.predict import read_panel_data
    from forecast.cli.render import message
    from forecast.errors import UsageError
    from forecast.fitting.global_network import continue_global

    model = loaded.model
    if opts.refit:
        raise UsageError(
            f"--refit on a global model: fit the panel again with 'forecast fit' (the global "
            f"{model.model} is one model for every series)"
        )
    ids = list(dict.fromkeys(opts.ids)) if opts.ids is not None else list(model.ids_)
    for sid in ids:
        model.position(sid)  # an unknown id is a usage error, before reading --data
    if opts.device is not None:
        model.use_device(opts.device)
    id_col = loaded.metadata.get("global", {}).get("id_col")
    new = read_panel_data(read, opts, model.freq_, id_col, set(model.ids_))
    outcomes = continue_global(model, new, ids, opts.steps, opts.levels)
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
