"""resolve_periods (issue 26 part 4): the default period of a whole block of equal-length series
is, row by row, exactly resolve_period(None, row, freq)'s, and the block settles most rows of a
seasonal panel itself.

Exact equality everywhere: the periods are integers, and the block computes every statistic with
the per-row code's floating-point operations in its order (asserted bit for bit below), leaving a
row to the per-row function when a decision is within TOL of its threshold."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.diagnostics import seasonality_batch as sb
from forecast.diagnostics.acf import sample_acf
from forecast.diagnostics.seasonality import (
    NEAR,
    STRONG,
    THRESHOLD,
    Candidate,
    _choose,
    acf_periods,
    calendar_period,
    classical_strength,
    local_maxima,
    periodogram,
    periodogram_periods,
    resolve_period,
)
from forecast.diagnostics.stationarity import kpss_differences, kpss_level_pvalue

FREQS = ["MS", "QS", "D", "W-SUN", "h", None]
KINDS = ["seasonal", "seasonal", "mix", "trend", "constant", "walk", "ramp"]  # half seasonal


def per_row(values: np.ndarray, freq: str | None) -> np.ndarray:
    """The slow, obvious version: resolve_period on a fresh copy of every row."""
    return np.array([resolve_period(None, row.copy(), freq)[0] or 0 for row in values])


def make_row(kind: str, n: int, period: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n)
    level = rng.uniform(-1000, 1000)
    season = rng.uniform(0.5, 20) * np.sin(2 * np.pi * t / period + rng.uniform(0, 6.3))
    noise = rng.normal(scale=rng.uniform(0.01, 5), size=n)
    if kind == "seasonal":
        return level + season + noise
    if kind == "trend":
        return level + rng.uniform(-3, 3) * t + noise
    if kind == "constant":
        return np.full(n, level)
    if kind == "walk":
        return level + noise.cumsum()
    if kind == "ramp":  # its first difference is constant
        return level + rng.uniform(-3, 3) * t
    return level + rng.uniform(-1, 1) * t + season + noise.cumsum() * rng.uniform(0, 0.5)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(4, 150),
    freq=st.sampled_from(FREQS),
    kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=8),
    true_period=st.sampled_from([None, None, None, 5, 12]),  # None: the calendar's
)
def test_equal_to_resolve_period_row_by_row(
    seed: int, n: int, freq: str | None, kinds: list[str], true_period: int | None
) -> None:
    rng = np.random.default_rng(seed)
    period = true_period or calendar_period(freq) or 4  # mostly the calendar's: the block path
    values = np.array([make_row(kind, n, period, rng) for kind in kinds])
    np.testing.assert_array_equal(sb.resolve_periods(values, freq), per_row(values, freq))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    freq=st.sampled_from(["MS", "QS", "D", "W-SUN", "h"]),
    extra=st.integers(0, 150),
    amplitudes=st.lists(st.floats(0.0, 3.0), min_size=1, max_size=8),
)
def test_seasonal_blocks_equal_row_by_row(
    seed: int, freq: str, extra: int, amplitudes: list[float]
) -> None:
    # the block path itself (it settles most of these rows): the calendar's season, weak to
    # strong against unit noise, on a
    # trend or a random walk, every row long enough to test (2m + 3 points with d up to 2)
    rng = np.random.default_rng(seed)
    period = calendar_period(freq)
    assert period is not None
    n = min(150, 2 * period + 3 + extra)
    t = np.arange(n)
    phases = rng.uniform(0, 6.3, (len(amplitudes), 1))
    season = np.array(amplitudes)[:, None] * np.sin(2 * np.pi * t / period + phases)
    base = rng.normal(size=(len(amplitudes), n)) * rng.uniform(0.1, 1, (len(amplitudes), 1))
    drift = rng.uniform(-1, 1, (len(amplitudes), 1)) * t * rng.integers(0, 2)
    walk = base.cumsum(axis=1) * rng.integers(0, 2)
    values = rng.uniform(-100, 100) + drift + season + base + walk
    np.testing.assert_array_equal(sb.resolve_periods(values, freq), per_row(values, freq))


def monthly_block(rows: int, n: int, seed: int) -> np.ndarray:
    """Half like bench_panel's monthly_panel (trend + season + AR(1) noise), a quarter random
    walks, a quarter white noise around a level: seasonal and not."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    level = rng.uniform(50, 500, (rows, 1))
    trend = rng.uniform(-0.2, 1.0, (rows, 1)) * t
    season = rng.uniform(0.05, 0.3, (rows, 1)) * level * np.sin(2 * np.pi * t / 12 + 1.0)
    shocks = rng.normal(scale=rng.uniform(2, 10, (rows, 1)), size=(rows, n))
    noise = np.zeros_like(shocks)
    for i in range(1, n):
        noise[:, i] = 0.5 * noise[:, i - 1] + shocks[:, i]
    values = np.round(level + trend + season + noise, 3)
    values[rows // 2 : 3 * rows // 4] = level[: rows // 4] + shocks[: rows // 4].cumsum(axis=1)
    values[3 * rows // 4 :] = level[: rows - 3 * rows // 4] + shocks[: rows - 3 * rows // 4]
    return values


@pytest.fixture(scope="module")
def block() -> np.ndarray:
    return monthly_block(2000, 72, seed=11)


def test_a_seeded_monthly_block_of_2000_rows(block: np.ndarray) -> None:
    got = sb.resolve_periods(block, "MS")
    np.testing.assert_array_equal(got, per_row(block, "MS"))
    settled = sb.calendar_seasonal(block, "MS")
    assert settled[:1000].mean() > 0.9  # the seasonal half: the block decides it
    assert np.all(got[settled] == 12)
    assert (got == 0).sum() > 500  # and the walks and the noise are not seasonal


def test_the_block_statistics_are_the_per_row_ones_bit_for_bit(block: np.ndarray) -> None:
    # the design claim that makes the fallback rare: same operations, same order
    x = block[:300]
    d, trusted = sb.kpss_differences_block(x)
    np.testing.assert_array_equal(d, [kpss_differences(row) for row in x])
    assert trusted.all()
    rejects, _ = sb.kpss_rejects(x)
    np.testing.assert_array_equal(rejects, [kpss_level_pvalue(row) < 0.05 for row in x])
    acf, *_ = sb.calendar_acf(x, 12)
    np.testing.assert_array_equal(acf, [sample_acf(row, 12) for row in x])
    for period in (2, 3, 4, 5, 7, 10, 11, 12, 24):
        strength, _ = sb.classical_strengths(x, period)
        np.testing.assert_array_equal(strength, [classical_strength(row, period) for row in x])


@pytest.mark.parametrize("size", [2, 3, 5, 10, 11, 12, 13, 25, 53])
def test_the_moving_average_is_np_convolve_bit_for_bit(size: int) -> None:
    # both of np.convolve's paths: a direct sum up to 11 weights, a ddot per window above
    x = np.random.default_rng(size).normal(1e4, 50, (20, 120))
    weights = np.ones(size) / size
    expected = [np.convolve(row, weights, mode="valid") for row in x]
    np.testing.assert_array_equal(sb._moving_average(x, weights), expected)


def test_constant_rows_short_rows_and_odd_shapes() -> None:
    rng = np.random.default_rng(5)
    t = np.arange(60)
    seasonal = 100 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(size=60)
    rows = np.array([seasonal, np.full(60, 3.0), 2.0 * t, np.r_[np.zeros(59), 1.0], t**2.0])
    np.testing.assert_array_equal(sb.resolve_periods(rows, "MS"), [12, 0, 0, 0, 0])
    assert sb.calendar_seasonal(rows, "MS").tolist() == [True, False, False, False, False]
    for n in (1, 2, 9, 10, 24, 25, 26):  # around KPSS_MIN_OBS and 2m + 1 (with d = 0, 1, 2)
        short = np.array([seasonal[:n], np.full(n, 1.0), rng.normal(size=n).cumsum()])
        np.testing.assert_array_equal(sb.resolve_periods(short, "MS"), per_row(short, "MS"))
    assert sb.resolve_periods(np.zeros((0, 30)), "MS").shape == (0,)
    as_ints = np.asfortranarray(np.round(rows * 10).astype(np.int64))
    np.testing.assert_array_equal(sb.resolve_periods(as_ints, "MS"), per_row(as_ints, "MS"))
    with pytest.raises(ValueError, match="block"):
        sb.resolve_periods(seasonal, "MS")


def test_a_decision_within_tol_of_its_threshold_goes_to_the_per_row_function(
    block: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = block[:200]
    expected = per_row(x, "MS")
    assert sb.kpss_rejects(x)[1].all()  # at TOL = 1e-9 no KPSS decision here is close
    # a margin (TOL x condition) wider than every distance: no row is decided in the block
    monkeypatch.setattr(sb, "TOL", 0.5)
    assert not sb.kpss_rejects(x)[1].any()
    assert not sb.calendar_seasonal(x, "MS").any()
    np.testing.assert_array_equal(sb.resolve_periods(x, "MS"), expected)
    counts = []
    for tol in (1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 1e-9):  # narrower margins: more rows decided
        monkeypatch.setattr(sb, "TOL", tol)
        counts.append(int(sb.calendar_seasonal(x, "MS").sum()))
        np.testing.assert_array_equal(sb.resolve_periods(x, "MS"), expected)
    assert counts == sorted(counts)
    assert any(0 < c < counts[-1] for c in counts)


def test_no_calendar_period_leaves_every_row_to_the_per_row_rule(block: np.ndarray) -> None:
    x = block[:50]
    for freq in (None, "7D", "12MS"):  # no period, no calendar period, a period of 1
        assert not sb.calendar_seasonal(x, freq).any()
        np.testing.assert_array_equal(sb.resolve_periods(x, freq), per_row(x, freq))


# --- the candidate search of the rows the calendar test does not settle -------------------


def test_the_candidate_search_statistics_are_the_per_row_ones_bit_for_bit(
    block: np.ndarray,
) -> None:
    # periodogram (np.fft.rfft along the rows computes each row as a 1-D rfft), ACF with its
    # Bartlett band, and the candidate sets they give: the same numbers, the same periods
    for x in (block[:300], np.diff(block[1000:1300], axis=1), block[1500:1800, :61]):
        n = x.shape[1]
        max_period = n // 4
        # Bit for bit with this machine's kernels; under other BLAS kernels (make
        # test-portable: OPENBLAS_CORETYPE=Prescott) the per-row side rounds differently, by
        # at most a few ulps of sums of n <= 100 terms (seen: 6e-14 relative): 1e-11 bounds
        # that with room, and the candidate sets below must still be the same (the margins).
        power, _ = sb.block_periodogram(x)
        np.testing.assert_allclose(power, [periodogram(row)[1] for row in x], rtol=1e-11)
        acf, *_ = sb.block_acf(x, max_period)
        np.testing.assert_allclose(
            acf, [sample_acf(row, max_period) for row in x], rtol=1e-11, atol=1e-14
        )
        from_pg, sure_pg = sb.periodogram_candidates(x, max_period)
        from_acf, sure_acf = sb.acf_candidates(x, max_period)
        assert sure_pg.mean() > 0.95 and sure_acf.mean() > 0.95
        for row, pg, ac in zip(x, from_pg, from_acf, strict=True):
            assert set(np.flatnonzero(pg)) == set(periodogram_periods(row, max_period))
            assert list(np.flatnonzero(ac)) == acf_periods(row, max_period)


def test_the_block_settles_most_rows_the_calendar_test_leaves(block: np.ndarray) -> None:
    settled = sb.calendar_seasonal(block, "MS")
    left = block[~settled]
    assert left.shape[0] > 900  # the walks and the noise (and a few weak seasons)
    decided = sb.block_periods(left, "MS") != sb.UNDECIDED
    assert decided.mean() > 0.9  # by the candidate search, not the per-row function
    expected = per_row(left, "MS")
    np.testing.assert_array_equal(sb.block_periods(left, "MS")[decided], expected[decided])


def other_periods_block(rows: int, n: int, periods: list[int], seed: int) -> np.ndarray:
    """A third random walks, a third white noise, a third a sine of one of ``periods`` (strong
    or weak against the noise) on a level: rows the calendar test mostly rejects."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    shocks = rng.normal(scale=rng.uniform(0.5, 5, (rows, 1)), size=(rows, n))
    values = rng.uniform(-200, 200, (rows, 1)) + shocks
    values[: rows // 3] += shocks[: rows // 3].cumsum(axis=1)
    cycle = rng.choice(periods, size=(rows, 1))
    amplitude = rng.uniform(0.0, 8, (rows, 1)) * np.sqrt(np.var(shocks, axis=1, keepdims=True))
    season = amplitude * np.sin(2 * np.pi * t / cycle + rng.uniform(0, 6.3, (rows, 1)))
    values[2 * rows // 3 :] += season[2 * rows // 3 :]
    return values


@pytest.mark.parametrize(
    ("freq", "n", "periods"),
    [
        ("MS", 96, [4, 5, 6, 7, 9]),  # 4 and 6 divide 12: the calendar keeps those
        ("W-SUN", 320, [10, 17, 30]),  # calendar 52: 160 weeks let noise pass it by chance
        ("D", 120, [5, 7, 10, 30]),
        (None, 120, [7, 12, 24]),  # no calendar: the found period needs THRESHOLD only
    ],
)
def test_walks_noise_and_other_periods_the_candidate_search_decides(
    freq: str | None, n: int, periods: list[int]
) -> None:
    values = other_periods_block(300, n, periods, seed=n)
    got = sb.resolve_periods(values, freq)
    np.testing.assert_array_equal(got, per_row(values, freq))
    searched = ~sb.calendar_seasonal(values, freq)
    decided = sb.block_periods(values, freq) != sb.UNDECIDED
    assert searched.mean() > 0.5 and decided[searched].mean() > 0.85
    found = set(got[searched & decided].tolist()) - {0, calendar_period(freq)}
    assert found & set(periods)  # the search found some of the other periods in the block


def test_a_sure_periodogram_set_survives_every_power_moved_within_its_margin(
    block: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the claim behind the periodogram's margin: where the block says sure, no rounding of the
    # powers by up to the margin changes periodogram_periods' set. Checked with margins wide
    # enough (TOL 1e-7 .. 1e-4: margins 1e-5 .. 1e-2 of the highest power) that many rows are
    # unsure and the perturbations move the peaks
    x = np.vstack([block[:200], block[1000:1200], block[1500:1700]])
    n, max_period = x.shape[1], x.shape[1] // 4
    rng = np.random.default_rng(3)
    freqs = np.fft.rfftfreq(n)[1:]

    def periods_of(values: np.ndarray) -> set[int]:  # periodogram_periods' loop on the powers
        peaks = local_maxima(values)
        found: list[int] = []
        for i in peaks[np.argsort(values[peaks])[::-1]]:
            period = round(1 / freqs[i])
            if 2 <= period <= max_period and period not in found:
                found.append(period)
            if len(found) == 5:
                break
        return set(found)

    changed_unsure = 0
    for tol in (1e-7, 1e-6, 1e-5, 1e-4):
        monkeypatch.setattr(sb, "TOL", tol)
        power, margin = sb.block_periodogram(x)
        chosen, sure = sb.peak_periods(power, margin, n, max_period)
        assert 0.05 < sure.mean() < 1.0
        half = 0.5 * margin[:, None]  # two values each moved by half the margin
        for attempt in range(3):
            moved = power + rng.uniform(-1, 1, power.shape) * half
            if attempt == 0:  # exact ties too where neighbours are close: numpy's flat tops
                tied = np.where(rng.random(power.shape) < 0.2, np.roll(moved, 1, axis=1), moved)
                moved = power + np.clip(tied - power, -half, half)
            for row in range(x.shape[0]):
                same = set(np.flatnonzero(chosen[row])) == periods_of(moved[row, 1:])
                assert same or not sure[row]
                changed_unsure += not same
    assert changed_unsure > 100  # the perturbations do move the sets of the unsure rows


@pytest.mark.parametrize("threshold", [STRONG, THRESHOLD])
def test_choose_periods_is_choose_and_sure_only_beyond_its_margins(threshold: float) -> None:
    # _choose's rule as arrays, on strengths built to sit near each of its comparisons (the
    # threshold, 85 % of the strongest for a divisor, a tie for the strongest); where it says
    # sure, every strength moved by up to its margin gives _choose the same period
    rng = np.random.default_rng(int(threshold * 10))
    k, width = 3000, 25
    periods = np.arange(width)
    candidates = (rng.random((k, width)) < 0.25) & (periods >= 2)
    strength = rng.uniform(0, 1, (k, width))
    best = np.argmax(np.where(candidates, strength, -1), axis=1)
    rows = np.arange(k)
    near = rng.uniform(-2e-3, 2e-3, k)
    kind = rng.integers(0, 4, k)
    strength[rows, best] = np.where(kind == 0, threshold + near, strength[rows, best])
    for p in (2, 3, 4, 6):  # a divisor near 85 % of the strongest
        divisor = (kind == 1) & (best % p == 0) & (best > p) & candidates[:, p]
        strength[divisor, p] = NEAR * strength[divisor, best[divisor]] + near[divisor]
    second = np.argsort(np.where(candidates, strength, -1), axis=1)[:, -2]
    tie = (kind == 2) & candidates[rows, second]
    strength[tie, second[tie]] = strength[tie, best[tie]] + near[tie] * (rng.random() < 0.5)
    strength = np.where(candidates, strength, -np.inf)
    margin = np.where(candidates, rng.uniform(1e-4, 1e-3, (k, width)), 0.0)

    def choose(values: np.ndarray, row: int) -> int:
        found = [
            Candidate(int(p), ("acf",), float(values[row, p]))
            for p in np.flatnonzero(candidates[row])
        ]
        found.sort(key=lambda c: (-c.strength, c.period))
        chosen = _choose(tuple(found), threshold)
        return chosen.period if chosen else 0

    got, sure = sb.choose_periods(candidates, strength, margin, threshold)
    assert 0.3 < sure.mean() < 0.95
    moved = strength + rng.uniform(-1, 1, strength.shape) * margin / 2
    changed_unsure = 0
    for row in range(k):
        assert got[row] == choose(strength, row)
        same = choose(moved, row) == got[row]
        assert same or not sure[row]
        changed_unsure += not same
    assert changed_unsure > 20
