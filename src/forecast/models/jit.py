"""numba compilation with an on-disk cache that degrades cleanly.

``cache=True`` keeps the compiled machine code next to the source (``__pycache__``) or, when
that directory is read-only, in numba's user-wide cache (``~/.cache`` or ``NUMBA_CACHE_DIR``).
When no cache location is writable at all, the functions are compiled in memory for the
process instead (a few seconds on the first call), never an error. Importing this module
imports numba: only the estimation kernels do (DESIGN rule 9).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


def _default_cache_dir() -> None:
    """Point numba at a per-user cache when the user has not chosen one and the package
    directory is not writable (a system-wide or read-only install)."""
    if "NUMBA_CACHE_DIR" in os.environ or os.access(Path(__file__).parent, os.W_OK):
        return
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    target = Path(base) / "forecast" / "numba"
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # nowhere to write: numba's own locators decide, or no cache (below)
    os.environ["NUMBA_CACHE_DIR"] = str(target)


_default_cache_dir()

import numba  # noqa: E402  (after NUMBA_CACHE_DIR is set)


def jit(fn: F) -> F:
    """``numba.njit(cache=True)``, or ``njit`` without a cache when no cache dir is usable."""
    try:
        return cast(F, numba.njit(cache=True, nogil=True)(fn))
    except RuntimeError:  # "cannot cache function ...: no locator available"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cast(F, numba.njit(cache=False, nogil=True)(fn))
