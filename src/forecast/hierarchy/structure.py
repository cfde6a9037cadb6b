"""The tree of a hierarchy of series, its summing matrix S, and the aggregated series.

A hierarchy has ``n`` nodes, ``b`` of them bottom series (the leaves), ordered level by level
from the top, so the bottom series are the last ``b`` nodes and

.. math:: S = \\begin{bmatrix} A \\\\ I_b \\end{bmatrix} \\in \\{0, 1\\}^{n \\times b},
   \\qquad y_{\\text{all}} = S\\, y_{\\text{bottom}}

(``S[i, j] = 1`` when bottom series ``j`` lies under node ``i``; Hyndman & Athanasopoulos,
*Forecasting: principles and practice*, 3rd ed., ch. 11). Two ways to give the tree:

* :func:`from_columns`: columns of a long panel, top first (``region/store``). Node ids are
  ``total``, ``region=N``, ``region=N/store=7`` (every ancestor's ``column=value`` joined by
  ``/``, so a store number reused in two regions makes two nodes). Levels are named ``total``,
  ``region``, ``region/store``.
* :func:`from_edges`: a long table with columns ``parent,child`` (a ``--hierarchy-file``), one
  row per edge. One root, every node but the root has one parent, no cycles, and every leaf at
  the same depth (lengthen a short branch with single-child nodes: the same series under a
  new id). Levels are named ``level_0`` (the root) to ``level_<depth>``.

Within a level, nodes are grouped by parent in the parent's order, then sorted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from forecast.errors import InputError

TOTAL = "total"


@dataclass(frozen=True, eq=False)
class Hierarchy:
    """A tree of series, top level first, bottom series last.

    Attributes
    ----------
    nodes : tuple of str
        Node ids, level by level from the top.
    level_names : tuple of str
        One name per level, top first.
    level_starts : tuple of int
        Index of each level's first node, then ``len(nodes)``: level ``k`` is
        ``nodes[level_starts[k]:level_starts[k + 1]]``.
    parents : numpy.ndarray
        ``[n]`` index of each node's parent, ``-1`` for the root.
    summing : scipy.sparse.csr_matrix
        ``[n, b]`` summing matrix S (0/1, float64).
    """

    nodes: tuple[str, ...]
    level_names: tuple[str, ...]
    level_starts: tuple[int, ...]
    parents: np.ndarray
    summing: sparse.csr_matrix

    @property
    def n_nodes(self) -> int:
        """Number of nodes ``n``."""
        return len(self.nodes)

    @property
    def n_bottom(self) -> int:
        """Number of bottom series ``b``."""
        return self.level_starts[-1] - self.level_starts[-2]

    @property
    def bottom(self) -> slice:
        """The bottom series' rows: the last ``b`` nodes."""
        return slice(self.n_nodes - self.n_bottom, self.n_nodes)

    def level_index(self, level: str | int) -> int:
        """The position (0 = top) of a level given by name or position."""
        if isinstance(level, int | np.integer) and not isinstance(level, bool):
            if 0 <= level < len(self.level_names):
                return int(level)
        elif level in self.level_names:
            return self.level_names.index(str(level))
        raise InputError(
            f"no level {level!r} in this hierarchy: give one of {', '.join(self.level_names)} "
            f"or a position 0-{len(self.level_names) - 1}"
        )

    def level_rows(self, level: str | int) -> slice:
        """The rows of one level's nodes."""
        k = self.level_index(level)
        return slice(self.level_starts[k], self.level_starts[k + 1])

    def aggregate(self, bottom: np.ndarray) -> np.ndarray:
        """Every node's series from the bottom ones: ``S @ bottom``.

        Parameters
        ----------
        bottom : numpy.ndarray
            ``[b, ...]`` values of the bottom series (any trailing axes: time, samples). A NaN
            makes its ancestors NaN at that position.

        Returns
        -------
        numpy.ndarray
            ``[n, ...]``.
        """
        values = np.asarray(bottom, dtype=np.float64)
        if values.ndim == 0 or values.shape[0] != self.n_bottom:
            raise ValueError(
                f"bottom must have {self.n_bottom} rows (one per bottom series), "
                f"got shape {values.shape}"
            )
        flat = values.reshape(self.n_bottom, -1)
        return np.asarray(self.summing @ flat).reshape((self.n_nodes, *values.shape[1:]))


