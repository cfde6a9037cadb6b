"""Options of the commands that fit or use a model (`fit`, `predict`, later `backtest`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Model = Annotated[
    str | None, typer.Option("--model", "-m", help="Model name (see 'forecast models').")
]
Params = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="Model parameter key=value; repeat for several."),
]
Config = Annotated[
    Path | None,
    typer.Option("--config", help="TOML file with model, params, horizon, levels."),
]
Horizon = Annotated[
    int | None, typer.Option("--horizon", "-H", help="Steps to forecast (default 12).")
]
Levels = Annotated[
    list[float] | None,
    typer.Option(
        "--level", "-l", help="Prediction interval level in percent; repeat (default 80 and 95)."
    ),
]
Save = Annotated[
    Path | None, typer.Option("--save", help="Write the fitted model to this file (.fcm).")
]
