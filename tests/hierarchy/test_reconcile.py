"""Reconciliation: coherence, hierarchicalforecast's numbers, textbook MinT, sample paths."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.errors import InputError
from forecast.hierarchy import reconcile as rc
from forecast.hierarchy import structure

# Made by make_reconcile_reference.py with hierarchicalforecast 1.5.3 (bench/_work/hf-venv).
REFERENCE = Path(__file__).resolve().parent / "reconcile_reference.json"
NAN_REFERENCE = REFERENCE.with_name("mint_shrink_nan_reference.json")  # the same script
ALL = [*rc.METHODS[:2], "mint-ols", "mint-wls-struct", "mint-shrink"]


def _hierarchy(bottom, columns) -> structure.Hierarchy:
    frame = pd.DataFrame([dict(zip(columns, row, strict=True)) for row in bottom])
    return structure.from_columns(frame, columns)


def _coherent(h: structure.Hierarchy, values: np.ndarray) -> None:
    """S @ bottom equals every node, to 1e-9 relative to the largest value."""
    flat = values.reshape(h.n_nodes, -1)
    err = np.abs(h.summing @ flat[h.bottom] - flat).max()
    assert err <= 1e-9 * max(np.abs(flat).max(), 1.0)


def _reference_cases():
    trees = json.loads(REFERENCE.read_text())["trees"]
    return [(name, method) for name, tree in trees.items() for method in tree["reconciled"]]


@pytest.mark.parametrize(("tree_name", "method"), _reference_cases())
def test_equals_hierarchicalforecast(tree_name, method):
    tree = json.loads(REFERENCE.read_text())["trees"][tree_name]
    h = _hierarchy(tree["bottom"], tree["columns"])
    order = [tree["nodes"].index(node) for node in h.nodes]  # theirs -> ours, by node id
    y_hat = np.asarray(tree["y_hat"])[order]
    residuals = (np.asarray(tree["y_insample"]) - np.asarray(tree["y_hat_insample"]))[order]
    name, _, level = method.partition(" ")
    got = rc.reconcile(h, y_hat, name, middle_level=level or None, residuals=residuals)  # type: ignore[arg-type]
    want = np.asarray(tree["reconciled"][method])[order]
    # Both sides evaluate the same closed forms in float64 on values ~1e2 with systems of a few
    # nodes (condition numbers < 1e3): agreement to ~1e-12 relative; the issue asks for 1e-6.
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    _coherent(h, got)


def _textbook_mint(h, weights):
    """P = (S' W^-1 S)^-1 S' W^-1 with dense inverses (Wickramasuriya et al. 2019, eq. 9)."""
    s = h.summing.toarray()
    w_inv = np.linalg.inv(weights)
    return np.linalg.solve(s.T @ w_inv @ s, s.T @ w_inv)


def test_mint_equals_the_textbook_formula():
    h = _hierarchy(
        [("N", 1), ("N", 2), ("N", 3), ("S", 1), ("S", 2), ("W", 9)], ["region", "store"]
    )
    rng = np.random.default_rng(7)
    residuals = rng.normal(size=(h.n_nodes, 40)) * np.arange(1, h.n_nodes + 1)[:, None]
    s = h.summing.toarray()
    cases = {
        "ols": np.eye(h.n_nodes),
        "wls_struct": np.diag(s.sum(axis=1)),
        "mint_shrink": rc.shrunk_covariance(residuals),
    }
    for method, weights in cases.items():
        p = rc.mint_projection(h, method, residuals).matrix()  # type: ignore[arg-type]
        # two different float64 routes to P through systems of condition < 1e4: 1e-10 is loose
        np.testing.assert_allclose(p, _textbook_mint(h, weights), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(p @ s, np.eye(h.n_bottom), atol=1e-12)  # P S = I


def _slow_shrinkage(residuals, ridge=2e-8):
    """Schäfer & Strimmer (2005) target D as hierarchicalforecast writes it, pair by pair."""
    n, t = residuals.shape
    x = residuals - residuals.mean(axis=1, keepdims=True)
    sd = np.sqrt((x**2).mean(axis=1)) + 2e-8
    cov = np.cov(residuals)  # divisor T - 1
    num = den = 0.0
    for i in range(n):
        for j in range(i):
            w = x[i] / sd[i] * x[j] / sd[j]
            num += ((w - w.mean()) ** 2).sum()
            den += w.mean() ** 2
    lam = min(max(num / (t * (t - 1)) / (den + 2e-8), 0.0), 1.0)
    out = (1 - lam) * cov
    np.fill_diagonal(out, np.maximum(np.diag(cov), ridge))
    return out, lam


@pytest.mark.parametrize("t", [3, 12, 200])
def test_shrunk_covariance_equals_the_pairwise_loop(t):
    rng = np.random.default_rng(t)
    common = rng.normal(size=t)
    residuals = rng.normal(size=(6, t)) + 0.8 * common  # correlated: 0 < lambda < 1
    want, lam = _slow_shrinkage(residuals)
    assert t == 3 or 0 < lam < 1
    np.testing.assert_allclose(rc.shrunk_covariance(residuals), want, rtol=1e-10, atol=1e-14)


def _slow_pairwise_shrinkage(residuals, ridge=2e-8):
    """The NaN case pair by pair: each pair on the times both nodes have (k of them)."""
    n = residuals.shape[0]
    ok = ~np.isnan(residuals)
    out = np.zeros((n, n))
    num = den = 0.0
    for i in range(n):
        out[i, i] = max(np.var(residuals[i, ok[i]], ddof=1), ridge)
        for j in range(i):
            both = ok[i] & ok[j]
            k = both.sum()
            a = residuals[i, both] - residuals[i, both].mean()
            c = residuals[j, both] - residuals[j, both].mean()
            w = a / (np.sqrt((a * a).mean()) + 2e-8) * c / (np.sqrt((c * c).mean()) + 2e-8)
            num += ((w - w.mean()) ** 2).sum() * k / (k - 1) ** 3
            den += (k / (k - 1) * w.mean()) ** 2
            out[i, j] = out[j, i] = (a * c).sum() / (k - 1)
    lam = min(max(num / (den + 2e-8), 0.0), 1.0)
    off = ~np.eye(n, dtype=bool)
    out[off] *= 1 - lam
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shrunk_covariance_with_missing_values_equals_the_pairwise_loop(seed):
    rng = np.random.default_rng(seed)
    residuals = rng.normal(size=(7, 40)) + 0.7 * rng.normal(size=40) + 50.0  # offset: centring
    for i, lead in enumerate(rng.integers(0, 8, size=7)):
        residuals[i, :lead] = np.nan
    residuals[2, 20] = np.nan  # a gap inside too
    # the masked products expand sum (x_i - p)^2 (x_j - q)^2 over terms of size ~1 (the rows are
    # centred first): cancellation costs a few 1e-15 relative; 1e-10 is loose
    np.testing.assert_allclose(
        rc.shrunk_covariance(residuals), _slow_pairwise_shrinkage(residuals), rtol=1e-10
    )


@pytest.mark.parametrize("tree_name", ["small", "deep"])
def test_mint_shrink_with_missing_residuals_equals_hierarchicalforecast(tree_name):
    tree = json.loads(NAN_REFERENCE.read_text())["trees"][tree_name]
    h = _hierarchy(tree["bottom"], tree["columns"])
    order = [tree["nodes"].index(node) for node in h.nodes]
    fitted = np.array(tree["y_hat_insample"], dtype=np.float64)  # None -> NaN
    residuals = (np.asarray(tree["y_insample"]) - fitted)[order]
    assert np.isnan(residuals).any()
    got = rc.reconcile(h, np.asarray(tree["y_hat"])[order], "mint-shrink", residuals=residuals)
    # hierarchicalforecast adds its 2e-8 epsilon at a slightly different place in the pairwise
    # intensity (measured: the intensity agrees to ~1e-8, so (1 - intensity) times the
    # covariance to ~1e-7 relative); on forecasts ~1e2 that is ~1e-5 absolute at most
    np.testing.assert_allclose(got, np.asarray(tree["reconciled"])[order], rtol=1e-6, atol=1e-5)
    _coherent(h, got)


def test_bottom_up_of_a_one_level_tree_is_the_identity():
    h = _hierarchy([(1,), (2,), (5,)], ["store"])  # total over three stores
    base = np.array([[100.0, 0.0], [1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    got = rc.reconcile(h, base, "bottom-up")
    np.testing.assert_array_equal(got[h.bottom], base[h.bottom])
    np.testing.assert_array_equal(got[0], [9.0, 12.0])


@pytest.mark.parametrize("method", [*ALL, "middle-out"])
def test_coherent_forecasts_are_left_unchanged(method):
    h = _hierarchy([("N", 1), ("N", 2), ("S", 1), ("S", 4), ("S", 5)], ["region", "store"])
    rng = np.random.default_rng(3)
    coherent = h.aggregate(rng.gamma(3.0, 10.0, size=(h.n_bottom, 6)))
    residuals = rng.normal(size=(h.n_nodes, 20))
    got = rc.reconcile(h, coherent, method, middle_level="region", residuals=residuals)  # type: ignore[arg-type]
    np.testing.assert_allclose(got, coherent, rtol=1e-12)


def test_middle_out_at_the_top_and_bottom_levels():
    h = _hierarchy([("N", 1), ("N", 2), ("S", 1)], ["region", "store"])
    base = np.random.default_rng(4).gamma(3.0, 10.0, size=(h.n_nodes, 3))
    np.testing.assert_array_equal(rc.middle_out(h, base, "total"), rc.top_down(h, base))
    np.testing.assert_allclose(rc.middle_out(h, base, "region/store"), rc.bottom_up(h, base))


def test_sample_paths():
    h = _hierarchy([("N", 1), ("N", 2), ("S", 1), ("S", 4)], ["region", "store"])
    rng = np.random.default_rng(5)
    paths = rng.gamma(3.0, 10.0, size=(h.n_nodes, 4, 50))  # [n, H, M]
    residuals = rng.normal(size=(h.n_nodes, 30))
    for method in ALL:
        got = rc.reconcile(h, paths, method, residuals=residuals)  # type: ignore[arg-type]
        assert got.shape == paths.shape
        _coherent(h, got)
        one = rc.reconcile(h, paths[:, :, 7], method, residuals=residuals)  # type: ignore[arg-type]
        np.testing.assert_allclose(got[:, :, 7], one, rtol=1e-12)  # path by path
    projection = rc.mint_projection(h, "mint_shrink", residuals)
    # linear: the mean of the projected paths is the projection of the mean path
    np.testing.assert_allclose(
        projection.apply(paths).mean(axis=-1), projection.apply(paths.mean(axis=-1)), rtol=1e-12
    )
    bottom_up = rc.bottom_up(h, paths)  # exact: the bottom paths themselves, summed
    np.testing.assert_array_equal(bottom_up[h.bottom], paths[h.bottom])


def test_equal_split_when_a_family_forecasts_zero():
    h = _hierarchy([("N", 1), ("N", 2), ("N", 3)], ["region", "store"])
    base = np.array([[12.0], [9.0], [0.0], [0.0], [0.0]])
    np.testing.assert_array_equal(rc.top_down(h, base)[h.bottom, 0], [4.0, 4.0, 4.0])


def test_bad_calls_name_the_problem():
    h = _hierarchy([("N", 1), ("S", 2)], ["region", "store"])
    base = np.ones((h.n_nodes, 2))
    with pytest.raises(InputError, match="middle-out needs a level"):
        rc.reconcile(h, base, "middle-out")
    with pytest.raises(InputError, match="residuals"):
        rc.reconcile(h, base, "mint-shrink")
    with pytest.raises(InputError, match="unknown reconciliation method"):
        rc.reconcile(h, base, "erm")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="5 rows"):
        rc.reconcile(h, base[:3], "bottom-up")
    with pytest.raises(ValueError, match="finite"):
        rc.reconcile(h, base * np.nan, "mint-ols")


trees = st.lists(
    st.tuples(st.sampled_from("abcd"), st.integers(0, 3), st.integers(0, 5)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=40, deadline=None)
@given(bottom=trees, depth=st.integers(1, 3), seed=st.integers(0, 2**32 - 1), signed=st.booleans())
def test_every_method_is_coherent_on_drawn_trees(bottom, depth, seed, signed):
    columns = ["region", "district", "store"][:depth]
    h = _hierarchy(sorted({row[:depth] for row in bottom}), columns)
    rng = np.random.default_rng(seed)
    base = rng.gamma(2.0, 50.0, size=(h.n_nodes, 3, 4))  # [n, H, samples]
    if signed:
        base -= 100.0  # family sums near 0 make top-down proportions large: still coherent
    residuals = rng.normal(size=(h.n_nodes, 15))
    for method in ALL + [f"middle-out {name}" for name in h.level_names]:
        name, _, level = method.partition(" ")
        got = rc.reconcile(h, base, name, middle_level=level or None, residuals=residuals)  # type: ignore[arg-type]
        assert np.isfinite(got).all()
        _coherent(h, got)
