"""Block-bootstrap indices (against arch's own streams), block lengths, intervals, coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.backtesting import resample as rs
from forecast.backtesting.resample import (
    Interval,
    block_size_for,
    bootstrap_indices,
    metric_interval,
    optimal_block_size,
    resample,
)
from forecast.errors import ComputeError, InputError, UsageError


def arch_indices(method: str, n: int, block_size: float, reps: int, seed) -> np.ndarray:
    """The slow reference: arch's own bootstrap, one replicate at a time. [reps, n]"""
    from arch.bootstrap import CircularBlockBootstrap, MovingBlockBootstrap, StationaryBootstrap

    cls = {
        "moving": MovingBlockBootstrap,
        "circular": CircularBlockBootstrap,
        "stationary": StationaryBootstrap,
    }[method]
    bs = cls(block_size, np.arange(n), seed=seed)
    return np.array([data[0][0] for data in bs.bootstrap(reps)]).reshape(reps, n)


# --------------------------------------------------------------------------------------------
# the streams equal arch's

CASES = [
    # (n, block size, reps)
    (1, 1, 4),
    (2, 1, 5),
    (2, 2, 5),
    (7, 3, 9),
    (10, 10, 3),  # one block: MBB has a single start (arch draws nothing)
    (64, 8, 20),
    (101, 1, 11),  # odd n, block 1
    (250, 17, 33),
    (999, 40, 7),
    (4096, 5, 6),  # a power of two: Lemire never rejects
]


@pytest.mark.parametrize("method", ["moving", "circular", "stationary"])
@pytest.mark.parametrize(("n", "block", "reps"), CASES)
@pytest.mark.parametrize("seed", [0, 1, 20261121])
def test_indices_equal_arch(method: str, n: int, block: int, reps: int, seed: int) -> None:
    expected = arch_indices(method, n, block, reps, seed)
    got = bootstrap_indices(method, n, block, reps, seed)
    assert got.shape == (reps, n)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("n", "block"), [(10, 2.5), (57, 3.7), (333, 12.25), (1000, 999.9), (80, np.float32(2.3))]
)
def test_stationary_real_block_size_equals_arch(n: int, block: float) -> None:
    # SB takes a real mean block length (arch uses p = 1/b), a NumPy float32 one too
    np.testing.assert_array_equal(
        bootstrap_indices("stationary", n, block, 15, 5),
        arch_indices("stationary", n, block, 15, 5),
    )


def test_stationary_rejections_are_reproduced(monkeypatch: pytest.MonkeyPatch) -> None:
    # n = 199831 makes NumPy's Lemire sampler reject (2**32 - n) % n / 2**32 = 4.6e-5 of its
    # 32-bit draws: about 90 rejections in 10 replicates, each shifting the rest of the stream.
    n = 199831
    assert (2**32 - n) % n / 2**32 > 4e-5
    done_alone = []
    original = rs._replicate

    def counting(*args):
        done_alone.append(1)
        return original(*args)

    monkeypatch.setattr(rs, "_replicate", counting)
    np.testing.assert_array_equal(
        bootstrap_indices("stationary", n, 30, 10, 3), arch_indices("stationary", n, 30, 10, 3)
    )
    assert len(done_alone) >= 5  # replicates with a rejection were met


