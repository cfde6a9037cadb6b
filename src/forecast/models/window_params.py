"""The registry's check of the ``ses`` parameters (imported when the parameters are resolved,
before any data is read: no numpy)."""

from __future__ import annotations

from typing import Any

from forecast.errors import UsageError


def check_ses_alpha(model: str, values: dict[str, Any]) -> None:
    """The registry's check of ``ses``: ``alpha`` (a number, or None: auto, already converted
    by its ``float?`` parameter) strictly inside (0, 1)."""
    alpha = values.get("alpha")
    if alpha is not None and not 0.0 < alpha < 1.0:
        raise UsageError(f"{model}: parameter alpha={alpha:g} must lie strictly between 0 and 1")