def _build(
    level_names: Sequence[str], levels: Sequence[Sequence[tuple[str, str | None]]]
) -> Hierarchy:
    """A Hierarchy from each level's ``(node, parent)`` pairs, in order, the root level first."""
    nodes = [node for level in levels for node, _ in level]
    index = {node: i for i, node in enumerate(nodes)}
    if len(index) != len(nodes):
        raise InputError("node ids repeat across the hierarchy: every node id must be unique")
    parents = np.array(
        [-1 if parent is None else index[parent] for level in levels for _, parent in level],
        dtype=np.int64,
    )
    starts = np.cumsum([0] + [len(level) for level in levels])
    n, b = len(nodes), len(levels[-1])
    rows = [np.arange(n - b, n)]  # every bottom series and each of its ancestors
    for _ in range(len(levels) - 1):
        rows.append(parents[rows[-1]])
    cols = np.tile(np.arange(b), len(rows))
    data = np.ones(cols.size, dtype=np.float64)
    summing = sparse.csr_matrix((data, (np.concatenate(rows), cols)), shape=(n, b))
    return Hierarchy(
        tuple(nodes), tuple(level_names), tuple(int(s) for s in starts), parents, summing
    )


def _check_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    names = [str(c) for c in columns]
    if not names:
        raise InputError("the hierarchy needs at least one column, e.g. --hierarchy region/store")
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise InputError(
            f"hierarchy column(s) {', '.join(missing)} not in the data (columns: "
            f"{', '.join(map(str, frame.columns))}): fix --hierarchy"
        )
    if len(set(names)) != len(names):
        raise InputError(f"hierarchy columns repeat: {'/'.join(names)}")
    return names


