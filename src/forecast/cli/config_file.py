"""``--config FILE``: a TOML file that sets any option of the command it is given to.

The keys a command's file may set are generated from the command's own options
(:func:`config_keys`: each option's long flag, dashes read as underscores: ``--id-col`` is
``id_col``, ``--format`` is ``format``), so that the file cannot drift from the command line.
Besides them, ``model``/``models``/``params``/``horizon``/``levels`` have their own keys
(:mod:`forecast.config`), and a few options are never read from a file: the data and model
file arguments, ``--config`` itself and ``--debug``. The file's values become the defaults of
the options not given on the command line (click's default map), so they are parsed and checked
as if typed; the command line wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from forecast.config import RunConfig

# Arguments and options a config file never sets: the inputs, the file itself, --debug, and
# those that config.KEYS gives their own keys (model, params, levels, horizon).
NOT_IN_CONFIG = frozenset({"data", "model_file", "config", "debug", "model", "param", "level",
                           "horizon"})  # fmt: skip


def config_keys(command: Any) -> dict[str, str]:
    """The file keys of ``command``'s options (a click command, as typer builds it), each with
    the name of the parameter it sets."""
    keys: dict[str, str] = {}
    for param in command.params:
        if param.param_type_name != "option" or param.name in NOT_IN_CONFIG:
            continue
        flags = [f for f in param.opts if f.startswith("--")]
        assert param.name is not None
        key = max(flags, key=len).removeprefix("--") if flags else param.name
        keys[key.replace("-", "_")] = param.name
    return keys


_READ: dict[str, Any] = {}  # path -> RunConfig read by apply_config, for file_config


def file_config(path: Path | None) -> RunConfig:
    """The config file the ``--config`` callback read (a FIFO or stdin-like file is read
    once), for the keys it does not apply itself (model, params, horizon, levels)."""
    from forecast.config import RunConfig, read_config

    if path is None:
        return RunConfig()
    found = _READ.pop(str(path), None)
    return found if found is not None else read_config(path, None)


def apply_config(ctx: typer.Context, value: Path | None) -> Path | None:
    """The ``--config`` callback (eager): the file's option keys become the defaults of the
    options not given on the command line; the file is read once (:func:`file_config`)."""
    if value is None or ctx.resilient_parsing:
        return value
    from forecast.config import read_config

    keys = config_keys(ctx.command)
    cfg = read_config(value, keys)
    _READ[str(value)] = cfg
    params = {p.name: p for p in ctx.command.params}
    defaults: dict[str, Any] = dict(ctx.default_map or {})
    for key, raw in cfg.options.items():
        name = keys[key]
        multiple = getattr(params[name], "multiple", False)
        defaults[name] = ([raw] if not isinstance(raw, list) else raw) if multiple else raw
    ctx.default_map = defaults
    return value


def config_flag(what: str) -> Any:
    """The ``--config`` option of a command (``Annotated[Path | None, config_flag(...)]``);
    ``what``: the keys it documents besides every option of the command."""
    return typer.Option(
        "--config",
        help=f"TOML file with {what} and any other option of this command (dashes as "
        'underscores: id_col = "store", fallback = "snaive"); the command line wins.',
        is_eager=True,
        callback=apply_config,
    )
