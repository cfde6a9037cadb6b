"""Block bootstraps (MBB, CBB, SB) of a series or a loss series, and bootstrap intervals.

The index generators reproduce, replicate after replicate, the index streams of
``arch.bootstrap.MovingBlockBootstrap``, ``CircularBlockBootstrap`` and ``StationaryBootstrap``
for the same seed and block size, but build all replicates at once. What arch draws, per
replicate (``rng`` is ``np.random.default_rng(seed)`` or the Generator passed in)::

    moving     rng.integers(n - b + 1, size=ceil(n / b))   block starts
    circular   rng.integers(n, size=ceil(n / b))           block starts, wrapping mod n
    stationary rng.integers(n, size=n); rng.random(n)      a start per position, then a
                                                           uniform: u[i] <= 1/b starts a block

One ``integers`` call of ``reps * k`` values is the same stream as ``reps`` calls of ``k``
values (NumPy draws bounded integers one at a time from the same bit stream, and keeps the
half-used 32-bit word in the bit generator), so MBB and CBB take one call. For SB the
interleaving of integers and uniforms forbids that, so there are two exact paths:

- PCG64 (what ``default_rng`` builds): draw the raw 64-bit words once and redo NumPy's two
  transformations on them: Lemire's bounded integers on 32-bit halves (with its rare
  rejections and the buffered half word) and ``(word >> 11) * 2**-53`` for the uniforms,
  compared as integers. Only the integers at block starts are computed.
- any other bit generator: the same ``integers`` / ``random`` calls as arch, one replicate at a
  time, then the same vectorised assembly.

Both leave the Generator in the state arch leaves it in.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from numpy.lib.stride_tricks import as_strided

from forecast.errors import ComputeError, InputError, UsageError

BootstrapMethod = Literal["moving", "circular", "stationary"]
IntervalMethod = Literal["stationary", "circular"]
IntervalKind = Literal["percentile", "basic"]
Seed = int | np.random.Generator

BOOTSTRAP_METHODS: tuple[str, ...] = ("moving", "circular", "stationary")
_U32_LIMIT = 2**32 - 1  # NumPy's 32-bit Lemire path serves ranges up to 2**32 - 1 values
_CHUNK_WORDS = 1 << 20  # raw 64-bit words drawn at a time by the PCG64 path (8 MiB)
_min = np.minimum.reduce
_ASSEMBLY_ITEMS = 1 << 17  # index values assembled at a time (1 MiB of steps)


# --------------------------------------------------------------------------------------------
# validation and seeds


def _check_method(method: str, allowed: tuple[str, ...], name: str = "method") -> None:
    if method not in allowed:
        raise UsageError(f"{name} must be one of {', '.join(allowed)}, got {method!r}")


def _check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
        raise UsageError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def _check_block_size(method: str, n: int, block_size: float) -> float:
    """Block size as arch takes it: an integer for MBB/CBB, any real >= 1 for SB; <= n."""
    if method == "stationary":
        if isinstance(block_size, bool) or not isinstance(block_size, numbers.Real):
            raise UsageError(f"block_size must be a number >= 1, got {block_size!r}")
        size = float(block_size)
    else:
        size = float(_check_positive_int(block_size, "block_size"))
    if not (1.0 <= size <= n):
        raise UsageError(
            f"block_size must be between 1 and the series length {n}, got {block_size!r}"
        )
    return size


def as_generator(seed: Seed) -> np.random.Generator:
    """The Generator arch would use: ``default_rng(int)``, or the Generator itself."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0:
        raise UsageError(f"seed must be an integer >= 0 or a numpy Generator, got {seed!r}")
    return np.random.default_rng(int(seed))


# --------------------------------------------------------------------------------------------
# index generators


