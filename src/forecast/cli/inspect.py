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
    """Verify a model file (format, version, checksum) and print its metadata (JSON by default)."""
    from forecast.cli.render import emit
    from forecast.io.modelfile import load_model
    from forecast.report.model_tables import summary_table

    loaded = load_model(model_file)  # verifies the checksum and that the model restores
    meta = loaded.metadata
    training = meta.get("training", {})
    rows = [("model", meta["model"]), ("format_version", meta["format_version"])]
    rows += [(f"training.{k}", v) for k, v in training.items()]
    rows += [(f"versions.{k}", v) for k, v in meta.get("versions", {}).items()]
    rows += [("checksum", meta["checksum"]), ("created_utc", meta.get("created_utc"))]
    emit(
        fmt.value,
        document=meta,
        csv_header=("field", "value"),
        csv_rows=rows,
        tables=[summary_table(loaded.model.summary(), {"file": str(model_file)})],
        quiet=quiet,
    )
