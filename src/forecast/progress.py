"""Progress bars: a rich bar on stderr when the CLI says so (a terminal, no --quiet, no NO_COLOR),
nothing otherwise. Library code reports progress through :func:`task` and never decides itself
whether a bar is shown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_enabled: ContextVar[bool] = ContextVar("forecast_progress", default=False)
_announced: set[str] = set()

Advance = Callable[..., None]


@contextmanager
def progress_enabled(on: bool) -> Iterator[None]:
    """Within this block, :func:`task` draws bars when ``on`` is true."""
    token = _enabled.set(on)
    try:
        yield
    finally:
        _enabled.reset(token)


@contextmanager
def task(description: str, total: int | None) -> Iterator[Advance]:
    """Yields ``advance(steps=1, **fields)``; ``fields`` (e.g. ``loss=0.12``) are shown after
    the bar. A no-op when progress is disabled."""
    if not _enabled.get():
        yield _ignore
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[info]}"),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        task_id = progress.add_task(description, total=total, info="", rate="")

        def advance(steps: int = 1, **fields: Any) -> None:
            info = "  ".join(
                f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in fields.items()
            )
            progress.update(task_id, advance=steps, info=info)
            speed = progress.tasks[0].speed
            rate = f"{speed:.3g}/s" if speed else ""
            progress.update(task_id, rate=rate)

        yield advance


def announce(text: str) -> None:
    """Say ``text`` now, as a ``note:`` on stderr, when progress is shown (a terminal): what a
    long computation is about to do, before the wait, once per process (a backtest refits the
    same model many times). Off a terminal the caller's own notes (a model summary's) carry
    it."""
    if _enabled.get() and text not in _announced:
        _announced.add(text)
        import sys

        sys.stderr.write(f"note: {' '.join(text.split())}\n")
        sys.stderr.flush()


def _ignore(steps: int = 1, **fields: Any) -> None:
    """No progress bar: nothing to do."""
