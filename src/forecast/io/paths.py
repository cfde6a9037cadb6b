"""Never write over what is read: outputs checked against inputs before any work (issue #24).

An output (a file the tool writes, or a directory it replaces whole) *overlaps* an input (a
file or directory it reads) when it is the same file or directory, lies inside it, or holds it.
"The same" is decided on resolved paths (symbolic links followed, ``..`` removed) and, for
whatever exists, on the device and inode numbers, so a hard link, a bind mount or a path spelt
another way is caught too. A Parquet directory's ``*.parquet`` files (in its Hive ``KEY=VALUE``
folders too) count as inputs of their own (a part that links to a file elsewhere protects that
file). Two outputs that overlap each other are refused as well: one would replace or swallow
the other.

Every overlap is a :class:`~forecast.errors.UsageError` (exit 2) naming both paths and the fix,
raised before anything is read or written. The one overlap allowed is the one a caller names
in ``may_replace``: ``predict --save MODEL_FILE`` updates the model in place (the file is read
whole first, then replaced atomically).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from forecast.errors import UsageError, printable

PathLike = str | Path
Identity = tuple[int, int]  # (st_dev, st_ino)


@dataclass(frozen=True)
class _Place:
    """One path: the label the user knows it by, the path as given, and the path then each of
    its folders up to the root, each as (resolved text, identity or None when absent)."""

    label: str
    shown: str
    chain: tuple[tuple[str, Identity | None], ...]

    def same(self, other: _Place, depth: int = 0) -> bool:
        """``other`` is this path (``depth`` 0) or one of its folders (``depth`` 1: any)."""
        text, identity = other.chain[0]
        steps = self.chain[:1] if depth == 0 else self.chain[1:]
        return any(t == text or (i is not None and i == identity) for t, i in steps)


def refuse_overlap(
    inputs: Mapping[str, PathLike | None],
    outputs: Mapping[str, PathLike | None],
    may_replace: tuple[str, str] | None = None,
) -> None:
    """Raise UsageError when an output overlaps an input or another output.

    Parameters
    ----------
    inputs, outputs
        Label (``DATA``, ``--config``, ``--output``...) to path; ``None`` entries are skipped, and
        so is the input ``-`` (stdin).
    may_replace
        ``(output label, input label)``: that output may be that very input file (an update in
        place); it may still not hold or lie inside it.
    """
    read: list[_Place] = []
    for label, path in inputs.items():
        if path is not None and str(path) != "-":
            read += _places(label, path)
    written = [_place(label, path) for label, path in outputs.items() if path is not None]
    for k, out in enumerate(written):
        for other in written[:k]:
            problem = _overlap(out, other)
            if problem is not None:
                raise UsageError(
                    f"{out.label} {out.shown} {problem} {other.label} {other.shown}; write them "
                    "to separate paths"
                )
        for source in read:
            problem = _overlap(out, source)
            if problem == "is" and may_replace == (out.label, source.label):
                continue
            if problem is not None:
                raise UsageError(
                    f"{out.label} {out.shown} {problem} the input {source.label} "
                    f"({source.shown}); writing it would destroy the input: write to a path "
                    "outside the inputs"
                )


def _overlap(out: _Place, source: _Place) -> str | None:
    """How ``out`` overlaps ``source`` ("is", "is inside", "holds"), or None."""
    if out.same(source):
        return "is"
    if out.same(source, depth=1):
        return "is inside"
    if source.same(out, depth=1):
        return "holds"
    return None


def _places(label: str, path: PathLike) -> list[_Place]:
    """An input, and for a directory each of its part files, in ``KEY=VALUE`` folders too
    (what the reader opens)."""
    from forecast.data.parquet import part_layout
    from forecast.errors import InputError

    place = _place(label, path)
    real = Path(place.chain[0][0])
    if not real.is_dir():
        return [place]
    try:
        members = [Path(f) for f in part_layout(str(real)).files]
    except (OSError, InputError):
        members = []
    return [place, *(_place(label, m, shown=place.shown) for m in members)]


def _place(label: str, path: PathLike, shown: str | None = None) -> _Place:
    real = os.path.realpath(path)
    chain = [(real, _identity(real))]
    folder = os.path.dirname(real)
    while folder != chain[-1][0]:
        chain.append((folder, _identity(folder)))
        folder = os.path.dirname(folder)
    return _Place(label, printable(str(path)) if shown is None else shown, tuple(chain))


def _identity(path: str) -> Identity | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino)