def bottom_ids(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """The bottom node id (``region=N/store=7``) of every row of a long panel.

    Raises
    ------
    InputError
        A column is missing, has missing values, or a value or column name holds ``/``.
    """
    names = _check_columns(frame, columns)
    parts = []
    for name in names:
        col = frame[name]
        if col.isna().any():
            raise InputError(f"hierarchy column {name} has missing values: fill or drop those rows")
        text = col.astype(str)
        if "/" in name or "=" in name or text.str.contains("/", regex=False).any():
            raise InputError(
                f"hierarchy column {name}: node ids are column=value joined by '/', so a "
                "column's name cannot hold '/' or '=' nor its values '/': rename or recode them"
            )
        parts.append(name + "=" + text)
    ids = parts[0]
    for part in parts[1:]:
        ids = ids + "/" + part
    return ids


def from_columns(frame: pd.DataFrame, columns: Sequence[str]) -> Hierarchy:
    """The hierarchy defined by columns of a long panel, top level first.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per (series, time), with the hierarchy columns.
    columns : sequence of str
        The columns from the top level down, e.g. ``["region", "store"]``.

    Returns
    -------
    Hierarchy
        Levels ``total``, ``region``, ``region/store``; nodes sorted by the columns' values.
    """
    names = _check_columns(frame, columns)
    bottom_ids(frame, names)  # validates values
    combos = frame[names].drop_duplicates().sort_values(names, kind="stable")
    text = {name: (name + "=" + combos[name].astype(str)).tolist() for name in names}
    levels: list[list[tuple[str, str | None]]] = [[(TOTAL, None)]]
    paths = [TOTAL] * len(combos)
    for k, name in enumerate(names):
        parent_paths = paths
        paths = [p + "/" + t if k else t for p, t in zip(parent_paths, text[name], strict=True)]
        level = dict.fromkeys(zip(paths, parent_paths, strict=True))  # keeps first appearance
        levels.append(list(level))
    level_names = [TOTAL] + ["/".join(names[: k + 1]) for k in range(len(names))]
    return _build(level_names, levels)


def from_edges(edges: pd.DataFrame) -> Hierarchy:
    """The hierarchy given by a long ``parent,child`` table (a ``--hierarchy-file``).

    Parameters
    ----------
    edges : pandas.DataFrame
        Columns ``parent`` and ``child`` (node ids, compared as text), one row per edge.

    Returns
    -------
    Hierarchy
        Levels ``level_0`` (the root) to ``level_<depth>`` (the bottom series).

    Raises
    ------
    InputError
        Missing columns, a node with two parents, no single root, a cycle, or leaves at
        different depths.
    """
    if not {"parent", "child"} <= set(map(str, edges.columns)) or edges.empty:
        raise InputError("a hierarchy file needs columns parent,child and at least one row")
    if edges[["parent", "child"]].isna().any().any():
        raise InputError("the hierarchy file has empty parent or child cells: fill or drop them")
    parent = edges["parent"].astype(str).tolist()
    child = edges["child"].astype(str).tolist()
    parent_of: dict[str, str] = {}
    for p, c in zip(parent, child, strict=True):
        if p == c or parent_of.get(c, p) != p:
            raise InputError(f"node {c} has two parents or is its own parent: a tree needs one")
        parent_of[c] = p
    roots = sorted(set(parent) - set(child))
    if len(roots) != 1:
        raise InputError(
            f"the hierarchy file needs exactly one root (a parent never a child), got {roots}"
        )
    children: dict[str, list[str]] = {}
    for c in sorted(parent_of):
        children.setdefault(parent_of[c], []).append(c)
    levels: list[list[tuple[str, str | None]]] = [[(roots[0], None)]]
    while any(p in children for p, _ in levels[-1]):
        if not all(p in children for p, _ in levels[-1]):
            raise InputError(
                "every bottom series must be at the same depth of the hierarchy file: lengthen "
                "a short branch with single-child nodes (the same series under a new id)"
            )
        levels.append([(c, p) for p, _ in levels[-1] for c in children[p]])
    if sum(len(level) for level in levels) != len(parent_of) + 1:
        raise InputError("the hierarchy file has a cycle: some nodes are not under the root")
    return _build([f"level_{k}" for k in range(len(levels))], levels)


def bottom_matrix(
    frame: pd.DataFrame, hierarchy: Hierarchy, columns: Sequence[str], time: str, value: str
) -> tuple[np.ndarray, np.ndarray]:
    """The bottom series of a long panel as a matrix on a common time grid.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long panel: one row per (bottom series, time).
    hierarchy : Hierarchy
        From :func:`from_columns` on the same frame and columns.
    columns, time, value : str
        The hierarchy columns, the time column and the value column.

    Returns
    -------
    times : numpy.ndarray
        ``[T]`` sorted distinct times.
    values : numpy.ndarray
        ``[b, T]``, NaN where a series has no row at a time (its aggregates are NaN there:
        :meth:`Hierarchy.aggregate`).
    """
    ids = bottom_ids(frame, columns).to_numpy()
    position = {node: i for i, node in enumerate(hierarchy.nodes[hierarchy.bottom])}
    rows = np.array([position.get(node, -1) for node in ids], dtype=np.int64)
    if (rows < 0).any():
        raise InputError(f"series {ids[rows < 0][0]} is not a bottom node of the hierarchy")
    codes, times = pd.factorize(frame[time], sort=True)
    if len(set(zip(rows.tolist(), codes.tolist(), strict=True))) != len(rows):
        raise InputError(f"a bottom series has two rows at the same {time}: aggregate them first")
    values = np.full((hierarchy.n_bottom, len(times)), np.nan)
    values[rows, codes] = frame[value].to_numpy(dtype=np.float64)
    return np.asarray(times), values
