"""Block-bootstrap index generation: `bootstrap_indices` against arch and plain NumPy.

For each of the moving-block (MBB), circular-block (CBB) and stationary (SB) bootstraps,
1,000 replicates of a 10,000-point series (block length 20), and the engine's usual case,
999 replicates of a 250-origin loss series (block length 5), all ending as one [reps, n]
int64 array of indices, best of 5 in one process:

- arch: `bs.bootstrap(reps)` on the series (arch resamples the data each time), taking
  `bs.index` into the array;
- numpy: a plain vectorised generator of the same scheme (not the same random stream):
  MBB/CBB draw all block starts at once; SB draws the block lengths as geometric gaps
  (one draw per block) and a start per block, then fills the blocks by a running sum;
- ours: `forecast.backtesting.resample.bootstrap_indices`, checked equal to arch's indices.

The ratio is ours over the faster of arch and numpy (target: at most 1.2).
"""

from __future__ import annotations

import time

import numpy as np
from _util import machine

from forecast.backtesting.resample import bootstrap_indices


def _best(fn, repeat: int = 5) -> tuple[float, np.ndarray]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def arch_indices(method: str, x: np.ndarray, b: int, reps: int, seed: int) -> np.ndarray:
    from arch.bootstrap import CircularBlockBootstrap, MovingBlockBootstrap, StationaryBootstrap

    cls = {
        "moving": MovingBlockBootstrap,
        "circular": CircularBlockBootstrap,
        "stationary": StationaryBootstrap,
    }[method]
    bs = cls(b, x, seed=seed)
    out = np.empty((reps, x.size), dtype=np.int64)
    for r, _ in enumerate(bs.bootstrap(reps)):
        out[r] = bs.index
    return out


def numpy_indices(method: str, n: int, b: int, reps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if method != "stationary":
        n_blocks = -(-n // b)
        starts = rng.integers(n if method == "circular" else n - b + 1, size=(reps, n_blocks))
        idx = (starts[:, :, None] + np.arange(b)).reshape(reps, n_blocks * b)[:, :n]
        return idx % n if method == "circular" else idx
    total = reps * n
    p = 1.0 / b
    # block starts: geometric gaps on the flat [reps * n] positions, plus every row start
    expected = total * p
    gaps = rng.geometric(p, size=int(expected + 8 * np.sqrt(expected) + 16))
    positions = np.cumsum(gaps)
    new = np.zeros(total, dtype=bool)
    new[positions[positions < total]] = True
    new[::n] = True
    first = np.flatnonzero(new)  # [blocks]
    value = rng.integers(n, size=first.size)  # index at the start of each block
    length = np.diff(first, append=total)
    # running sum of steps: +1 within a block, a jump at each start, -n at each wrap
    steps = np.ones(total, dtype=np.int64)
    steps[first] = value - np.r_[0, (value + length - 1)[:-1] % n]
    wrap = value + length > n
    steps[first[wrap] + n - value[wrap]] -= n
    return np.cumsum(steps).reshape(reps, n)


def compare(n: int, b: int, reps: int) -> None:
    x = np.random.default_rng(0).standard_normal(n)
    print(f"\n{reps} replicates of n={n}, block length {b}")
    print(f"{'':12}{'arch':>10}{'numpy':>10}{'ours':>10}   ours / faster reference")
    for method in ("moving", "circular", "stationary"):
        t_arch, expected = _best(lambda m=method: arch_indices(m, x, b, reps, 1))
        t_numpy, reference = _best(lambda m=method: numpy_indices(m, n, b, reps, 1))
        t_ours, got = _best(lambda m=method: bootstrap_indices(m, n, b, reps, 1))
        if not np.array_equal(got, expected):
            raise SystemExit(f"{method}: indices differ from arch's")
        if reference.shape != (reps, n) or reference.min() < 0 or reference.max() >= n:
            raise SystemExit(f"{method}: the numpy reference is broken")
        faster = min(t_arch, t_numpy)
        print(
            f"{method:12}{t_arch:9.4f}s{t_numpy:9.4f}s{t_ours:9.4f}s   {t_ours / faster:4.2f}x"
            f"  (vs arch {t_ours / t_arch:4.2f}x)"
        )


if __name__ == "__main__":
    print(f"# block-bootstrap indices ({machine()}), best of 5; ours equal arch's indices")
    compare(n=10_000, b=20, reps=1000)
    compare(n=250, b=5, reps=999)
