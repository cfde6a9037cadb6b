"""`forecast inspect MODEL_FILE`: the metadata of a model file, after verifying it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forecast.cli import options as o
from forecast.types import FormatChoice


def inspect(
    model_file: Annotated[Path, typer.Argument(metavar="MODEL_FILE", help="A .fcm model file.")],
    fmt: o.Format = FormatChoice.json,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
) -> None:
    """Verify a model file (format, version, checksum) and print its metadata (JSON by default).

    A panel's file lists every series (id, model, training span) instead of one training block."""
    from rich.text import Text

    from forecast.cli.render import emit
    from forecast.io.modelfile import LoadedGlobal, LoadedPanel, load_model_file
    from forecast.report.model_tables import summary_table

    loaded = load_model_file(model_file)  # verifies the checksum and that every model restores
    meta = loaded.metadata
    rows = [("model", meta["model"]), ("format_version", meta["format_version"])]
    if isinstance(loaded, LoadedGlobal):
        series = meta["global"]["series"]
        rows += [("global.id_col", meta["global"].get("id_col")), ("global.series", len(series))]
        rows += [(f"series.{s['id']}", f"n={s['n']} {s['start']} .. {s['end']}") for s in series]
        tables = [
            Text(f"{model_file}: global {meta['model']} on {len(series)} series"),
            summary_table(loaded.model.summary(series[0]["id"]), {"first series": series[0]["id"]}),
        ]
    elif isinstance(loaded, LoadedPanel):
        series = meta["panel"]["series"]
        rows += [("panel.id_col", meta["panel"].get("id_col")), ("panel.series", len(series))]
        rows += [
            (
                f"series.{s['id']}",
                f"{s['model']} n={s['training'].get('n')} "
                f"{s['training'].get('start')} .. {s['training'].get('end')}",
            )
            for s in series
        ]
        tables = [
            Text(f"{model_file}: {meta['model']} on {len(series)} series"),
            summary_table(loaded.models[0][1].summary(), {"first series": series[0]["id"]}),
        ]
    else:
        rows += [(f"training.{k}", v) for k, v in meta.get("training", {}).items()]
        tables = [summary_table(loaded.model.summary(), {"file": str(model_file)})]
    rows += [(f"versions.{k}", v) for k, v in meta.get("versions", {}).items()]
    rows += [("checksum", meta["checksum"]), ("created_utc", meta.get("created_utc"))]
    emit(
        fmt.value,
        document=meta,
        csv_header=("field", "value"),
        csv_rows=rows,
        tables=tables,
        quiet=quiet,
    )