def bootstrap_indices(
    method: BootstrapMethod, n: int, block_size: float, reps: int, seed: Seed
) -> np.ndarray:
    """Indices of ``reps`` block-bootstrap replicates of a series of length ``n``.

    Row ``r`` equals the ``r``-th index array of arch's ``MovingBlockBootstrap``,
    ``CircularBlockBootstrap`` or ``StationaryBootstrap`` built with the same block size and
    seed (``bs.bootstrap(reps)``), and a Generator passed as ``seed`` is advanced exactly as
    arch advances it.

    Parameters
    ----------
    method : {"moving", "circular", "stationary"}
        Moving blocks (starts uniform in ``0..n-b``), circular blocks (starts uniform in
        ``0..n-1``, wrapping) or the stationary bootstrap (geometric block lengths, mean b).
    n : int
        Length of the series (>= 1).
    block_size : int or float
        Block length b, ``1 <= b <= n``; an integer for MBB/CBB, any real for SB (mean length).
    reps : int
        Number of replicates (>= 1).
    seed : int or numpy.random.Generator
        An integer goes to ``np.random.default_rng``; a Generator is used (and advanced).

    Returns
    -------
    numpy.ndarray
        int64 array ``[reps, n]``, values in ``0..n-1``.
    """
    _check_method(method, BOOTSTRAP_METHODS)
    n = _check_positive_int(n, "n")
    reps = _check_positive_int(reps, "reps")
    size = _check_block_size(method, n, block_size)
    rng = as_generator(seed)
    if method == "stationary":
        return _stationary(n, float(1.0 / block_size), reps, rng)  # p as arch computes it
    return _fixed_blocks(method == "circular", n, int(size), reps, rng)


