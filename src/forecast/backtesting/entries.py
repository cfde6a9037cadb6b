"""Which models a backtest compares: `--model [LABEL=]NAME` and `--param [LABEL.]key=value`.

Several models may be compared, the same one several times with different parameters:

    --model snaive --model a211=arima --param a211.order=2,1,1 --model auto-arima

A parameter without a label applies when exactly one model is given. Models can also come from
a config file's ``[[models]]`` tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from forecast.backtesting.engine import ModelEntry
from forecast.config import RunConfig
from forecast.errors import UsageError
from forecast.models.neural.global_options import split_options
from forecast.models.registry import get_spec, parse_param_args


def model_entries(
    models: Sequence[str], params: Sequence[str], config: RunConfig
) -> list[ModelEntry]:
    """The models to compare, each checked against the registry (names and parameters)."""
    raw: list[tuple[str, str, dict[str, Any]]] = []
    for table in config.models:
        raw.append(
            (table.get("label", table["name"]), table["name"], dict(table.get("params", {})))
        )
    for item in models:
        label, sep, name = item.partition("=")
        raw.append((label, name, {}) if sep else (item, item, {}))
    if not raw and config.model:
        raw.append((config.model, config.model, dict(config.params)))
    if not raw:
        raise UsageError("no model given; pass --model NAME (repeat it to compare several)")
    labels = [label for label, _, _ in raw]
    duplicates = sorted({lb for lb in labels if labels.count(lb) > 1})
    if duplicates:
        raise UsageError(
            f"model {', '.join(duplicates)} is given twice; name each one, e.g. "
            f"--model {duplicates[0]}2={raw[labels.index(duplicates[0])][1]}"
        )
    by_label = {label: (name, p) for label, name, p in raw}
    for key, value in parse_param_args(params).items():
        label, dot, name = key.partition(".")
        if not dot:
            if len(by_label) != 1:
                raise UsageError(
                    f"--param {key}=... is ambiguous with {len(by_label)} models; prefix it with "
                    f"the model: --param {labels[0]}.{key}={value}"
                )
            label, name = labels[0], key
        if label not in by_label:
            raise UsageError(f"--param {key}: no model labelled {label!r}; models: {labels}")
        by_label[label][1][name] = value
    entries = []
    for label, (name, p) in by_label.items():
        own = split_options(name, p)[1]  # global neural models: global, series_embedding
        get_spec(name).resolve(own)  # unknown names and bad values fail here, before any work
        entries.append(ModelEntry(label, name, p))
    return entries
