"""Backtest splitters: walk-forward, purged k-fold with embargo, combinatorial purged CV.

Vocabulary (REFERENCE.md). A *sample* is a forecast origin ``t``: the last observation a
forecast may use. With lookback ``L`` its input window is ``[t-L+1, t]``; with horizon ``h`` its
target window is ``[t+1, t+h]``. The valid origins of a series of ``n`` observations are
``L-1 <= t <= n-1-h`` (:func:`valid_origins`).

A splitter turns ``n_obs`` into :class:`Fold` objects holding integer positions only: ``train``
is in *observations* (what a model may learn from), ``test_origins`` in *origins* (what to
forecast from); the scored targets follow from the origins (:meth:`Fold.test_targets`).
Splitters never see data or models and have no side effects: the engine owns the loop.

Purging (AFML ch. 7, as REFERENCE.md words it): a training sample is removed when its target
window overlaps a test target, or when its input window contains a test target. For a block of
test origins ``[a, b]`` (targets ``[a+1, b+h]``) that removes the ``h-1`` origins before the
block and the ``h+L-1`` origins after it; the embargo then removes ``e`` more origins after
those. The training observations are exactly the union of the input and target windows of the
samples that survive, so a window model (:func:`allowed_origins`) and a model that needs one
contiguous segment (:func:`longest_run_before`) both read what they may use from ``train``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from forecast.errors import InputError, UsageError

WindowKind = Literal["expanding", "rolling"]
Embargo = float | int  # a fraction in [0, 1) of the series length, or a count of origins
MAX_SPLITS = 100_000  # combinatorial CV: more splits than this is a misconfiguration

_INT = np.int64


# --- folds ----------------------------------------------------------------------------------


def runs(positions: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of consecutive integers in a sorted array, as ``[start, end)`` pairs.

    >>> runs(np.array([0, 1, 2, 5, 6, 9]))
    [(0, 3), (5, 7), (9, 10)]
    """
    if positions.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(positions) != 1) + 1  # [n_runs - 1]
    starts = positions[np.concatenate(([0], breaks))]
    ends = positions[np.concatenate((breaks - 1, [positions.size - 1]))] + 1
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def _cover(starts: np.ndarray, stops: np.ndarray, size: int) -> np.ndarray:
    """Sorted unique positions in ``[0, size)`` covered by the intervals
    ``[starts[i], stops[i])``."""
    starts = np.clip(starts, 0, size)
    stops = np.clip(stops, 0, size)
    if starts.size == 0 or (lo := int(starts.min())) >= (hi := int(stops.max())):
        return np.empty(0, dtype=_INT)
    delta = np.zeros(hi - lo + 1, dtype=np.int64)  # difference array over positions lo..hi
    np.add.at(delta, starts - lo, 1)
    np.add.at(delta, stops - lo, -1)
    return (np.flatnonzero(np.cumsum(delta[:-1]) > 0) + lo).astype(_INT)


