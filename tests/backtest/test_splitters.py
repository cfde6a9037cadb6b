"""Splitters: the purge property against a per-sample brute force (Hypothesis), walk-forward
invariants, hand-worked folds, the CPCV path table, and skfolio's documented example."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.backtesting.splitters import (
    CombinatorialPurgedCV,
    Fold,
    PurgedKFold,
    Splitter,
    WalkForward,
    allowed_origins,
    embargo_count,
    longest_run,
    longest_run_before,
    purged_train_origins,
    runs,
    valid_origins,
)
from forecast.errors import InputError, UsageError

# --- slow, obvious reference: the purge rule applied sample by sample ----------------------


def violates(t: int, targets: set[int], horizon: int, lookback: int) -> bool:
    """REFERENCE.md: a training sample must go when its target window overlaps a test target
    or its input window contains one."""
    target_window = range(t + 1, t + horizon + 1)
    input_window = range(t - lookback + 1, t + 1)
    return any(s in targets for s in target_window) or any(s in targets for s in input_window)


def reference_survivors(
    n: int, horizon: int, lookback: int, embargo: int, test: set[int]
) -> list[int]:
    """Valid origins that are neither tested, nor violate the rule, nor embargoed. The embargo
    is the e origins right after each maximal run of tested-or-violating origins (it follows
    the test data), found by walking, not by the h+L-1 formula."""
    valid = list(range(lookback - 1, n - horizon))
    targets = {t + j for t in test for j in range(1, horizon + 1)}
    gone = {t for t in valid if t in test or violates(t, targets, horizon, lookback)}
    embargoed: set[int] = set()
    for t in sorted(gone):
        if t + 1 not in gone:  # end of a run of removed origins
            embargoed.update(range(t + 1, t + 1 + embargo))
    return [t for t in valid if t not in gone and t not in embargoed]


def reference_train(n: int, horizon: int, lookback: int, survivors: list[int]) -> list[int]:
    """Union of the input and target windows of the surviving samples."""
    cover = {s for t in survivors for s in range(t - lookback + 1, t + horizon + 1)}
    return sorted(s for s in cover if 0 <= s < n)


def check_purged_fold(fold: Fold, n: int, horizon: int, lookback: int, embargo: int) -> None:
    test = {int(t) for t in fold.test_origins}
    targets = {int(s) for s in fold.test_targets()}
    assert targets == {t + j for t in test for j in range(1, horizon + 1)}
    allowed = allowed_origins(fold, lookback, horizon)
    # the property that can't be faked: no training sample's windows touch a test target,
    # and no training observation is a test target
    for t in allowed:
        assert not violates(int(t), targets, horizon, lookback)
    assert not targets & {int(s) for s in fold.train}
    # nothing is purged that needn't be: exactly the brute-force survivors remain
    expected = reference_survivors(n, horizon, lookback, embargo, test)
    assert allowed.tolist() == expected
    assert fold.train.tolist() == reference_train(n, horizon, lookback, expected)
    # maximality, said the long way: a valid origin that is not tested, not trained on and
    # not in an embargo zone violates the rule
    valid = set(valid_origins(n, horizon, lookback))
    removed = {t for t in valid if t in test or violates(t, targets, horizon, lookback)}
    zone = {t + j for t in removed if t + 1 not in removed for j in range(1, embargo + 1)}
    for t in valid - test - set(allowed.tolist()) - zone:
        assert violates(t, targets, horizon, lookback), t


embargoes = st.one_of(st.integers(0, 6), st.floats(0.0, 0.15, allow_nan=False))


# --- purged k-fold ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    extra=st.integers(-3, 100),
    horizon=st.integers(1, 8),
    lookback=st.integers(1, 10),
    k=st.integers(2, 8),
    embargo=embargoes,
)
def test_purged_kfold_purges_exactly_what_it_must(extra, horizon, lookback, k, embargo) -> None:
    n = max(1, k + horizon + lookback - 1 + extra)  # extra < 0: too short for k folds
    splitter = PurgedKFold(k, horizon, lookback, embargo)
    e = embargo_count(embargo, n)
    valid = list(valid_origins(n, horizon, lookback))
    if len(valid) < k:
        with pytest.raises(InputError, match="observations"):
            list(splitter.split(n))
        return
    blocks = splitter.blocks(n)
    survivors = [reference_survivors(n, horizon, lookback, e, set(range(a, b))) for a, b in blocks]
    if not all(survivors):
        with pytest.raises(InputError, match="no training sample"):
            list(splitter.split(n))
        return
    folds = list(splitter.split(n))
    assert len(folds) == splitter.n_splits(n) == k
    for i, fold in enumerate(folds):
        assert fold.index == i
        check_purged_fold(fold, n, horizon, lookback, e)
    # test origins: contiguous blocks, disjoint, in order, covering the valid origins, sizes
    # differing by at most one
    tested = np.concatenate([f.test_origins for f in folds])
    assert tested.tolist() == valid
    sizes = [f.test_origins.size for f in folds]
    assert max(sizes) - min(sizes) <= 1
    assert all(len(runs(f.test_origins)) == 1 for f in folds)


def test_purged_kfold_worked_example() -> None:
    # n=20, h=2, L=3, k=4, embargo=1 (the class docstring). Valid origins L-1=2 .. n-1-h=17,
    # 16 of them, blocks 2-5, 6-9, 10-13, 14-17. For block [a, b]: purge a-(h-1) .. a-1 and
    # b+1 .. b+h+L-1 = b+4, embargo b+5; train = windows [t-2, t+2] of the survivors.
    folds = list(PurgedKFold(4, horizon=2, lookback=3, embargo=1).split(20))
    # fold 0: block [2, 5], targets 3..7; purged 6..9, embargo 10; survivors 11..17 -> [9, 20)
    # fold 1: block [6, 9], targets 7..11; purged 5 and 10..13, embargo 14;
    #         survivors 2..4 -> [0, 7) and 15..17 -> [13, 20)
    # fold 2: block [10, 13], targets 11..15; purged 9 and 14..17; survivors 2..8 -> [0, 11)
    # fold 3: block [14, 17], targets 15..19; purged 13; survivors 2..12 -> [0, 15)
    expected = [
        ([[9, 20]], [[3, 8]], [[2, 6]], range(11, 18)),
        ([[0, 7], [13, 20]], [[7, 12]], [[6, 10]], [2, 3, 4, 15, 16, 17]),
        ([[0, 11]], [[11, 16]], [[10, 14]], range(2, 9)),
        ([[0, 15]], [[15, 20]], [[14, 18]], range(2, 13)),
    ]
    for fold, (train, test, origins, survivors) in zip(folds, expected, strict=True):
        d = fold.to_dict()
        assert (d["train"], d["test"], d["test_origins"]) == (train, test, origins)
        assert allowed_origins(fold, 3).tolist() == list(survivors)
    # the segments a model that needs contiguous data may use
    assert longest_run_before(folds[0]) is None
    assert longest_run(folds[0]) == (9, 20)
    assert longest_run_before(folds[1]) == (0, 7)
    assert longest_run(folds[1]) == (13, 20)  # a tie of two 7-long runs: the later one
    assert longest_run_before(folds[3]) == (0, 15)


def test_embargo_fraction_is_ceil_of_pct_times_n() -> None:
    # AFML ch. 7 / REFERENCE.md: e = ceil(pct * n)
    assert embargo_count(0.01, 250) == 3  # ceil(2.5)
    assert embargo_count(0.01, 100) == 1
    assert embargo_count(0.01, 101) == 2  # ceil(1.01)
    assert embargo_count(0.0, 500) == 0
    assert embargo_count(4, 500) == 4
    # the fraction reaches the folds: 250 points, h=1, L=1, 5 folds of 50 origins; fold 0
    # tests origins 0..49, purges 50 (h+L-1 = 1), embargoes 51..53
    fold = next(PurgedKFold(5, horizon=1, lookback=1, embargo=0.01).split(250))
    assert allowed_origins(fold, 1)[0] == 54


# --- combinatorial purged CV --------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    extra=st.integers(-3, 80),
    horizon=st.integers(1, 5),
    lookback=st.integers(1, 6),
    n_groups=st.integers(2, 6),
    data=st.data(),
    embargo=embargoes,
)
def test_cpcv_purges_exactly_around_every_test_group(
    extra, horizon, lookback, n_groups, data, embargo
) -> None:
    n = max(1, n_groups + horizon + lookback - 1 + extra)  # extra < 0: too short
    k_test = data.draw(st.integers(1, n_groups - 1))
    cv = CombinatorialPurgedCV(n_groups, k_test, horizon, lookback, embargo)
    e = embargo_count(embargo, n)
    if len(valid_origins(n, horizon, lookback)) < n_groups:
        with pytest.raises(InputError, match="observations"):
            cv.n_splits(n)
        return
    ranges = cv.group_ranges(n)
    combos = cv.combinations()
    tests = [{t for g in c for t in range(*ranges[g])} for c in combos]
    if not all(reference_survivors(n, horizon, lookback, e, test) for test in tests):
        with pytest.raises(InputError, match="no training sample"):
            list(cv.split(n))
        return
    folds = list(cv.split(n))
    assert len(folds) == cv.n_splits(n) == math.comb(n_groups, k_test)
    for fold, combo, test in zip(folds, combos, tests, strict=True):
        assert fold.groups == combo
        assert set(fold.test_origins.tolist()) == test
        check_purged_fold(fold, n, horizon, lookback, e)
    # groups partition the valid origins; group_of_origin agrees with group_ranges
    owner = cv.group_of_origin(n)
    valid = list(valid_origins(n, horizon, lookback))
    assert [g for g in owner.tolist() if g >= 0] == sorted(owner[valid].tolist())
    assert (owner >= 0).sum() == len(valid)
    for g, (a, b) in enumerate(ranges):
        assert (owner[a:b] == g).all()


@given(n_groups=st.integers(2, 9), data=st.data())
def test_cpcv_paths_use_every_tested_group_once(n_groups, data) -> None:
    k_test = data.draw(st.integers(1, n_groups - 1))
    cv = CombinatorialPurgedCV(n_groups, k_test, horizon=1)
    combos = cv.combinations()
    paths = cv.paths()
    # phi = k/N * C(N, k) = C(N-1, k-1) (REFERENCE.md)
    assert len(paths) == cv.n_paths == math.comb(n_groups - 1, k_test - 1)
    assert len(paths) * n_groups == k_test * len(combos)
    used = []
    for path in paths:
        assert [g for g, _ in path] == list(range(n_groups))  # each group once, in order
        for g, s in path:
            assert g in combos[s]
        used.extend(path)
    # every (group, split where it is tested) pair lands in exactly one path
    assert sorted(used) == sorted((g, s) for s, c in enumerate(combos) for g in c)
    # path j takes the j-th split (lexicographic) that tests g
    for g in range(n_groups):
        assert [path[g][1] for path in paths] == sorted(s for s, c in enumerate(combos) if g in c)


def test_cpcv_six_groups_two_tested_path_table() -> None:
    # REFERENCE.md / AFML ch. 12 (fig. 12.1): N=6, k=2 gives C(6,2)=15 splits and
    # phi = C(5,1) = 5 paths. Splits in lexicographic order:
    #   0:(0,1) 1:(0,2) 2:(0,3) 3:(0,4) 4:(0,5) 5:(1,2) 6:(1,3) 7:(1,4) 8:(1,5)
    #   9:(2,3) 10:(2,4) 11:(2,5) 12:(3,4) 13:(3,5) 14:(4,5)
    # Splits testing each group: G0 0,1,2,3,4  G1 0,5,6,7,8  G2 1,5,9,10,11
    #   G3 2,6,9,12,13  G4 3,7,10,12,14  G5 4,8,11,13,14; path j takes the j-th of each.
    cv = CombinatorialPurgedCV(6, 2, horizon=1)
    assert cv.combinations() == [
        (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 2), (1, 3), (1, 4),
        (1, 5), (2, 3), (2, 4), (2, 5), (3, 4), (3, 5), (4, 5),
    ]  # fmt: skip
    table = [  # path -> split used for groups 0..5
        [0, 0, 1, 2, 3, 4],
        [1, 5, 5, 6, 7, 8],
        [2, 6, 9, 9, 10, 11],
        [3, 7, 10, 12, 12, 13],
        [4, 8, 11, 13, 14, 14],
    ]
    assert [[s for _, s in path] for path in cv.paths()] == table
    assert cv.n_splits(100) == 15 and cv.n_paths == 5


def test_cpcv_path_table_matches_skfolio_five_groups() -> None:
    # skfolio tests/test_model_selection/test_combinatorial.py, CombinatorialPurgedCV(
    # n_folds=5, n_test_folds=2).recombined_paths: row = group, column = path, value = split
    recombined = [[0, 1, 2, 3], [0, 4, 5, 6], [1, 4, 7, 8], [2, 5, 7, 9], [3, 6, 8, 9]]
    paths = CombinatorialPurgedCV(5, 2, horizon=1).paths()
    assert [[paths[j][g][1] for j in range(4)] for g in range(5)] == recombined


def test_skfolio_documented_twelve_sample_example() -> None:
    # skfolio CombinatorialPurgedCV docstring (src/skfolio/model_selection/_combinatorial.py):
    # 12 samples, n_folds=3, n_test_folds=2; test groups [0..3], [4..7], [8..11]; splits test
    # (0,1), (0,2), (1,2). skfolio counts purge/embargo in samples: purged_size p removes p
    # samples before and p after each test group, embargo_size e then e more after. Ours
    # removes h-1 before and h+L-1 after (L >= 1), so the three printed cases are reproduced
    # through the counting primitive with before = after = p.
    groups = [(0, 4), (4, 8), (8, 12)]
    combos = [(0, 1), (0, 2), (1, 2)]
    printed = {
        (0, 0): [[8, 9, 10, 11], [4, 5, 6, 7], [0, 1, 2, 3]],
        (1, 0): [[9, 10, 11], [5, 6], [0, 1, 2]],
        (0, 1): [[9, 10, 11], [5, 6, 7], [0, 1, 2, 3]],
    }
    for (purged, emb), trains in printed.items():
        for combo, train in zip(combos, trains, strict=True):
            blocks = [groups[g] for g in combo]
            got = purged_train_origins(0, 12, blocks, before=purged, after=purged, embargo=emb)
            assert got.tolist() == train, (purged, emb, combo)
    # The embargo_size=1 case is also h=1, L=1 (before 0, after 1) with no embargo: 12 valid
    # origins 0..11 need n = 13 observations. Same groups, same test sets, same training
    # samples, through the class itself.
    cv = CombinatorialPurgedCV(3, 2, horizon=1, lookback=1, embargo=0)
    assert cv.group_ranges(13) == groups
    folds = list(cv.split(13))
    assert [f.groups for f in folds] == combos
    assert [f.test_origins.tolist() for f in folds] == [
        [0, 1, 2, 3, 4, 5, 6, 7],
        [0, 1, 2, 3, 8, 9, 10, 11],
        [4, 5, 6, 7, 8, 9, 10, 11],
    ]
    assert [allowed_origins(f, 1).tolist() for f in folds] == printed[(0, 1)]
    # skfolio's path table for this case: recombined_paths [[0, 1], [0, 2], [1, 2]]
    assert [[s for _, s in p] for p in cv.paths()] == [[0, 0, 1], [1, 2, 2]]


def test_cpcv_too_many_splits_is_refused() -> None:
    with pytest.raises(UsageError, match="184,756 splits"):
        CombinatorialPurgedCV(20, 10, horizon=1)


# --- walk-forward -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 80),
    horizon=st.integers(1, 6),
    step=st.integers(1, 5),
    gap=st.integers(0, 4),
    initial=st.one_of(st.none(), st.integers(1, 60)),
    train_size=st.one_of(st.none(), st.integers(1, 30)),
)
def test_walk_forward_never_trains_after_its_origin(
    n, horizon, step, gap, initial, train_size
) -> None:
    if train_size is not None and initial is not None and initial < train_size:
        initial = train_size
    window = "expanding" if train_size is None else "rolling"
    wf = WalkForward(horizon, initial, step, window, train_size, gap)
    first = initial if initial is not None else (train_size or max(n // 2, 2 * horizon))
    last = n - 1 - gap - horizon
    if first - 1 > last:
        with pytest.raises(InputError, match="observations"):
            wf.n_splits(n)
        return
    folds = list(wf.split(n))
    assert len(folds) == wf.n_splits(n) >= 1
    origins = [int(f.test_origins[0]) for f in folds]
    assert origins == list(range(first - 1, last + 1, step))
    assert origins[-1] + step > last  # no fold left out at the end
    for i, (fold, t) in enumerate(zip(folds, origins, strict=True)):
        assert fold.index == i and fold.test_origins.tolist() == [t] and fold.gap == gap
        assert fold.train.max() == t  # never trains after its origin
        start = 0 if train_size is None else t - train_size + 1
        assert fold.train.tolist() == list(range(start, t + 1))
        targets = fold.test_targets().tolist()
        assert targets == list(range(t + gap + 1, t + gap + horizon + 1))
        assert targets[-1] <= n - 1
        # a window model (same horizon) trains only on samples whose targets are <= t
        allowed = allowed_origins(fold, 1)
        assert allowed.size == 0 or allowed.max() + horizon <= t


def test_walk_forward_worked_examples() -> None:
    # class docstring: n=12, h=2, initial=6, step=2 -> origins 5, 7, 9 (9 + 2 = 11 = n - 1)
    folds = list(WalkForward(2, initial=6, step=2).split(12))
    assert [f.to_dict() for f in folds] == [
        {"index": 0, "horizon": 2, "gap": 0, "train": [[0, 6]], "test": [[6, 8]],
         "test_origins": [[5, 6]], "groups": []},
        {"index": 1, "horizon": 2, "gap": 0, "train": [[0, 8]], "test": [[8, 10]],
         "test_origins": [[7, 8]], "groups": []},
        {"index": 2, "horizon": 2, "gap": 0, "train": [[0, 10]], "test": [[10, 12]],
         "test_origins": [[9, 10]], "groups": []},
    ]  # fmt: skip
    rolling = WalkForward(2, initial=6, step=2, window="rolling", train_size=4).split(12)
    assert [f.train_ranges() for f in rolling] == [[(2, 6)], [(4, 8)], [(6, 10)]]
    # gap 1: origins t with t + 1 + 2 <= 11 -> 5, 7 (not 9); targets t+2, t+3
    gapped = list(WalkForward(2, initial=6, step=2, gap=1).split(12))
    assert [f.test_targets().tolist() for f in gapped] == [[7, 8], [9, 10]]
    assert [f.train.max() for f in gapped] == [5, 7]
    # default initial: max(n // 2, 2h) = 50 for n=100, h=3 -> first origin 49, last 96
    wf = WalkForward(3)
    assert wf.initial_for(100) == 50 and wf.n_splits(100) == 48
    assert WalkForward(12).initial_for(30) == 24  # 2h wins over n // 2 = 15
    with pytest.raises(InputError, match="at least initial \\+ gap \\+ horizon = 36"):
        WalkForward(12).n_splits(30)  # 24 + 0 + 12 = 36 > 30


# --- folds, helpers, protocol, validation -------------------------------------------------


def test_fold_targets_ranges_and_json() -> None:
    fold = Fold(index=3, train=[0, 1, 2, 6, 7], test_origins=[3, 4, 10], horizon=2, groups=(1,))
    assert fold.test_targets().tolist() == [4, 5, 6, 11, 12]
    assert fold.train_ranges() == [(0, 3), (6, 8)]
    assert fold.test_ranges() == [(4, 7), (11, 13)]
    d = fold.to_dict()
    assert d["test_origins"] == [[3, 5], [10, 11]] and d["groups"] == [1]
    assert json.loads(json.dumps(d)) == d
    with pytest.raises(ValueError, match="read-only"):
        fold.train[0] = 5
    # windows of L=2, h=1 inside train: run [0,3) -> origins 1; run [6,8) -> origin 7? its
    # target 8 is outside, so none
    assert allowed_origins(fold, 2, 1).tolist() == [1]
    assert allowed_origins(fold, 1, 1).tolist() == [0, 1, 6]
    # longest run before the first target (4): (0, 3); overall: (0, 3) beats (6, 8)
    assert longest_run_before(fold) == (0, 3) and longest_run(fold) == (0, 3)


def test_splitters_satisfy_the_protocol_and_describe_themselves() -> None:
    splitters = [
        WalkForward(12, initial=48, step=3),
        WalkForward(1, window="rolling", train_size=20),
        PurgedKFold(5, horizon=12, lookback=24, embargo=0.01),
        CombinatorialPurgedCV(6, 2, horizon=12, lookback=24, embargo=3),
    ]
    for s in splitters:
        assert isinstance(s, Splitter)
    assert [s.describe() for s in splitters] == [
        "walk-forward, expanding window: horizon=12, initial=48, step=3, gap=0",
        "walk-forward, rolling window of 20: horizon=1, initial=train_size (20), step=1, gap=0",
        "purged 5-fold: horizon=12, lookback=24, embargo=ceil(0.01 * n) origins",
        "combinatorial purged CV: 6 groups, 2 tested per split (15 splits, 5 paths), "
        "horizon=12, lookback=24, embargo=3 origins",
    ]


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: WalkForward(0), "horizon must be a whole number >= 1, got 0"),
        (lambda: WalkForward(2, step=0), "step must be"),
        (lambda: WalkForward(2, gap=-1), "gap must be"),
        (lambda: WalkForward(2, window="sliding"), "window must be"),
        (lambda: WalkForward(2, window="rolling"), "needs train_size"),
        (lambda: WalkForward(2, train_size=5), "only applies to window='rolling'"),
        (lambda: WalkForward(2, 4, window="rolling", train_size=5), "shorter than the rolling"),
        (lambda: PurgedKFold(1, 2), "k must be a whole number >= 2"),
        (lambda: PurgedKFold(3, 2, lookback=0), "lookback must be"),
        (lambda: PurgedKFold(3, 2, embargo=1.5), "fraction in \\[0, 1\\)"),
        (lambda: PurgedKFold(3, 2, embargo=-1), "count >= 0"),
        (lambda: PurgedKFold(3, 2, embargo=True), "embargo must be"),
        (lambda: CombinatorialPurgedCV(4, 4, 1), "k_test must be smaller than n_groups"),
        (lambda: CombinatorialPurgedCV(4, 0, 1), "k_test must be"),
        (lambda: CombinatorialPurgedCV(4, 2, 2.5), "horizon must be"),
    ],
)
def test_bad_parameters_are_usage_errors(build, match) -> None:
    with pytest.raises(UsageError, match=match):
        build()


def test_short_series_are_input_errors() -> None:
    # 5 folds need 5 valid origins: 5 + h + L - 1 = 5 + 2 + 3 - 1 = 9 observations
    assert PurgedKFold(5, 2, 3).n_splits(9) == 5
    with pytest.raises(InputError, match="at least k \\+ horizon \\+ lookback - 1 = 9"):
        PurgedKFold(5, 2, 3).n_splits(8)
    # k=2, h=3, L=3, n=10: valid origins 2..6, blocks 2-4 and 5-6; fold 0 purges the
    # h+L-1 = 5 origins after 4 (5..9), so it keeps nothing
    with pytest.raises(InputError, match="fold 0: no training sample is left"):
        list(PurgedKFold(2, 3, 3).split(10))
