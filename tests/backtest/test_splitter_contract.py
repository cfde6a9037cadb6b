"""One contract over every splitter (sktime's idea: each estimator kind passes the same checks).

Whatever the scheme and its parameters, and for every series length (Hypothesis draws both):

- ``n_splits(n)`` is the number of folds ``split(n)`` yields, and the two agree on refusing a
  series that is too short (both raise :class:`InputError`);
- the folds come numbered 0, 1, ... in order, with the splitter's horizon, the same on a second
  call (no hidden state);
- every index set (training observations, test origins, test targets) is sorted, unique and
  inside ``[0, n)``: every scored target is an observation;
- no test target is a training observation;
- walk-forward: all training observations come before the first test target, the origin is the
  last training observation, a rolling window has its length;
- purged schemes: no training sample (an origin whose input and target windows lie inside
  ``train``) has a test target in its input or target window (the purge), and none starts
  within the embargo after a test block.

Each splitter of :mod:`forecast.backtesting.splitters` must have a strategy here: a new one
fails :func:`test_every_splitter_is_under_contract` until it is added.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.backtesting import splitters as sp
from forecast.backtesting.splitters import (
    CombinatorialPurgedCV,
    Fold,
    PurgedKFold,
    Splitter,
    WalkForward,
    allowed_origins,
    embargo_count,
    runs,
)
from forecast.errors import InputError

N_OBS = st.integers(min_value=1, max_value=300)
EMBARGO = st.one_of(st.integers(0, 10), st.floats(0.0, 0.2, allow_nan=False))


@st.composite
def walk_forward(draw: st.DrawFn) -> WalkForward:
    horizon = draw(st.integers(1, 12))
    window = draw(st.sampled_from(["expanding", "rolling"]))
    train_size = draw(st.integers(1, 60)) if window == "rolling" else None
    low = train_size or 1
    initial = draw(st.one_of(st.none(), st.integers(low, low + 150)))
    return WalkForward(
        horizon,
        initial=initial,
        step=draw(st.integers(1, 10)),
        window=window,  # type: ignore[arg-type]
        train_size=train_size,
        gap=draw(st.integers(0, 5)),
    )


@st.composite
def purged_k_fold(draw: st.DrawFn) -> PurgedKFold:
    return PurgedKFold(
        draw(st.integers(2, 10)),
        draw(st.integers(1, 12)),
        lookback=draw(st.integers(1, 15)),
        embargo=draw(EMBARGO),
    )


@st.composite
def combinatorial(draw: st.DrawFn) -> CombinatorialPurgedCV:
    n_groups = draw(st.integers(2, 8))
    return CombinatorialPurgedCV(
        n_groups,
        draw(st.integers(1, n_groups - 1)),
        draw(st.integers(1, 12)),
        lookback=draw(st.integers(1, 15)),
        embargo=draw(EMBARGO),
    )


STRATEGIES: dict[type, Callable[[], st.SearchStrategy[Any]]] = {
    WalkForward: walk_forward,
    PurgedKFold: purged_k_fold,
    CombinatorialPurgedCV: combinatorial,
}


def test_every_splitter_is_under_contract() -> None:
    found = {
        cls
        for _, cls in inspect.getmembers(sp, inspect.isclass)
        if cls.__module__ == sp.__name__ and cls is not Splitter and issubclass(cls, Splitter)
    }
    assert found == set(STRATEGIES)


def folds_or_refusal(splitter: Any, n_obs: int) -> list[Fold] | None:
    """The folds, or ``None`` when the splitter refuses ``n_obs`` (then ``n_splits`` must
    refuse it too, unless a purged fold was left without a training sample, which only
    :meth:`split` can see)."""
    try:
        count = splitter.n_splits(n_obs)
    except InputError:
        with pytest.raises(InputError):
            list(splitter.split(n_obs))
        return None
    try:
        folds = list(splitter.split(n_obs))
    except InputError as exc:
        assert "no training sample is left after purging" in str(exc)
        return None
    assert count == len(folds) >= 1
    return folds


def check_sorted_inside(values: np.ndarray, n_obs: int) -> None:
    assert values.dtype.kind == "i"
    assert np.all(np.diff(values) > 0)  # sorted, no repeats
    if values.size:
        assert values[0] >= 0 and values[-1] < n_obs


def check_common(splitter: Any, folds: list[Fold], n_obs: int) -> None:
    assert isinstance(splitter, Splitter)
    assert "\n" not in splitter.describe() and splitter.describe()
    again = list(splitter.split(n_obs))
    for i, (fold, twin) in enumerate(zip(folds, again, strict=True)):
        assert fold.index == i and fold.horizon == splitter.horizon
        assert fold.to_dict() == twin.to_dict()
        targets = fold.test_targets()
        for values in (fold.train, fold.test_origins, targets):
            check_sorted_inside(values, n_obs)
        assert fold.train.size and fold.test_origins.size and targets.size
        assert np.intersect1d(fold.train, targets).size == 0


def check_walk_forward(splitter: WalkForward, folds: list[Fold]) -> None:
    for fold in folds:
        (t,) = fold.test_origins
        targets = fold.test_targets()
        assert fold.train[-1] == t < targets[0]
        assert targets[0] == t + splitter.gap + 1
        assert targets.size == splitter.horizon
        if splitter.train_size is not None:
            assert fold.train.size == splitter.train_size
        else:
            assert fold.train[0] == 0
    origins = [int(f.test_origins[0]) for f in folds]
    assert np.all(np.diff(origins) == splitter.step)


def check_purged(splitter: PurgedKFold | CombinatorialPurgedCV, folds: list[Fold], n: int) -> None:
    h, lookback = splitter.horizon, splitter.lookback
    embargo = embargo_count(splitter.embargo, n)
    for fold in folds:
        samples = allowed_origins(fold, lookback)
        assert samples.size
        targets = set(fold.test_targets().tolist())
        for t in samples.tolist():  # the purge, sample by sample
            window = range(t - lookback + 1, t + h + 1)  # input and target windows
            assert not targets.intersection(window), (fold.index, t)
        for _, b in runs(fold.test_origins):  # no sample in the purge or embargo after a block
            assert not np.any((samples >= b) & (samples < b + h + lookback - 1 + embargo))


@settings(max_examples=150, deadline=None)
@given(splitter=walk_forward(), n_obs=N_OBS)
def test_walk_forward_contract(splitter: WalkForward, n_obs: int) -> None:
    folds = folds_or_refusal(splitter, n_obs)
    if folds is not None:
        check_common(splitter, folds, n_obs)
        check_walk_forward(splitter, folds)


@settings(max_examples=150, deadline=None)
@given(splitter=purged_k_fold(), n_obs=N_OBS)
def test_purged_k_fold_contract(splitter: PurgedKFold, n_obs: int) -> None:
    folds = folds_or_refusal(splitter, n_obs)
    if folds is not None:
        check_common(splitter, folds, n_obs)
        check_purged(splitter, folds, n_obs)


@settings(max_examples=100, deadline=None)
@given(splitter=combinatorial(), n_obs=N_OBS)
def test_combinatorial_purged_cv_contract(splitter: CombinatorialPurgedCV, n_obs: int) -> None:
    folds = folds_or_refusal(splitter, n_obs)
    if folds is not None:
        check_common(splitter, folds, n_obs)
        check_purged(splitter, folds, n_obs)
        # every test group is tested in C(N-1, k-1) splits: the paths recombine
        tested = np.bincount(np.concatenate([f.groups for f in folds]), minlength=splitter.n_groups)
        assert np.all(tested == splitter.n_paths)


@pytest.mark.parametrize(
    ("splitter", "n_obs"),
    [
        (WalkForward(3, initial=10, step=2, gap=1), 30),
        (WalkForward(2, window="rolling", train_size=5, step=3), 40),
        (PurgedKFold(4, 2, lookback=3, embargo=1), 20),
        (CombinatorialPurgedCV(5, 2, 2, lookback=2, embargo=0.05), 60),
    ],
    ids=["walk-forward", "rolling", "purged-k-fold", "cpcv"],
)
def test_the_contract_runs_on_worked_cases(splitter: Any, n_obs: int) -> None:
    """The drawn cases above may skip a scheme's refusals; these always yield folds, so each
    check runs on every splitter whatever Hypothesis draws."""
    folds = folds_or_refusal(splitter, n_obs)
    assert folds is not None
    check_common(splitter, folds, n_obs)
    if isinstance(splitter, WalkForward):
        check_walk_forward(splitter, folds)
    else:
        check_purged(splitter, folds, n_obs)