def _frozen(values: Any) -> np.ndarray:
    out = np.array(values, dtype=_INT).reshape(-1)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Fold:
    """One train/test split, in integer positions.

    Parameters
    ----------
    index
        Position of the fold in its splitter's sequence (0-based).
    train
        Sorted positions of the observations the model may learn from.
    test_origins
        Sorted forecast origins: the last observation each forecast may use.
    horizon
        Number of scored steps per origin.
    groups
        Combinatorial purged CV: the test groups of this split, else ``()``.
    gap
        Walk-forward with a gap: the targets of origin ``t`` are ``t+gap+1 .. t+gap+h`` (lead
        times ``gap+1 .. gap+h``; the first ``gap`` steps are forecast but not scored). 0 in
        every other splitter.
    """

    index: int
    train: np.ndarray  # [n_train] observation positions
    test_origins: np.ndarray  # [n_test] origin positions
    horizon: int
    groups: tuple[int, ...] = ()
    gap: int = 0
    _targets: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "train", _frozen(self.train))
        object.__setattr__(self, "test_origins", _frozen(self.test_origins))
        origins = self.test_origins
        first = self.gap + 1  # first scored lead time
        size = int(origins[-1]) + self.gap + self.horizon + 1 if origins.size else 0
        targets = _cover(origins + first, origins + first + self.horizon, size)
        targets.setflags(write=False)
        object.__setattr__(self, "_targets", targets)

    def test_targets(self) -> np.ndarray:
        """Sorted unique positions ``t+gap+1 .. t+gap+h`` over all test origins ``t``."""
        return self._targets  # [n_targets]

    def train_ranges(self) -> list[tuple[int, int]]:
        """``[start, end)`` runs of ``train``."""
        return runs(self.train)

    def test_ranges(self) -> list[tuple[int, int]]:
        """``[start, end)`` runs of :meth:`test_targets`."""
        return runs(self._targets)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description: every index set as a list of ``[start, end)`` runs."""
        return {
            "index": self.index,
            "horizon": self.horizon,
            "gap": self.gap,
            "train": [list(r) for r in self.train_ranges()],
            "test": [list(r) for r in self.test_ranges()],
            "test_origins": [list(r) for r in runs(self.test_origins)],
            "groups": list(self.groups),
        }


@runtime_checkable
class Splitter(Protocol):
    """What the engine needs from a splitter."""

    def split(self, n_obs: int) -> Iterator[Fold]:
        """The folds of a series of ``n_obs`` observations, in order."""
        ...

    def n_splits(self, n_obs: int) -> int:
        """How many folds :meth:`split` yields for ``n_obs`` observations."""
        ...

    def describe(self) -> str:
        """One line naming the scheme and its parameters, for reports."""
        ...


# --- what a model may train on ------------------------------------------------------------


def valid_origins(n_obs: int, horizon: int, lookback: int = 1) -> range:
    """Origins with a full input window and a full target window: ``L-1 <= t <= n-1-h``."""
    return range(lookback - 1, n_obs - horizon)


def _origin_blocks(
    n_obs: int, horizon: int, lookback: int, k: int, words: tuple[str, str, str]
) -> list[tuple[int, int]]:
    """The valid origins of ``n_obs`` observations cut into ``k`` contiguous ``[start, end)``
    blocks; an InputError when there are fewer than ``k``, worded by ``words``: the scheme,
    the name of ``k`` and what a block is."""
    origins = valid_origins(n_obs, horizon, lookback)
    if len(origins) < k:
        who, symbol, unit = words
        raise InputError(
            f"{who} needs at least {symbol} + horizon + lookback - 1 = "
            f"{k + horizon + lookback - 1} observations (one valid origin per {unit}), got "
            f"{n_obs}: use fewer {unit}s or a longer series"
        )
    return _blocks(origins.start, origins.stop, k)


def allowed_origins(fold: Fold, lookback: int, horizon: int | None = None) -> np.ndarray:
    """Origins whose whole input window and target window lie inside ``fold.train``.

    These are the samples a window model (lookback ``lookback``, horizon ``horizon``, by
    default the fold's) may train on. For purged k-fold and combinatorial CV with the same
    lookback and horizon they are exactly the samples that survive purging and embargo.
    """
    h = fold.horizon if horizon is None else horizon
    parts = [np.arange(s + lookback - 1, e - h, dtype=_INT) for s, e in fold.train_ranges()]
    return np.concatenate(parts) if parts else np.empty(0, dtype=_INT)  # [n_allowed]


def _longest(candidates: list[tuple[int, int]]) -> tuple[int, int] | None:
    if not candidates:
        return None
    # the longest; among equally long runs, the most recent one
    return max(candidates, key=lambda r: (r[1] - r[0], r[0]))


def longest_run(fold: Fold) -> tuple[int, int] | None:
    """The longest contiguous ``[start, end)`` run of ``train`` (the latest among ties)."""
    return _longest(fold.train_ranges())


def longest_run_before(fold: Fold) -> tuple[int, int] | None:
    """The longest ``[start, end)`` run of ``train`` that ends before the first test target
    (the latest among ties), or ``None``: the segment for a model that cannot train on
    non-contiguous data and must not be fitted after what it forecasts."""
    targets = fold.test_targets()
    first = int(targets[0]) if targets.size else None
    before = [r for r in fold.train_ranges() if first is None or r[1] <= first]
    return _longest(before)


# --- purging --------------------------------------------------------------------------------


def purged_train_origins(
    first: int,
    stop: int,
    test_blocks: Sequence[tuple[int, int]],
    *,
    before: int,
    after: int,
    embargo: int,
) -> np.ndarray:
    """Origins in ``[first, stop)`` that survive purging and embargo around test blocks.

    Each test block ``[a, b)`` removes the origins ``a-before .. b-1+after+embargo``: the test
    origins themselves, ``before`` origins before the block, ``after`` after it, then
    ``embargo`` more. Purged k-fold and combinatorial CV call it with ``before = h-1`` and
    ``after = h+L-1`` (the purge rule of the module docstring); the counting form is that of
    skfolio's ``purged_size`` (``before = after = purged_size``) and ``embargo_size``.
    """
    keep = np.ones(max(stop - first, 0), dtype=bool)  # [stop - first]
    for a, b in test_blocks:
        lo = max(a - before, first)
        hi = min(b + after + embargo, stop)
        if lo < hi:
            keep[lo - first : hi - first] = False
    return (np.flatnonzero(keep) + first).astype(_INT)


def _window_cover(origins: np.ndarray, lookback: int, horizon: int, n_obs: int) -> np.ndarray:
    """Observations inside the input or target window of at least one origin."""
    return _cover(origins - lookback + 1, origins + horizon + 1, n_obs)


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise UsageError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _check_embargo(embargo: object) -> Embargo:
    if isinstance(embargo, bool):
        raise UsageError(f"embargo must be a fraction in [0, 1) or a count >= 0, got {embargo!r}")
    if isinstance(embargo, int | np.integer):
        if embargo < 0:
            raise UsageError(f"embargo must be a count >= 0 of origins, got {embargo}")
        return int(embargo)
    if isinstance(embargo, float | np.floating) and math.isfinite(embargo):
        if not 0 <= embargo < 1:
            raise UsageError(
                f"embargo must be a fraction in [0, 1) of the series length, got {embargo:g}; "
                "pass a whole number for a count of origins"
            )
        return float(embargo)
    raise UsageError(f"embargo must be a fraction in [0, 1) or a count >= 0, got {embargo!r}")


def embargo_count(embargo: Embargo, n_obs: int) -> int:
    """Origins embargoed after each test block: the count itself, or ``ceil(pct * n_obs)``
    for a fraction (AFML ch. 7; ``n_obs`` is the series length)."""
    if isinstance(embargo, int):
        return embargo
    return math.ceil(embargo * n_obs)


def _describe_embargo(embargo: Embargo) -> str:
    if isinstance(embargo, int):
        return f"{embargo} origin{'s' if embargo != 1 else ''}"
    return f"ceil({embargo:g} * n) origins"


def _blocks(first: int, stop: int, k: int) -> list[tuple[int, int]]:
    """``[first, stop)`` cut into ``k`` contiguous ``[start, end)`` blocks, the first
    ``(stop - first) % k`` one longer (the numpy ``array_split`` / scikit-learn ``KFold`` sizes)."""
    size, extra = divmod(stop - first, k)
    bounds = [first]
    for i in range(k):
        bounds.append(bounds[-1] + size + (1 if i < extra else 0))
    return list(itertools.pairwise(bounds))


def _purged_fold(
    index: int,
    n_obs: int,
    horizon: int,
    lookback: int,
    embargo: int,
    test_blocks: Sequence[tuple[int, int]],
    groups: tuple[int, ...] = (),
) -> Fold:
    origins = valid_origins(n_obs, horizon, lookback)
    survivors = purged_train_origins(
        origins.start,
        origins.stop,
        test_blocks,
        before=horizon - 1,
        after=horizon + lookback - 1,
        embargo=embargo,
    )
    if survivors.size == 0:
        raise InputError(
            f"fold {index}: no training sample is left after purging (horizon={horizon}, "
            f"lookback={lookback}, embargo={embargo}) on {n_obs} observations: use fewer "
            "folds/groups, a smaller embargo or lookback, or a longer series"
        )
    test = np.concatenate([np.arange(a, b, dtype=_INT) for a, b in test_blocks])
    return Fold(
        index=index,
        train=_window_cover(survivors, lookback, horizon, n_obs),
        test_origins=np.sort(test),
        horizon=horizon,
        groups=groups,
    )


# --- walk-forward ---------------------------------------------------------------------------


class WalkForward:
    """Walk-forward (time-series) splits: one fold per forecast origin.

    Origins are ``t = initial-1, initial-1+step, ...`` while ``t + gap + horizon <= n-1``. The
    fold of origin ``t`` trains on ``[0, t]`` (expanding) or ``[t-train_size+1, t]``
    (rolling), never on anything after ``t``, and scores the targets
    ``t+gap+1 .. t+gap+horizon``: with a gap the model still forecasts from ``t`` (lead times
    ``gap+1 .. gap+horizon``) and the first ``gap`` steps are not scored. ``Fold.gap`` carries
    it, ``Fold.test_origins`` is ``[t]``.

    ``n=12, horizon=2, initial=6, step=2`` (``=`` train, ``o`` origin, ``*`` target)::

        fold 0   =====o**....     train [0, 6)   targets 6, 7
        fold 1   =======o**..     train [0, 8)   targets 8, 9
        fold 2   =========o**     train [0, 10)  targets 10, 11

    rolling with ``train_size=4``, same origins::

        fold 0   ..===o**....     train [2, 6)
        fold 1   ....===o**..     train [4, 8)
        fold 2   ......===o**     train [6, 10)

    Parameters
    ----------
    horizon
        Scored steps per origin (>= 1).
    initial
        Length of the first training window, so the first origin is ``initial-1``. Default:
        ``max(n // 2, 2 * horizon)`` for an expanding window (half the series to fit the
        first model on, the usual holdout start, and never fewer than two horizons of
        history), ``train_size`` for a rolling one (the first full window).
    step
        Origins between consecutive folds (>= 1).
    window
        ``"expanding"`` or ``"rolling"``.
    train_size
        Rolling window length (required for, and only for, ``window="rolling"``).
    gap
        Unscored steps between the origin and the first target (>= 0).
    """

    def __init__(
        self,
        horizon: int,
        initial: int | None = None,
        step: int = 1,
        window: WindowKind = "expanding",
        train_size: int | None = None,
        gap: int = 0,
    ) -> None:
        self.horizon = _check_int("horizon", horizon, 1)
        self.step = _check_int("step", step, 1)
        self.gap = _check_int("gap", gap, 0)
        if window not in ("expanding", "rolling"):
            raise UsageError(f"window must be 'expanding' or 'rolling', got {window!r}")
        self.window: WindowKind = window
        if window == "rolling":
            if train_size is None:
                raise UsageError("a rolling window needs train_size (its length): pass one")
            self.train_size: int | None = _check_int("train_size", train_size, 1)
        elif train_size is not None:
            raise UsageError(
                f"train_size={train_size} only applies to window='rolling': drop it or "
                "pass window='rolling'"
            )
        else:
            self.train_size = None
        self.initial = None if initial is None else _check_int("initial", initial, 1)
        if (
            self.train_size is not None
            and self.initial is not None
            and self.initial < self.train_size
        ):
            raise UsageError(
                f"initial={self.initial} is shorter than the rolling window "
                f"train_size={self.train_size}: pass initial >= train_size or leave it out"
            )

    def initial_for(self, n_obs: int) -> int:
        """The length of the first training window for ``n_obs`` observations."""
        if self.initial is not None:
            return self.initial
        if self.train_size is not None:
            return self.train_size
        return max(n_obs // 2, 2 * self.horizon)

    def origins(self, n_obs: int) -> range:
        """The forecast origins, one per fold. Raises :class:`InputError` when there is none."""
        initial = self.initial_for(n_obs)
        last = n_obs - 1 - self.gap - self.horizon  # last origin with all its targets observed
        if initial - 1 > last:
            raise InputError(
                f"walk-forward needs at least initial + gap + horizon = "
                f"{initial + self.gap + self.horizon} observations (initial={initial}, "
                f"gap={self.gap}, horizon={self.horizon}), got {n_obs}: use a longer series "
                "or a smaller initial window or horizon"
            )
        return range(initial - 1, last + 1, self.step)

    def n_splits(self, n_obs: int) -> int:
        """Number of folds (origins) for ``n_obs`` observations."""
        return len(self.origins(n_obs))

    def split(self, n_obs: int) -> Iterator[Fold]:
        """One :class:`Fold` per origin, in time order."""
        for i, t in enumerate(self.origins(n_obs)):
            start = 0 if self.train_size is None else t - self.train_size + 1
            yield Fold(
                index=i,
                train=np.arange(start, t + 1, dtype=_INT),
                test_origins=np.array([t], dtype=_INT),
                horizon=self.horizon,
                gap=self.gap,
            )

    def describe(self) -> str:
        if self.initial is not None:
            initial = str(self.initial)
        elif self.train_size is not None:
            initial = f"train_size ({self.train_size})"
        else:
            initial = "max(n // 2, 2 * horizon)"
        size = f" of {self.train_size}" if self.train_size is not None else ""
        return (
            f"walk-forward, {self.window} window{size}: horizon={self.horizon}, "
            f"initial={initial}, step={self.step}, gap={self.gap}"
        )


# --- purged k-fold --------------------------------------------------------------------------


class PurgedKFold:
    """Purged k-fold with embargo (López de Prado, AFML ch. 7).

    The valid origins are cut into ``k`` contiguous test blocks (sizes differ by at most one,
    the first ones longer). For block ``[a, b]`` the test targets are ``[a+1, b+h]``; the
    training samples are the other valid origins minus the ``h-1`` before the block, the
    ``h+L-1`` after it and the embargo ``e`` after those. Training includes data after the
    block. ``train`` is the union of the input and target windows of the surviving samples.

    ``n=20, h=2, L=3, k=4, embargo=1``: valid origins 2..17, blocks 2-5, 6-9, 10-13, 14-17.
    Fold 1 (``T`` test origin, ``p`` purged, ``e`` embargoed, ``s`` training sample, ``.``
    not a valid origin; second line: ``=`` training observation, ``*`` test target)::

        position  01234567890123456789
        origin    ..ssspTTTTppppesss..
        obs       =======*****.=======

    train ``[0, 7) + [13, 20)``, test targets ``[7, 12)``; observation 12 is the embargo gap.

    Parameters
    ----------
    k
        Number of folds (>= 2).
    horizon
        Target window length ``h`` (>= 1).
    lookback
        Input window length ``L`` (>= 1): the largest lookback of any input.
    embargo
        A fraction in ``[0, 1)``: ``ceil(fraction * n)`` origins; or a whole count ``>= 0``.
    """

    def __init__(self, k: int, horizon: int, lookback: int = 1, embargo: Embargo = 0) -> None:
        self.k = _check_int("k", k, 2)
        self.horizon = _check_int("horizon", horizon, 1)
        self.lookback = _check_int("lookback", lookback, 1)
        self.embargo = _check_embargo(embargo)

    def blocks(self, n_obs: int) -> list[tuple[int, int]]:
        """The ``[start, end)`` origin ranges of the ``k`` test blocks."""
        who = f"purged {self.k}-fold"
        return _origin_blocks(n_obs, self.horizon, self.lookback, self.k, (who, "k", "fold"))

    def n_splits(self, n_obs: int) -> int:
        """``k`` (after checking the series is long enough)."""
        return len(self.blocks(n_obs))

    def split(self, n_obs: int) -> Iterator[Fold]:
        """One :class:`Fold` per test block, in time order. Raises :class:`InputError` on a
        fold left with no training sample."""
        embargo = embargo_count(self.embargo, n_obs)
        for i, block in enumerate(self.blocks(n_obs)):
            yield _purged_fold(i, n_obs, self.horizon, self.lookback, embargo, [block])

    def describe(self) -> str:
        return (
            f"purged {self.k}-fold: horizon={self.horizon}, lookback={self.lookback}, "
            f"embargo={_describe_embargo(self.embargo)}"
        )


# --- combinatorial purged CV ----------------------------------------------------------------


class CombinatorialPurgedCV:
    """Combinatorial purged cross-validation (López de Prado, AFML ch. 12).

    The valid origins are cut into ``N = n_groups`` contiguous groups (as in
    :class:`PurgedKFold`). Each of the ``C(N, k)`` splits tests ``k = k_test`` groups, in
    lexicographic order of the combinations, and trains on the rest, purged and embargoed
    around every test group exactly as in :class:`PurgedKFold`. The forecasts recombine into
    ``phi = C(N-1, k-1)`` backtest paths (:meth:`paths`).

    ``N=4, k=2`` (``T`` test group, ``=`` training group before purging)::

        split 0 (0, 1)   T T = =        split 3 (1, 2)   = T T =
        split 1 (0, 2)   T = T =        split 4 (1, 3)   = T = T
        split 2 (0, 3)   T = = T        split 5 (2, 3)   = = T T

    paths (the j-th split in which each group is tested)::

        path 0: group 0 <- split 0, group 1 <- split 0, group 2 <- split 1, group 3 <- split 2
        path 1: group 0 <- split 1, group 1 <- split 3, group 2 <- split 3, group 3 <- split 4
        path 2: group 0 <- split 2, group 1 <- split 4, group 2 <- split 5, group 3 <- split 5

    Parameters
    ----------
    n_groups
        ``N`` (>= 2).
    k_test
        ``k``, test groups per split (1 <= k < N; k = 1 is purged N-fold).
    horizon, lookback, embargo
        As in :class:`PurgedKFold`.
    """

    def __init__(
        self,
        n_groups: int,
        k_test: int,
        horizon: int,
        lookback: int = 1,
        embargo: Embargo = 0,
    ) -> None:
        self.n_groups = _check_int("n_groups", n_groups, 2)
        self.k_test = _check_int("k_test", k_test, 1)
        if self.k_test >= self.n_groups:
            raise UsageError(
                f"k_test must be smaller than n_groups, got k_test={k_test}, n_groups={n_groups}"
            )
        count = math.comb(self.n_groups, self.k_test)
        if count > MAX_SPLITS:
            raise UsageError(
                f"n_groups={n_groups}, k_test={k_test} make {count:,} splits (more than "
                f"{MAX_SPLITS:,}), each a model fit: use fewer groups or a k_test further "
                "from n_groups / 2"
            )
        self.horizon = _check_int("horizon", horizon, 1)
        self.lookback = _check_int("lookback", lookback, 1)
        self.embargo = _check_embargo(embargo)

    def combinations(self) -> list[tuple[int, ...]]:
        """The test groups of each split, in lexicographic order."""
        return list(itertools.combinations(range(self.n_groups), self.k_test))

    @property
    def n_paths(self) -> int:
        """``phi = C(N-1, k-1)`` backtest paths."""
        return math.comb(self.n_groups - 1, self.k_test - 1)

    def paths(self) -> list[list[tuple[int, int]]]:
        """Path ``j`` as ``[(group, split_index), ...]`` for every group: for each group, the
        ``j``-th split (in lexicographic order) in which that group is tested."""
        tested_in: list[list[int]] = [[] for _ in range(self.n_groups)]
        for s, combo in enumerate(self.combinations()):
            for g in combo:
                tested_in[g].append(s)
        return [[(g, tested_in[g][j]) for g in range(self.n_groups)] for j in range(self.n_paths)]

    def group_ranges(self, n_obs: int) -> list[tuple[int, int]]:
        """The ``[start, end)`` origin range of each group."""
        who = f"combinatorial purged CV with {self.n_groups} groups"
        words = (who, "n_groups", "group")
        return _origin_blocks(n_obs, self.horizon, self.lookback, self.n_groups, words)

    def group_of_origin(self, n_obs: int) -> np.ndarray:
        """``[n_obs]``: the group of each position as an origin, -1 where it is not valid."""
        out = np.full(n_obs, -1, dtype=_INT)
        for g, (a, b) in enumerate(self.group_ranges(n_obs)):
            out[a:b] = g
        return out

    def n_splits(self, n_obs: int) -> int:
        """``C(N, k)`` (after checking the series is long enough)."""
        self.group_ranges(n_obs)
        return math.comb(self.n_groups, self.k_test)

    def split(self, n_obs: int) -> Iterator[Fold]:
        """One :class:`Fold` per combination of test groups, in lexicographic order, with
        ``Fold.groups`` the combination. Raises :class:`InputError` on a split left with no
        training sample."""
        ranges = self.group_ranges(n_obs)
        embargo = embargo_count(self.embargo, n_obs)
        for i, combo in enumerate(self.combinations()):
            blocks = [ranges[g] for g in combo]
            yield _purged_fold(i, n_obs, self.horizon, self.lookback, embargo, blocks, combo)

    def describe(self) -> str:
        return (
            f"combinatorial purged CV: {self.n_groups} groups, {self.k_test} tested per split "
            f"({math.comb(self.n_groups, self.k_test)} splits, {self.n_paths} paths), "
            f"horizon={self.horizon}, lookback={self.lookback}, "
            f"embargo={_describe_embargo(self.embargo)}"
        )