@pytest.mark.parametrize("n", [10000, 10001])
def test_stationary_rejection_inside_a_run(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    # n = 10000: a replicate meets a rejection with probability about n * 7296 / 2**32 = 1.7%,
    # so runs of replicates done together stop part-way and start again after it
    runs = []
    original = rs._run

    def recording(words, pos, rows, *args):
        result = original(words, pos, rows, *args)
        runs.append((result[0], rows))
        return result

    monkeypatch.setattr(rs, "_run", recording)
    np.testing.assert_array_equal(
        bootstrap_indices("stationary", n, 12.5, 300, 1),
        arch_indices("stationary", n, 12.5, 300, 1),
    )
    assert any(0 < done < rows for done, rows in runs)


@pytest.mark.parametrize("chunk", [3, 50, 1001])
@pytest.mark.parametrize("n", [9, 40, 333])
def test_stationary_across_chunk_boundaries(
    monkeypatch: pytest.MonkeyPatch, chunk: int, n: int
) -> None:
    # tiny chunks put replicates across the boundaries between draws of raw words
    monkeypatch.setattr(rs, "_CHUNK_WORDS", chunk)
    for seed in range(3):
        np.testing.assert_array_equal(
            bootstrap_indices("stationary", n, 4, 25, seed),
            arch_indices("stationary", n, 4, 25, seed),
        )


@pytest.mark.parametrize("n", [1000, 1001])
@pytest.mark.parametrize("method", ["moving", "circular", "stationary"])
def test_generator_left_as_arch_leaves_it(method: str, n: int) -> None:
    # a Generator that holds a half-used 32-bit word (has_uint32) before and after
    ours, theirs = np.random.default_rng(42), np.random.default_rng(42)
    ours.integers(10, size=3)
    theirs.integers(10, size=3)
    assert ours.bit_generator.state["has_uint32"] == 1
    got = bootstrap_indices(method, n, 7, 13, ours)
    np.testing.assert_array_equal(got, arch_indices(method, n, 7, 13, theirs))
    assert ours.bit_generator.state == theirs.bit_generator.state
    assert ours.integers(1000, size=5).tolist() == theirs.integers(1000, size=5).tolist()


@pytest.mark.parametrize("bit_generator", [np.random.MT19937, np.random.Philox, np.random.SFC64])
def test_stationary_other_bit_generators_equal_arch(bit_generator) -> None:
    ours = np.random.Generator(bit_generator(11))
    theirs = np.random.Generator(bit_generator(11))
    np.testing.assert_array_equal(
        bootstrap_indices("stationary", 501, 6.5, 12, ours),
        arch_indices("stationary", 501, 6.5, 12, theirs),
    )
    assert ours.random() == theirs.random()


@settings(max_examples=60, deadline=None)
@given(
    method=st.sampled_from(["moving", "circular", "stationary"]),
    n=st.integers(1, 300),
    fraction=st.floats(0.0, 1.0),
    reps=st.integers(1, 12),
    seed=st.integers(0, 2**32),
)
def test_indices_equal_arch_hypothesis(
    method: str, n: int, fraction: float, reps: int, seed: int
) -> None:
    block = 1 + round(fraction * (n - 1))
    np.testing.assert_array_equal(
        bootstrap_indices(method, n, block, reps, seed), arch_indices(method, n, block, reps, seed)
    )


# --------------------------------------------------------------------------------------------
# what the replicates look like


def test_stationary_mean_block_length() -> None:
    # New blocks start at each position j >= 1 with probability p = 1/b; a new block is only
    # invisible in the indices when its random start is exactly the next index (prob. 1/n).
    # Visible breaks ~ Binomial(N, p (1 - 1/n)) with N = reps (n - 1) trials, so the estimated
    # mean length 1/p_hat has sd sqrt(Var / blocks) with Var = (1 - p) / p**2, the geometric
    # distribution's variance, and blocks = N p; the test allows 4 sd (seed fixed).
    n, b, reps = 1000, 8.0, 400
    idx = bootstrap_indices("stationary", n, b, reps, 2026)
    breaks = int(np.count_nonzero(idx[:, 1:] != (idx[:, :-1] + 1) % n))
    trials = reps * (n - 1)
    p_hat = breaks / (trials * (1 - 1 / n))
    p = 1 / b
    sd = math.sqrt((1 - p) / p**2 / (trials * p))
    assert abs(1 / p_hat - b) < 4 * sd
    assert 4 * sd < 0.2  # the check is tight enough to mean something


def test_stationary_block_lengths_are_geometric() -> None:
    # lengths of the blocks that end inside a row (first block of each row excluded, it is
    # cut at 0): geometric on {1, 2, ...} with P(L = k) = p (1 - p)**(k - 1)
    n, b, reps = 5000, 4.0, 40
    idx = bootstrap_indices("stationary", n, b, reps, 7)
    lengths = []
    for row in idx:
        starts = np.flatnonzero(np.r_[True, row[1:] != (row[:-1] + 1) % n])
        lengths.extend(np.diff(starts)[1:])
    lengths = np.asarray(lengths)
    p = 1 / b
    for k in (1, 2, 3, 5):
        expected = p * (1 - p) ** (k - 1)
        share = np.mean(lengths == k)
        assert abs(share - expected) < 4 * math.sqrt(expected * (1 - expected) / lengths.size)


def test_circular_samples_every_point_equally() -> None:
    # every output position is start + k (mod n) with a uniform start, so each index is
    # expected once per replicate; the count of index i in a replicate is a sum of
    # independent Bernoulli(len_k / n) over its blocks, variance <= 10 * 0.1 * 0.9 = 0.9
    n, b, reps = 100, 10, 20000
    idx = bootstrap_indices("circular", n, b, reps, 99)
    counts = np.bincount(idx.ravel(), minlength=n) / reps  # mean count per index
    sd = math.sqrt(0.9 / reps)
    assert np.max(np.abs(counts - 1.0)) < 5 * sd
    # the moving-block bootstrap, by contrast, under-samples the ends
    moving = np.bincount(bootstrap_indices("moving", n, b, reps, 99).ravel(), minlength=n) / reps
    assert moving[0] < 0.2 and moving[n - 1] < 0.2 and moving[n // 2] > 0.9


def test_moving_block_starts_and_runs() -> None:
    n, b, reps = 53, 5, 3000
    idx = bootstrap_indices("moving", n, b, reps, 1)
    starts = idx[:, ::b]  # [reps, ceil(n / b)]
    assert starts.min() == 0 and starts.max() == n - b  # every start in {0 .. n-b} is reached
    offsets = np.arange(n) % b
    np.testing.assert_array_equal(
        idx - np.repeat(starts, b, axis=1)[:, :n], np.tile(offsets, (reps, 1))
    )


def test_circular_blocks_wrap() -> None:
    n, b = 12, 5
    idx = bootstrap_indices("circular", n, b, 500, 3)
    starts = np.repeat(idx[:, ::b], b, axis=1)[:, :n]
    np.testing.assert_array_equal(idx, (starts + np.arange(n) % b) % n)
    assert (idx[:, ::b] > n - b).any()  # some blocks did wrap


@settings(max_examples=40, deadline=None)
@given(
    method=st.sampled_from(["moving", "circular", "stationary"]),
    n=st.integers(1, 500),
    fraction=st.floats(0.0, 1.0),
    reps=st.integers(1, 20),
    seed=st.integers(0, 2**32),
)
def test_indices_in_range(method: str, n: int, fraction: float, reps: int, seed: int) -> None:
    block = 1 + round(fraction * (n - 1))
    idx = bootstrap_indices(method, n, block, reps, seed)
    assert idx.shape == (reps, n)
    assert idx.min() >= 0 and idx.max() < n


def test_resample() -> None:
    x = np.array([10.0, 11.0, 12.0, 13.0])
    idx = np.array([[0, 1, 2, 3], [3, 0, 1, 1]])
    np.testing.assert_array_equal(resample(x, idx), [[10, 11, 12, 13], [13, 10, 11, 11]])
    with pytest.raises(InputError, match=r"indices must have shape \[reps, 4\]"):
        resample(x, idx[:, :3])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "iid"}, "method must be one of moving, circular, stationary"),
        ({"n": 0}, "n must be an integer >= 1"),
        ({"reps": 0}, "reps must be an integer >= 1"),
        ({"block_size": 0}, "block_size must be between 1 and the series length 10"),
        ({"block_size": 11}, "block_size must be between 1 and the series length 10"),
        ({"method": "moving", "block_size": 2.5}, "block_size must be an integer >= 1"),
        ({"seed": -1}, "seed must be an integer >= 0 or a numpy Generator"),
        ({"seed": "7"}, "seed must be an integer >= 0 or a numpy Generator"),
    ],
)
def test_bootstrap_indices_validation(kwargs: dict, message: str) -> None:
    args = {"method": "stationary", "n": 10, "block_size": 3, "reps": 5, "seed": 0} | kwargs
    with pytest.raises(UsageError, match=message):
        bootstrap_indices(**args)


