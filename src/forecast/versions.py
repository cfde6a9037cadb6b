"""The versions of forecast, Python and the libraries behind a result, for model files and
reports (a reader can tell what computed a number)."""

from __future__ import annotations

import functools
import platform
from importlib import metadata as importlib_metadata

from forecast import __version__

LIBRARIES = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "pmdarima",
    "arch",
    "scikit-learn",
    "torch",
    "pyarrow",
)


def library_versions() -> dict[str, str]:
    """forecast, python and every installed library of :data:`LIBRARIES` (a fresh dict: the
    look-ups are made once per process, they cost ~0.3 ms and a panel backtest asked for them
    once per series)."""
    return dict(_installed_versions())


@functools.cache
def _installed_versions() -> dict[str, str]:
    versions = {"forecast": __version__, "python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return versions
