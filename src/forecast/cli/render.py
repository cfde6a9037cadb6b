"""Where output goes: results on stdout, messages on stderr, colour only on a terminal.

The CLI never computes here; it prints what a result object gives it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

from forecast.errors import printable
from forecast.report.console import colour_allowed, print_renderables

if TYPE_CHECKING:
    from rich.console import RenderableType

    from forecast.workflows.source import NoticeKind, Notify


def progress_allowed(quiet: bool = False) -> bool:
    """Progress bars go to stderr: draw them only when both streams are terminals."""
    return colour_allowed(quiet) and sys.stderr.isatty()


def message(text: str, quiet: bool = False) -> None:
    """An informational line on stderr (what was written, which device...)."""
    if not quiet:
        sys.stderr.write(f"{printable(text)}\n")


def note(text: str, quiet: bool = False) -> None:
    """Information the user need not act on (``note:``; ``warning:`` is for what to act on)."""
    if not quiet:
        sys.stderr.write(f"note: {printable(text)}\n")


def warn(text: str, quiet: bool = False) -> None:
    if not quiet:
        sys.stderr.write(f"warning: {printable(text)}\n")


def warn_all(notes: Iterable[str], quiet: bool = False) -> None:
    for text in notes:
        warn(text, quiet)


def note_all(notes: Iterable[str], quiet: bool = False) -> None:
    """Each piece of information once, as ``note:`` (alerting that greps for ``warning:``
    must not fire on it)."""
    for text in dict.fromkeys(notes):
        note(text, quiet)


def notifier(quiet: bool = False) -> Notify:
    """A workflow's ``notify`` that prints each notice on stderr as it comes: ``note:``,
    ``warning:`` or a plain message (what was written); nothing under ``--quiet``."""
    shown = {"note": note, "warning": warn, "message": message}

    def notify(kind: NoticeKind, text: str) -> None:
        shown[kind](text, quiet)

    return notify


def error(text: str) -> None:
    sys.stderr.write(f"error: {printable(' '.join(text.split()))}\n")


QUIET_SHOWN = 5  # ids named in --quiet's one line about the series that failed


def exit_failed(failures: Iterable[Mapping[str, Any]], quiet: bool) -> NoReturn:
    """Exit 1 because series failed or were left out. Each was a ``warning:`` line already; under
    ``--quiet`` those were silenced, so one ``error:`` line names the first few and the count."""
    import typer

    if quiet:
        ids = list(dict.fromkeys(str(f["id"]) for f in failures if f.get("id") is not None))
        shown = ", ".join(repr(i) for i in ids[:QUIET_SHOWN])
        more = f" and {len(ids) - QUIET_SHOWN} more" if len(ids) > QUIET_SHOWN else ""
        if ids:
            error(
                f"{len(ids)} series failed or were left out: {shown}{more}; rerun without -q "
                "for the reasons (--format json lists them under failures)"
            )
    raise typer.Exit(1)


def write_stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def emit(
    fmt: str,
    *,
    document: Any = None,
    csv_header: Sequence[str] = (),
    csv_rows: Iterable[Sequence[Any]] = (),
    tables: Sequence[RenderableType] = (),
    quiet: bool = False,
) -> None:
    """Print a result in the requested format: table (rich), json (one document) or csv.
    A reader that stops early (`forecast ... | head`) is not an error: exit 0, quietly."""
    from forecast.report.export import csv_chunks, to_json

    with reader_may_stop():
        if fmt == "json":
            write_stdout(to_json(document))
        elif fmt == "csv":
            for text in csv_chunks(csv_header, csv_rows):
                write_stdout(text)
        else:
            print_renderables(tables, quiet)


@contextmanager
def reader_may_stop() -> Iterator[None]:
    """Around anything that writes results to stdout: a reader that stops early
    (`forecast ... | head`) ends the run with exit 0, quietly (click would make it exit 1)."""
    import typer

    try:
        yield
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(0) from None


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the flush at exit does not fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
