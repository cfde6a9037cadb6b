"""`forecast models [NAME]`: the registered models and their parameters."""

from __future__ import annotations

from typing import Annotated

import typer

from forecast.cli import options as o
from forecast.types import FormatChoice


def models(
    name: Annotated[str | None, typer.Argument(help="Show one model's parameters.")] = None,
    fmt: o.Format = FormatChoice.table,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
) -> None:
    """List the models (or one model's parameters): name, family, parameters with defaults."""
    from forecast.cli.render import emit
    from forecast.models.registry import REGISTRY, get_spec
    from forecast.report.model_tables import model_params_table, models_table

    specs = [get_spec(name)] if name else list(REGISTRY.values())
    document = {
        "models": [
            {
                "name": s.name,
                "family": s.family,
                "summary": s.summary,
                "params": [
                    {"name": p.name, "type": p.type_name, "default": p.default, "help": p.help}
                    for p in s.params
                ],
            }
            for s in specs
        ]
    }
    rows = [(s.name, p.name, p.type_name, p.default, p.help) for s in specs for p in s.params]
    tables = [model_params_table(specs[0])] if name else [models_table(specs)]
    emit(
        fmt.value,
        document=document,
        csv_header=("model", "param", "type", "default", "help"),
        csv_rows=rows,
        tables=tables,
        quiet=quiet,
    )
