"""The ``__init__`` of a model whose hyperparameters are its registry spec's (:func:`spec_init`):
the spec is the one place they and their defaults are written."""

from __future__ import annotations

import inspect
from typing import Any


def spec_init(name: str) -> Any:
    """An ``__init__`` for the model ``name`` that takes its registry spec's parameters
    (keyword-only, with the spec's defaults: the signature :meth:`BaseForecaster.get_params`
    reads) and keeps each as an attribute; an unknown name is a TypeError. The spec is the one
    place a model's hyperparameters and their defaults are written."""
    from forecast.models.registry import get_spec

    keyword = inspect.Parameter.KEYWORD_ONLY
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(p.name, keyword, default=p.default) for p in get_spec(name).params]
    )

    def __init__(self: Any, **params: Any) -> None:
        values = {p.name: p.default for p in get_spec(name).params}
        unknown = set(params) - set(values)
        if unknown:
            raise TypeError(f"{name} has no parameter {', '.join(sorted(unknown))}")
        for key, value in {**values, **params}.items():
            setattr(self, key, value)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    return __init__
