"""Exception classes and exit codes.

Every failure the user can cause or fix is one of these, with a one-line message that names the
problem and the fix. The CLI prints ``error: <message>`` on stderr and exits with ``exit_code``.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    FAILURE = 1  # a failure while computing (a model that cannot be fitted anywhere, ...)
    USAGE = 2  # bad input or usage: malformed CSV, bad option value, corrupt model file


class ForecastError(Exception):
    """Base class: a failure with a message meant for the user."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str) -> None:
        # one line, and control characters from the data or a file name shown escaped
        super().__init__(printable(" ".join(message.split())))

    @property
    def message(self) -> str:
        return str(self.args[0])


class InputError(ForecastError):
    """The input data cannot be used as it is (malformed CSV, gaps, too short...)."""

    exit_code = ExitCode.USAGE


class UsageError(ForecastError):
    """An option or argument value is not acceptable."""

    exit_code = ExitCode.USAGE


class ModelFileError(ForecastError):
    """A model file is missing, truncated, tampered with, or from an unknown format version."""

    exit_code = ExitCode.USAGE


class ComputeError(ForecastError):
    """A computation failed on valid input (a model that does not converge anywhere...)."""

    exit_code = ExitCode.FAILURE


class WriteError(ForecastError):
    """A result could not be written (disk full, read-only folder): a runtime failure; the
    results computed are still printed where they can be."""

    exit_code = ExitCode.FAILURE


def describe_error(exc: BaseException) -> str:
    """One line for a per-series failure: our errors' own message; anything else its type."""
    if isinstance(exc, ForecastError):
        return " ".join(exc.message.split())
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def printable(name: str) -> str:
    """A file name or other user text safe to print on one line: control characters (newlines,
    escapes that would drive a terminal) shown as Python escapes."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


GLOBAL_EXOG = (
    "regressors (--exog) are not supported by a global neural model yet; fit one network per "
    "series with --param global=false, or drop --exog"
)