def _fixed_blocks(
    circular: bool, n: int, b: int, reps: int, rng: np.random.Generator
) -> np.ndarray:
    """MBB / CBB: ceil(n/b) block starts per replicate, drawn for all replicates in one call."""
    n_blocks = -(-n // b)
    upper = n if circular else n - b + 1
    starts = rng.integers(upper, size=reps * n_blocks, dtype=np.int64)  # [reps * n_blocks]
    if b == 1:
        return starts.reshape(reps, n)
    blocks = np.empty((reps * n_blocks, b), dtype=np.int64)  # [reps * n_blocks, b]
    if b < 8:  # short rows make the broadcast slow: fill one column at a time
        for k in range(b):
            np.add(starts, k, out=blocks[:, k])
    else:
        np.add(starts[:, None], np.arange(b, dtype=np.int64), out=blocks)
    if circular:
        wraps = np.flatnonzero(starts > n - b)  # blocks running past the end: few
        blocks[wraps] %= n
    # [reps, n] view (the last block of each replicate is cut to length)
    return blocks.reshape(reps, n_blocks * b)[:, :n]


def _stationary(n: int, p: float, reps: int, rng: np.random.Generator) -> np.ndarray:
    """SB indices; the raw-word path for PCG64, arch's own calls for other bit generators."""
    bitgen = rng.bit_generator
    if type(bitgen) is np.random.PCG64 and 2 <= n <= _U32_LIMIT and sys.byteorder == "little":
        starts, values = _stationary_pcg64(n, p, reps, bitgen)
    else:
        starts, values = _stationary_calls(n, p, reps, rng)
    return _assemble_blocks(n, reps, starts, values)


def _stationary_calls(
    n: int, p: float, reps: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Block starts (flat positions in ``[reps, n]``) and their values, via arch's calls."""
    draws = np.empty((reps, n), dtype=np.int64)  # [reps, n]
    uniforms = np.empty((reps, n))  # [reps, n]
    for r in range(reps):
        draws[r] = rng.integers(n, size=n, dtype=np.int64)
        rng.random(out=uniforms[r])
    new = uniforms <= p  # arch continues the block when u > p
    new[:, 0] = True
    starts = np.flatnonzero(new)
    return starts, draws.reshape(-1)[starts]


@dataclass(frozen=True)
class _Draws:
    """What NumPy does with PCG64's words for SB on a series of length n (see below)."""

    n: int
    threshold: int  # Lemire rejects x when (x * n) mod 2**32 < threshold; 0: never
    word_cut: np.uint64  # u <= p  <=>  word < word_cut
    all_new: bool  # p == 1: every position starts a block

    def rejected(self, half: int) -> bool:
        return self.threshold > 0 and (half * self.n) % 2**32 < self.threshold


def _stationary_pcg64(
    n: int, p: float, reps: int, bitgen: np.random.PCG64
) -> tuple[np.ndarray, np.ndarray]:
    """Block starts and values for SB from PCG64's raw words, exactly as NumPy derives them.

    Per replicate NumPy's ``integers(n, size=n)`` takes 32-bit values: first a half word left
    in the bit generator (``has_uint32``), then the low and high halves of fresh 64-bit words.
    Each value x becomes ``(x * n) >> 32`` unless ``(x * n) mod 2**32 < (2**32 - n) mod n``,
    when it is rejected and the next one is taken (Lemire, 2019). ``random(n)`` then takes n
    whole words w, ``u = (w >> 11) * 2**-53``; ``u <= p`` holds exactly when ``w < T`` with
    ``T = (floor(p * 2**53) + 1) * 2**11``. Only the values at block starts are mapped.

    Without rejections the replicates follow each other at fixed strides (or strides
    alternating with the half word left over when n is odd), so runs of replicates are done
    as 2-D strided views; a replicate with a rejection (probability below n / 2**32 per
    value) is done alone, and the run after it starts again from where it ended.
    """
    saved = bitgen.state
    buffered = bool(saved["has_uint32"])
    buffer_value = int(saved["uinteger"])
    k = math.floor(p * 2.0**53)
    all_new = k >= 2**53 - 1
    draws = _Draws(
        n=n,
        threshold=(2**32 - n) % n,
        word_cut=np.uint64(0 if all_new else (k + 1) << 11),
        all_new=all_new,
    )
    span = n + (n + 1) // 2  # words of one replicate without rejections, at most
    stream = _WordStream(bitgen, expected=reps * span + 1)
    start_parts: list[np.ndarray] = []  # flat positions in [reps, n]
    value_parts: list[np.ndarray] = []  # the 32-bit values at those starts
    r = 0
    while r < reps:
        words, pos = stream.window(span + 1)
        rows = min((words.size - pos - 1) // span, reps - r)
        done, starts, x, end, buffered, buffer_value = _run(
            words, pos, rows, draws, buffered, buffer_value
        )
        if done:
            stream.seek(end)
            start_parts.append(starts + r * n)
            value_parts.append(x)
            r += done
        if done < rows:  # replicate r has a rejection
            starts, x, buffered, buffer_value = _replicate(stream, draws, buffered, buffer_value)
            start_parts.append(starts + r * n)
            value_parts.append(x)
            r += 1

    stream.finish(saved, buffered, buffer_value)
    x_all = np.concatenate(value_parts).astype(np.uint64)
    values = ((x_all * np.uint64(n)) >> np.uint64(32)).astype(np.int64)
    return np.concatenate(start_parts), values


def _run(
    words: np.ndarray, pos: int, rows: int, draws: _Draws, buffered: bool, buffer_value: int
) -> tuple[int, np.ndarray, np.ndarray, int, bool, int]:
    """Up to ``rows`` replicates from ``words[pos:]``, vectorised, stopping at a rejection.

    Returns the number done, their block starts (flat in ``[done, n]``), the 32-bit values
    at those starts, the word after the last replicate, and the half word left over.
    """
    n = draws.n
    empty = np.empty(0, dtype=np.int64)
    if buffered and draws.rejected(buffer_value):
        return 0, empty, empty.astype(np.uint32), pos, buffered, buffer_value
    halves = words.view(np.uint32)
    # layout: replicate i takes fresh[i] words of halves (n values, one fewer after a half
    # word left over), then n words of uniforms; an odd count leaves a half word over.
    period = 1 if n % 2 == 0 else 2
    lead = np.zeros(rows, dtype=bool)  # [rows] starts with the half word left over
    lead[0::2] = buffered
    lead[1::2] = buffered if period == 1 else not buffered
    fresh = (n - lead + 1) // 2  # [rows]
    spans = fresh + n  # [rows]
    offsets = np.zeros(rows, dtype=np.int64)  # [rows] first word of each replicate
    np.cumsum(spans[:-1], out=offsets[1:])
    offsets += pos
    stride = int(spans[:period].sum()) * 8  # bytes from one replicate to the next of its kind

    done = rows
    if draws.threshold:  # every fresh half of a replicate, and the half word it leaves over
        bad = np.zeros(rows, dtype=bool)
        for c in range(min(period, rows)):
            view = as_strided(
                halves[2 * offsets[c] :],
                shape=(len(range(c, rows, period)), 2 * int(fresh[c])),
                strides=(stride, 4),
            )
            bad[c::period] = _min(view * np.uint32(n), axis=1) < draws.threshold
        if bad.any():
            done = int(np.argmax(bad))
        if done == 0:
            return 0, empty, empty.astype(np.uint32), pos, buffered, buffer_value

    new = np.empty((done, n), dtype=bool)  # [done, n] does position j start a block
    if draws.all_new:
        new.fill(True)
    else:
        for c in range(min(period, done)):
            view = as_strided(
                words[offsets[c] + fresh[c] :],
                shape=(len(range(c, done, period)), n),
                strides=(stride, 8),
            )
            np.less(view, draws.word_cut, out=new[c::period])
        new[:, 0] = True
    starts = np.flatnonzero(new)  # flat positions i * n + j
    row_start = np.searchsorted(starts, np.arange(done + 1) * n)  # [done + 1]
    first = 2 * offsets[:done]  # [done] first fresh half of each replicate
    # value j of replicate i is fresh half j, or j - 1 after a lead half
    shift = first - lead[:done] - np.arange(done) * n  # [done]
    idx = np.repeat(shift, np.diff(row_start)) + starts
    led = np.flatnonzero(lead[:done])
    idx[row_start[led]] = first[led] - 2 * n - 1  # the lead: last half of the replicate before
    if buffered:
        idx[0] = 0  # replicate 0 leads with the half word held by the bit generator
    x = halves[idx]
    if buffered:
        x[0] = buffer_value
    last = done - 1
    left_over = bool((n - lead[last]) % 2)
    held = int(halves[first[last] + 2 * fresh[last] - 1])  # high half of the last word
    return done, starts, x, int(offsets[last] + spans[last]), left_over, held


def _replicate(
    stream: _WordStream, draws: _Draws, buffered: bool, buffer_value: int
) -> tuple[np.ndarray, np.ndarray, bool, int]:
    """One replicate, rejections included: block starts (in ``[n]``), values, half word over."""
    n = draws.n
    first = buffered and not draws.rejected(buffer_value)
    need = n - 1 if first else n  # fresh halves to accept
    taken, kept = _lemire_region(stream, need, np.uint32(n), draws.threshold)
    words, pos = stream.window((taken + 1) // 2 + n)
    halves = words.view(np.uint32)
    a = 2 * pos
    left_over = taken % 2 == 1
    held = int(halves[a + 2 * ((taken + 1) // 2) - 1])  # high half of the last word
    d = pos + (taken + 1) // 2
    if draws.all_new:
        starts = np.arange(n, dtype=np.int64)
    else:
        new = words[d : d + n] < draws.word_cut
        new[0] = True
        starts = np.flatnonzero(new)
    x = halves[a + kept[starts - 1 if first else starts]]
    if first:
        x[0] = buffer_value
    stream.seek(d + n)
    return starts, x, left_over, held


def _lemire_region(
    stream: _WordStream, need: int, n32: np.uint32, threshold: int
) -> tuple[int, np.ndarray]:
    """Fresh halves taken to get ``need`` accepted values, and the accepted ones' offsets."""
    taken = need
    while True:
        words, pos = stream.window(taken // 2 + 1)
        region = words.view(np.uint32)[2 * pos : 2 * pos + taken]
        accepted = (region * n32) >= threshold  # the uint32 product wraps: its low 32 bits
        missing = need - int(accepted.sum())
        if missing == 0:
            return taken, np.flatnonzero(accepted)
        taken += missing


class _WordStream:
    """Raw PCG64 words drawn in chunks and read in order; restores the exact state at the end.

    ``window(count)`` hands out one contiguous array with at least ``count`` unread words.
    Where a replicate straddles two chunks, only its words are copied into a short bridge
    array (the unread tail of the old chunk, then the head of the new one); reading moves on
    into the new chunk itself once past the old tail, so chunks are never copied whole.
    """

    def __init__(self, bitgen: np.random.PCG64, expected: int) -> None:
        self._bitgen = bitgen
        self._expected = expected  # words the caller expects to read in all
        self._words = np.empty(0, dtype=np.uint64)  # the array being read
        self._pos = 0  # first unread word of self._words
        self._next = np.empty(0, dtype=np.uint64)  # drawn, follows self._words in the stream
        self._next_pos = 0  # first word of self._next not yet in self._words
        self._tail = -1  # when self._words is a bridge: how many of its words precede it
        self._drawn = 0

    def window(self, count: int) -> tuple[np.ndarray, int]:
        """The words and the read position, with at least ``count`` unread words."""
        unread = self._words.size - self._pos
        if unread >= count:
            return self._words, self._pos
        if self._next.size - self._next_pos < count:
            # a chunk, or what is left of the expected total when that is less
            left = self._expected - self._drawn
            fresh = self._bitgen.random_raw(max(count, min(_CHUNK_WORDS, left)))
            self._drawn += fresh.size
            pending = self._next[self._next_pos :]
            self._next = np.concatenate([pending, fresh]) if pending.size else fresh
            self._next_pos = 0
        if unread == 0:
            self._words, self._pos, self._tail = self._next, self._next_pos, -1
            self._next, self._next_pos = np.empty(0, dtype=np.uint64), 0
        else:
            head = self._next[self._next_pos : self._next_pos + count]
            self._words = np.concatenate([self._words[self._pos :], head])
            self._tail = unread
            self._pos = 0
            self._next_pos += count
        return self._words, self._pos

    def seek(self, pos: int) -> None:
        """Mark the words before ``pos`` (in the last window) as read."""
        if self._tail >= 0 and pos >= self._tail:  # past the old chunk: read the new one
            bridged = self._words.size - self._tail
            self._words, self._pos = self._next, self._next_pos - bridged + pos - self._tail
            self._next, self._next_pos, self._tail = np.empty(0, dtype=np.uint64), 0, -1
        else:
            self._pos = pos

    def finish(self, saved: Any, buffered: bool, buffer_value: int) -> None:
        """Leave the bit generator as if only the words read had been drawn.

        ``saved`` is ``bitgen.state`` from before the first draw; ``buffered`` and
        ``buffer_value`` are NumPy's ``has_uint32`` and ``uinteger`` after the last replicate
        (``uinteger`` keeps the high half of the last word drawn for 32-bit values even once
        it is used).
        """
        unread = self._words.size - self._pos + self._next.size - self._next_pos
        self._bitgen.state = saved
        self._bitgen.advance(self._drawn - unread)
        state = self._bitgen.state
        state["has_uint32"] = int(buffered)
        state["uinteger"] = buffer_value
        self._bitgen.state = state


def _assemble_blocks(n: int, reps: int, starts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``[reps, n]`` indices from block starts (flat positions) and start values.

    Block k covers the flat positions ``starts[k] .. starts[k+1]-1`` with the indices
    ``values[k], values[k]+1, ...`` wrapping from n-1 to 0; every row begins a block. Each
    row is the running sum of its steps: +1 inside a block, a jump at each block start and at
    each wrap. The steps are laid out a few rows at a time in a small buffer, so the output is
    written once.
    """
    total = reps * n
    lengths = np.diff(starts, append=total)
    wraps = np.flatnonzero(values + lengths > n)  # blocks that run past index n-1: few
    wrap_at = starts[wraps] + (n - values[wraps])  # flat position of the 0 after n-1
    ends = values + lengths - 1  # index at the last position of each block
    ends[wraps] -= n
    jumps = np.empty_like(values)
    jumps[0] = values[0]
    jumps[1:] = values[1:] - ends[:-1]

    rows = max(1, _ASSEMBLY_ITEMS // n)
    size = rows * n
    edges = np.arange(0, total + size, size)
    start_cut = np.searchsorted(starts, edges)
    wrap_cut = np.searchsorted(wrap_at, edges)
    out = np.empty(total, dtype=np.int64)  # [reps * n]
    steps = np.empty(size, dtype=np.int64)  # [rows * n]
    for c, lo in enumerate(range(0, total, size)):
        hi = min(lo + size, total)
        block = steps[: hi - lo]
        block.fill(1)
        s0, s1 = start_cut[c], start_cut[c + 1]
        block[starts[s0:s1] - lo] = jumps[s0:s1]
        block[0] = values[s0]  # a row starts here, with a block
        block[wrap_at[wrap_cut[c] : wrap_cut[c + 1]] - lo] = 1 - n
        np.cumsum(block, out=out[lo:hi])
    return out.reshape(reps, n)


# --------------------------------------------------------------------------------------------
# block lengths


def optimal_block_size(x: np.ndarray, method: BootstrapMethod) -> float:
    """Politis-White (2004, corrected 2009) block length for ``method``, unrounded.

    ``arch.bootstrap.optimal_block_length(x)``: the ``stationary`` column for SB, the
    ``circular`` column for CBB and MBB.

    Parameters
    ----------
    x : numpy.ndarray
        ``[n]`` finite, not constant, n >= 9.
    method : {"moving", "circular", "stationary"}

    Returns
    -------
    float
        The estimated block length (may be below 1 for a series with no autocorrelation).
    """
    from arch.bootstrap import optimal_block_length

    _check_method(method, BOOTSTRAP_METHODS)
    values = _check_series(x, "x", minimum=9)
    if np.ptp(values) == 0:
        raise InputError("x is constant: it has no block length; pass an explicit block size")
    column = "stationary" if method == "stationary" else "circular"
    return float(optimal_block_length(values)[column].iloc[0])


def check_auto_block(block_size: str, n: int, number: str, values: str) -> None:
    """A block size given as a string must be "auto", which needs at least 9 of the ``n``
    ``values`` (what :func:`block_size_for` reads); ``number``: what else it may be."""
    if block_size != "auto":
        raise UsageError(f"block_size must be 'auto' or {number}, got {block_size!r}")
    if n < 9:
        raise InputError(f"block_size 'auto' needs at least 9 {values}, got {n}; pass a block size")


def block_size_for(x: np.ndarray, method: BootstrapMethod) -> float:
    """The block size to use for ``x``: ``optimal_block_size`` made usable.

    SB takes the real value (arch's ``p = 1/b``), MBB and CBB an integer (rounded half up);
    either is at least 1. A constant series gets 1 (every block gives the same replicate).
    """
    values = _check_series(x, "x", minimum=9)
    if np.ptp(values) == 0:
        return 1
    size = optimal_block_size(values, method)
    if method == "stationary":
        return max(1.0, size)
    return max(1, math.floor(size + 0.5))


def _check_series(x: np.ndarray, name: str, minimum: int) -> np.ndarray:
    values = np.asarray(x, dtype=float)
    if values.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {values.shape}")
    if values.size < minimum:
        raise InputError(f"{name} needs at least {minimum} values, got {values.size}")
    if not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise InputError(f"{name} must be finite; position {bad} is {values[bad]}")
    return values


def resample(x: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Replicates of a 1-D series: ``x[n]`` indexed by ``indices[reps, n]`` -> ``[reps, n]``."""
    values = np.asarray(x)
    if values.ndim != 1:
        raise InputError(f"x must be one-dimensional, got shape {values.shape}")
    idx = np.asarray(indices)
    if idx.ndim != 2 or idx.shape[1] != values.size:
        raise InputError(
            f"indices must have shape [reps, {values.size}] to resample x, got {idx.shape}"
        )
    return values[idx]


# --------------------------------------------------------------------------------------------
# intervals


@dataclass(frozen=True)
class Interval:
    """A bootstrap confidence interval for a statistic of a loss series."""

    estimate: float  # the statistic on the observed losses
    lower: float
    upper: float
    level: float  # percent, e.g. 95
    interval: IntervalKind  # "percentile" or "basic"
    method: IntervalMethod  # the block bootstrap used
    block_size: float
    reps: int
    n: int  # length of the loss series

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def metric_interval(
    losses: np.ndarray,
    statistic: Callable[[np.ndarray], float],
    method: IntervalMethod = "stationary",
    block_size: float | Literal["auto"] = "auto",
    reps: int = 999,
    level: float = 95,
    interval: IntervalKind = "percentile",
    *,
    seed: Seed,
) -> Interval:
    """Confidence interval for a metric of one backtest by block bootstrap of its losses.

    The per-origin loss series (e.g. ``|e_t|``, with ``statistic=np.mean`` for MAE) is
    resampled in blocks, which keeps its serial dependence (overlapping multi-step errors are
    correlated); the statistic is recomputed on every replicate. With the same seed and block
    size the numbers equal arch's ``conf_int(statistic, reps, method=interval, size=level/100)``
    on ``StationaryBootstrap`` / ``CircularBlockBootstrap``.

    Parameters
    ----------
    losses : numpy.ndarray
        ``[n]`` finite losses, one per forecast origin, in time order (n >= 9 for "auto").
    statistic : callable
        ``[n] -> float``, e.g. ``np.mean``, or ``lambda s: np.sqrt(np.mean(s))`` for RMSE of
        squared errors.
    method : {"stationary", "circular"}
        The block bootstrap.
    block_size : "auto" or number
        "auto": ``block_size_for(losses, method)`` (Politis-White); else a length >= 1
        (an integer for "circular").
    reps : int
        Bootstrap replicates.
    level : float
        Confidence level in percent, strictly between 0 and 100.
    interval : {"percentile", "basic"}
        "percentile": the bootstrap quantiles; "basic": ``2*estimate`` minus them, reversed
        (arch's default for ``conf_int``).
    seed : int or numpy.random.Generator

    Returns
    -------
    Interval
    """
    _check_method(method, ("stationary", "circular"))
    _check_method(interval, ("percentile", "basic"), name="interval")
    if not 0 < level < 100:
        raise UsageError(f"level must be strictly between 0 and 100 (percent), got {level}")
    reps = _check_positive_int(reps, "reps")
    values = _check_series(losses, "losses", minimum=2)
    n = values.size
    size: float
    if isinstance(block_size, str):
        check_auto_block(block_size, n, "a number", "losses")
        size = block_size_for(values, method)
    else:
        size = block_size
    idx = bootstrap_indices(method, n, size, reps, seed)  # [reps, n]

    estimate = float(statistic(values))
    replicates = np.array([statistic(values[row]) for row in idx], dtype=float)  # [reps]
    if not (np.isfinite(estimate) and np.all(np.isfinite(replicates))):
        raise ComputeError(
            "the statistic returned a non-finite value on the losses or a replicate; "
            "check the losses and the statistic"
        )
    lower, upper = _bootstrap_bounds(estimate, replicates, level, interval)
    return Interval(
        estimate=estimate,
        lower=lower,
        upper=upper,
        level=float(level),
        interval=interval,
        method=method,
        block_size=float(size),
        reps=reps,
        n=n,
    )


def _bootstrap_bounds(
    estimate: float, replicates: np.ndarray, level: float, interval: IntervalKind
) -> tuple[float, float]:
    """The level-``level`` bounds from the replicates' quantiles: ``percentile`` as they are,
    ``basic`` reflected about the estimate (arch's ``conf_int`` methods)."""
    alpha = (100 - level) / 200
    q_low, q_high = np.percentile(replicates, [100 * alpha, 100 * (1 - alpha)])
    if interval == "percentile":
        return float(q_low), float(q_high)
    return 2 * estimate - float(q_high), 2 * estimate - float(q_low)
