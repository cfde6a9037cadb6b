"""`--config FILE.toml`: the model, its parameters, the horizon and the levels, in a file.

    model = "sarima"
    horizon = 12
    levels = [80, 95]

    [params]
    order = [0, 1, 1]
    seasonal_order = [0, 1, 1, 12]

Options given on the command line win over the file; `--param` entries are merged over
`[params]`. `forecast backtest` compares several models, each a `[[models]]` table, and takes
every one of its options by name (dashes or underscores), the command line winning:

    scheme = "purged-kfold"
    folds = 4
    refit = "never"             # or a list: ["never", "auto-arima=50"]
    train_size = 60

    [[models]]
    name = "arima"
    label = "arima211"          # optional: the name it is reported under
    params = { order = [2, 1, 1] }
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forecast.errors import UsageError

KEYS = ("model", "horizon", "levels", "params", "models")


@dataclass(frozen=True)
class RunConfig:
    model: str | None = None
    horizon: int | None = None
    levels: tuple[float, ...] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    models: tuple[dict[str, Any], ...] = ()
    options: dict[str, Any] = field(default_factory=dict)  # the command's other options


def read_config(path: str | Path | None, options: Collection[str] | None = ()) -> RunConfig:
    """The config file at ``path``; ``options`` are the command's other option names that the
    file may set too (in :attr:`RunConfig.options`, dashes read as underscores; None: any,
    for a file whose option keys were checked already, by the ``--config`` callback)."""
    if path is None:
        return RunConfig()
    data = _read(path)
    extra = {k.replace("-", "_"): v for k, v in data.items() if k not in KEYS}
    unknown = sorted(k for k in extra if options is not None and k not in options)
    if unknown and options is not None:
        accepted = ", ".join([*KEYS, *sorted(options)])
        raise UsageError(
            f"config file {path}: unknown key {', '.join(unknown)}; accepted: {accepted}"
        )
    config = _run_config({k: v for k, v in data.items() if k in KEYS}, path)
    return RunConfig(
        config.model, config.horizon, config.levels, config.params, config.models, extra
    )


def _read(path: str | Path) -> dict[str, Any]:
    from forecast.data.input_limits import max_option_bytes
    from forecast.io.bounded import read_bounded

    raw = read_bounded(
        path,
        what="config file",
        limit=max_option_bytes(),
        override="FORECAST_MAX_OPTION_BYTES",
        error=UsageError,
    )
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from None
    return data


def _run_config(data: dict[str, Any], path: str | Path) -> RunConfig:
    model, horizon, levels, params, models = (data.get(k) for k in KEYS)
    if model is not None and not isinstance(model, str):
        raise UsageError(f"config file {path}: model must be a string, got {model!r}")
    if horizon is not None and (not isinstance(horizon, int) or isinstance(horizon, bool)):
        raise UsageError(f"config file {path}: horizon must be an integer, got {horizon!r}")
    if levels is not None and (
        not isinstance(levels, list) or not all(isinstance(v, (int, float)) for v in levels)
    ):
        raise UsageError(f"config file {path}: levels must be a list of numbers, got {levels!r}")
    if params is not None and not isinstance(params, dict):
        raise UsageError(f"config file {path}: [params] must be a table")
    models = _model_tables(models, path)
    return RunConfig(
        models=models,
        model=model,
        horizon=horizon,
        levels=tuple(float(v) for v in levels) if levels is not None else None,
        params=dict(params or {}),
    )


def _model_tables(models: Any, path: str | Path) -> tuple[dict[str, Any], ...]:
    if models is None:
        return ()
    if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
        raise UsageError(f"config file {path}: models must be [[models]] tables")
    for table in models:
        unknown = sorted(set(table) - {"name", "label", "params"})
        if unknown or not isinstance(table.get("name"), str):
            raise UsageError(
                f"config file {path}: each [[models]] needs name (and may have label, params); "
                f"got {sorted(table)}"
            )
        if not isinstance(table.get("params", {}), dict):
            raise UsageError(f"config file {path}: params of {table['name']} must be a table")
    return tuple(models)