# --------------------------------------------------------------------------------------------
# block lengths


def ar1(n: int, phi: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal(n + 100)
    y = np.zeros(n + 100)
    for t in range(1, n + 100):
        y[t] = phi * y[t - 1] + eps[t]
    return y[100:]


def test_optimal_block_size_is_arch_column() -> None:
    from arch.bootstrap import optimal_block_length

    x = ar1(500, 0.6, 1)
    table = optimal_block_length(x)
    assert optimal_block_size(x, "stationary") == table["stationary"].iloc[0]
    assert optimal_block_size(x, "circular") == table["circular"].iloc[0]
    assert optimal_block_size(x, "moving") == table["circular"].iloc[0]
    # stronger dependence, longer blocks
    assert optimal_block_size(ar1(500, 0.9, 1), "stationary") > optimal_block_size(x, "stationary")


def test_block_size_for() -> None:
    x = ar1(500, 0.6, 1)
    raw = optimal_block_size(x, "circular")
    assert block_size_for(x, "circular") == max(1, math.floor(raw + 0.5))
    moving = block_size_for(x, "moving")  # the circular estimate, rounded to a whole block
    assert isinstance(moving, int) and moving == max(1, math.floor(raw + 0.5))
    assert block_size_for(x, "stationary") == max(1.0, optimal_block_size(x, "stationary"))
    # white noise: the estimate may fall below 1; the usable size does not
    noise = np.random.default_rng(0).standard_normal(400)
    assert block_size_for(noise, "stationary") >= 1.0
    assert block_size_for(np.full(30, 2.0), "circular") == 1  # constant: any block is the same
    with pytest.raises(InputError, match="x is constant"):
        optimal_block_size(np.full(30, 2.0), "circular")
    with pytest.raises(InputError, match="x needs at least 9 values"):
        optimal_block_size(np.arange(5.0), "circular")


# --------------------------------------------------------------------------------------------
# intervals


@pytest.mark.parametrize(
    ("method", "block"), [("stationary", 6.5), ("circular", 6), ("stationary", 1)]
)
@pytest.mark.parametrize("interval", ["percentile", "basic"])
def test_metric_interval_equals_arch_conf_int(method: str, block: float, interval: str) -> None:
    from arch.bootstrap import CircularBlockBootstrap, StationaryBootstrap

    losses = np.abs(ar1(300, 0.5, 4))
    got = metric_interval(losses, np.mean, method, block, 499, 90, interval, seed=8)
    cls = StationaryBootstrap if method == "stationary" else CircularBlockBootstrap
    expected = cls(block, losses, seed=8).conf_int(np.mean, 499, method=interval, size=0.90)
    np.testing.assert_allclose([got.lower, got.upper], expected[:, 0], rtol=1e-13)
    assert got.estimate == pytest.approx(losses.mean(), rel=1e-15)
    assert got.interval == interval and got.method == method
    assert (got.block_size, got.reps, got.level, got.n) == (block, 499, 90.0, 300)


def test_metric_interval_auto_block_and_dict() -> None:
    losses = np.abs(ar1(400, 0.7, 2))
    result = metric_interval(losses, np.mean, "circular", seed=3)
    assert result.block_size == block_size_for(losses, "circular")
    assert result.lower < result.estimate < result.upper
    assert result.to_dict() == {
        "estimate": result.estimate,
        "lower": result.lower,
        "upper": result.upper,
        "level": 95.0,
        "interval": "percentile",
        "method": "circular",
        "block_size": result.block_size,
        "reps": 999,
        "n": 400,
    }
    # same seed, same interval; a Generator works too
    assert metric_interval(losses, np.mean, "circular", seed=3) == result
    again = metric_interval(losses, np.mean, "circular", seed=np.random.default_rng(3))
    assert again == result
    # basic = 2 * estimate - the percentile bounds, swapped
    basic = metric_interval(losses, np.mean, "circular", interval="basic", seed=3)
    assert basic.lower == pytest.approx(2 * result.estimate - result.upper, rel=1e-14)
    assert basic.upper == pytest.approx(2 * result.estimate - result.lower, rel=1e-14)


def test_metric_interval_rmse_statistic() -> None:
    errors = ar1(200, 0.3, 5)
    result = metric_interval(errors**2, lambda s: math.sqrt(np.mean(s)), block_size=3, seed=1)
    assert result.estimate == pytest.approx(math.sqrt(np.mean(errors**2)))
    assert result.lower < result.estimate < result.upper
    assert isinstance(result, Interval)


def test_metric_interval_constant_losses() -> None:
    result = metric_interval(np.full(20, 0.5), np.mean, seed=0)
    assert (result.estimate, result.lower, result.upper, result.block_size) == (0.5, 0.5, 0.5, 1)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"level": 100}, UsageError, "level must be strictly between 0 and 100"),
        ({"interval": "bca"}, UsageError, "interval must be one of percentile, basic"),
        ({"method": "moving"}, UsageError, "method must be one of stationary, circular"),
        ({"block_size": "optimal"}, UsageError, "block_size must be 'auto' or a number"),
        ({"method": "circular", "block_size": 2.5}, UsageError, "block_size must be an integer"),
        ({"losses": np.array([1.0, np.nan, 2.0])}, InputError, "position 1 is nan"),
        ({"losses": np.ones((3, 2))}, InputError, "losses must be one-dimensional"),
        ({"losses": np.arange(8.0)}, InputError, "'auto' needs at least 9 losses, got 8"),
        (
            {"statistic": lambda s: s.mean() if s.min() > 0.01 else math.inf},
            ComputeError,
            "non-finite",
        ),
    ],
)
def test_metric_interval_validation(kwargs: dict, error: type, message: str) -> None:
    # the last statistic is infinite on replicates that miss the one small loss
    losses = np.r_[0.001, np.abs(ar1(49, 0.5, 0)) + 0.5]
    args = {"losses": losses, "statistic": np.mean, "seed": 0} | kwargs
    with pytest.raises(error, match=message):
        metric_interval(**args)


