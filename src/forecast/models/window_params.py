"""The registry's check of the ``ses`` parameters (imported when the parameters are resolved,
before any data is read: no numpy)."""

from __future__ import annotations

from typing import Any

from forecast.errors import UsageError


def check_ses_alpha(model: str, values: dict[str, Any]) -> None:
    """The registry's check of ``ses``: ``alpha`` (given as text or a number) a number in
    (0, 1) or None (auto); converts it to a float in ``values``."""
    alpha = values.get("alpha")
    if alpha is None:
        return
    try:
        number = float(alpha)
    except (TypeError, ValueError):
        raise UsageError(
            f"{model}: parameter alpha={alpha} is not valid; expected a number in (0, 1) or auto"
        ) from None
    if not 0.0 < number < 1.0:
        raise UsageError(f"{model}: parameter alpha={alpha} must lie strictly between 0 and 1")
    values["alpha"] = number
