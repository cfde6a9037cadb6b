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

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from forecast.workflows.source import NoticeKind, Notify


def is_terminal() -> bool:
    return sys.stdout.isatty()


def colour_allowed(quiet: bool = False) -> bool:
    """Colour and progress bars only on a terminal, never with NO_COLOR or --quiet."""
    return is_terminal() and not quiet and "NO_COLOR" not in os.environ


def progress_allowed(quiet: bool = False) -> bool:
    """Progress bars go to stderr: draw them only when both streams are terminals."""
    return colour_allowed(quiet) and sys.stderr.isatty()


def stdout_console(quiet: bool = False) -> Console:
    """A rich console for results: styled on a terminal, plain text elsewhere. Text from the
    data (ids, labels) is never read as markup, and its control characters are escaped
    (``\x1b``) as messages' are: a string cell before the table is laid out, anything else as
    it is printed."""
    from rich.console import Console

    class EscapingConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(_escaped(text), **kwargs)

        def render(self, renderable: Any, options: Any = None) -> Any:
            for segment in super().render(renderable, options):
                if segment.control or segment.text.isprintable() or segment.text == "\n":
                    yield segment
                else:
                    yield segment._replace(text=_escaped(segment.text))

    styled = colour_allowed(quiet)
    console = EscapingConsole(
        file=sys.stdout,
        markup=False,
        force_terminal=styled,
        no_color=not styled,
        highlight=False,
        emoji=False,
        width=None if is_terminal() else 160,
        color_system="auto" if styled else None,
    )
    console.on_broken_pipe = _closed_pipe  # type: ignore[method-assign]  # rich exits 1
    return console


def _escaped(text: str) -> str:
    """``printable`` line by line: newlines are the layout's own."""
    return text if text.isprintable() else "\n".join(map(printable, text.split("\n")))


def _closed_pipe() -> None:
    raise BrokenPipeError


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


def print_renderables(items: Sequence[RenderableType], quiet: bool = False) -> None:
    console = stdout_console(quiet)
    for i, item in enumerate(items):
        if i:
            console.print()
        console.print(item)


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
    from forecast.report.export import to_csv, to_json

    with reader_may_stop():
        if fmt == "json":
            write_stdout(to_json(document))
        elif fmt == "csv":
            write_stdout(to_csv(csv_header, csv_rows))
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
