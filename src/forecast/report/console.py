"""Results on stdout through rich: styled on a terminal, plain text elsewhere, colour only on
a terminal (never with NO_COLOR or --quiet), text from the data escaped."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from forecast.errors import printable

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


def is_terminal() -> bool:
    return sys.stdout.isatty()


def colour_allowed(quiet: bool = False) -> bool:
    """Colour and progress bars only on a terminal, never with NO_COLOR or --quiet."""
    return is_terminal() and not quiet and "NO_COLOR" not in os.environ


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


def print_renderables(items: Sequence[RenderableType], quiet: bool = False) -> None:
    console = stdout_console(quiet)
    for i, item in enumerate(items):
        if i:
            console.print()
        console.print(item)