# --------------------------------------------------------------------------------------------
# coverage by simulation


def coverage(n: int, horizon: int, phi: float, sims: int, block, seed: int) -> float:
    """Share of 95% SB percentile intervals of MAE that cover the true expected MAE.

    y_t = phi y_{t-1} + eps_t, eps ~ N(0, 1). With phi known, the h-step forecast from origin
    t is phi**h y_t and its error sum_{j<h} phi**j eps_{t+h-j} ~ N(0, s_h**2),
    s_h**2 = (1 - phi**(2h)) / (1 - phi**2), so the true expected MAE is s_h sqrt(2 / pi).
    Errors from successive origins overlap (MA(h-1)): the loss series is dependent for h > 1.
    """
    rng = np.random.default_rng(seed)
    s_h = math.sqrt((1 - phi ** (2 * horizon)) / (1 - phi**2))
    truth = s_h * math.sqrt(2 / math.pi)
    weights = phi ** np.arange(horizon)
    hits = 0
    for _ in range(sims):
        eps = rng.standard_normal(n + horizon - 1)
        errors = np.convolve(eps, weights, mode="valid")  # [n], one per origin
        result = metric_interval(
            np.abs(errors), np.mean, "stationary", block, 499, 95, seed=int(rng.integers(2**31))
        )
        hits += result.lower <= truth <= result.upper
    return hits / sims


@pytest.mark.slow
def test_interval_coverage_near_nominal() -> None:
    # 400 simulations: Monte Carlo sd of a 95% coverage is sqrt(.95 * .05 / 400) = 0.011.
    # Block-bootstrap percentile intervals under-cover a little in finite samples (about
    # 0.01-0.03 here: the variance of a mean of dependent losses is underestimated by O(b/n)),
    # so the band is [0.95 - 0.03 - 3 sd, 0.95 + 3 sd].
    dependent = coverage(n=600, horizon=3, phi=0.7, sims=400, block="auto", seed=11)
    assert 0.887 <= dependent <= 0.983
    independent = coverage(n=300, horizon=1, phi=0.7, sims=400, block="auto", seed=12)
    assert 0.887 <= independent <= 0.983
    # resampling single points (block 1) ignores the dependence of overlapping errors and
    # makes the interval too narrow: clearly lower coverage on the same simulations
    iid = coverage(n=600, horizon=3, phi=0.7, sims=400, block=1, seed=11)
    assert iid < dependent - 0.05
