"""Write tests/hierarchy/reconcile_reference.json: hierarchicalforecast's reconciled forecasts.

hierarchicalforecast pins its own dependencies, so it runs in its own virtualenv and this script
imports nothing from forecast. The trees, base forecasts and in-sample data are drawn here from a
seeded generator and stored in the fixture with the results, so the test reads all of them from
the JSON and runs without hierarchicalforecast. Regenerate with::

    python3 -m venv bench/_work/hf-venv
    bench/_work/hf-venv/bin/pip install hierarchicalforecast
    bench/_work/hf-venv/bin/python tests/hierarchy/make_reconcile_reference.py

Trees (node ids as forecast.hierarchy.structure.from_columns writes them, levels top first):

* ``small``: total / region / store, regions of 3, 2 and 1 stores (a single-child family);
* ``deep``: total / region / district / store, 2 regions, 5 districts, 12 stores.

Base forecasts are positive (top-down proportions), except one family whose base forecasts are
all 0 at one horizon step: top-down splits its parent equally there (hierarchicalforecast's
branch for a family sum below 1e-8).

It also writes tests/hierarchy/mint_shrink_nan_reference.json: MinTrace(mint_shrink) on in-sample
fitted values whose first 0-5 values are missing, a different number per node (the one-step
residuals of models with different lookbacks), which hierarchicalforecast's shrinkage takes
pairwise (``_shrunk_covariance_schaferstrimmer_with_nans``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).resolve().parent / "reconcile_reference.json"
OUT_NAN = Path(__file__).resolve().parent / "mint_shrink_nan_reference.json"
SEED_NAN = 31
COMMAND = "bench/_work/hf-venv/bin/python tests/hierarchy/make_reconcile_reference.py"
SEED = 30
HORIZON = 4
T_INSAMPLE = 24
MINT_NAMES = {"ols": "mint-ols", "wls_struct": "mint-wls-struct", "mint_shrink": "mint-shrink"}

TREES: dict[str, dict[str, Any]] = {
    "small": {
        "columns": ["region", "store"],
        "bottom": [["N", "1"], ["N", "2"], ["N", "3"], ["S", "1"], ["S", "7"], ["W", "4"]],
        "zero_family": ["region=S/store=1", "region=S/store=7"],
    },
    "deep": {
        "columns": ["region", "district", "store"],
        "bottom": [
            ["A", "a1", "1"], ["A", "a1", "2"], ["A", "a1", "3"],
            ["A", "a2", "4"], ["A", "a2", "5"],
            ["B", "b1", "6"], ["B", "b1", "7"],
            ["B", "b2", "8"], ["B", "b2", "9"], ["B", "b2", "10"],
            ["B", "b3", "11"], ["B", "b3", "12"],
        ],
        "zero_family": [],
    },
}  # fmt: skip


def tree(columns: list[str], bottom: list[list[str]]) -> tuple[list[str], list[str], np.ndarray]:
    """Node ids, level names and S, in forecast's order (levels top first, sorted paths)."""
    paths = [["total"] * len(bottom)]
    for k, name in enumerate(columns):
        part = [f"{name}={row[k]}" for row in bottom]
        paths.append([p + "/" + q if k else q for p, q in zip(paths[-1], part, strict=True)])
    levels = [list(dict.fromkeys(level)) for level in paths]
    nodes = [node for level in levels for node in level]
    s = np.zeros((len(nodes), len(bottom)))
    for j in range(len(bottom)):
        for level in paths:
            s[nodes.index(level[j]), j] = 1.0
    names = ["total"] + ["/".join(columns[: k + 1]) for k in range(len(columns))]
    return nodes, names, s


def reference(spec: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    from hierarchicalforecast.methods import BottomUp, MiddleOut, MinTrace, TopDown

    nodes, names, s = tree(spec["columns"], spec["bottom"])
    n, b = s.shape
    sizes = [
        len({"/".join(n.split("/")[: k + 1]) for n in nodes[-b:]}) for k in range(len(names) - 1)
    ]
    starts = np.cumsum([0, 1, *sizes])
    tags = {name: np.arange(starts[k], starts[k + 1]) for k, name in enumerate(names)}
    y_hat = rng.gamma(4.0, 25.0, size=(n, HORIZON))  # incoherent base forecasts
    for node in spec["zero_family"]:
        y_hat[nodes.index(node), 2] = 0.0
    bottom_insample = rng.gamma(4.0, 25.0, size=(b, T_INSAMPLE))
    y_insample = s @ bottom_insample
    y_hat_insample = y_insample + rng.normal(0.0, 10.0, size=(n, T_INSAMPLE)) * np.sqrt(
        s.sum(axis=1, keepdims=True)
    )
    out: dict[str, Any] = {}
    out["bottom-up"] = BottomUp().fit_predict(S=s, y_hat=y_hat)["mean"]
    out["top-down"] = TopDown("forecast_proportions").fit_predict(S=s, y_hat=y_hat, tags=tags)[
        "mean"
    ]
    for name in names[1:-1]:
        middle = MiddleOut(name, "forecast_proportions")
        out[f"middle-out {name}"] = middle.fit_predict(S=s, y_hat=y_hat, tags=tags)["mean"]
    for method in ("ols", "wls_struct", "mint_shrink"):
        out[MINT_NAMES[method]] = MinTrace(method).fit_predict(
            S=s, y_hat=y_hat, y_insample=y_insample, y_hat_insample=y_hat_insample
        )["mean"]
    return {
        "columns": spec["columns"],
        "bottom": spec["bottom"],
        "nodes": nodes,
        "levels": names,
        "S": s.tolist(),
        "y_hat": y_hat.tolist(),
        "y_insample": y_insample.tolist(),
        "y_hat_insample": y_hat_insample.tolist(),
        "reconciled": {k: np.asarray(v).tolist() for k, v in out.items()},
    }


def nan_reference(spec: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """MinTrace(mint_shrink) with leading NaN in the in-sample fitted values."""
    from hierarchicalforecast.methods import MinTrace

    nodes, _, s = tree(spec["columns"], spec["bottom"])
    n, b = s.shape
    y_hat = rng.gamma(4.0, 25.0, size=(n, HORIZON))
    y_insample = s @ rng.gamma(4.0, 25.0, size=(b, T_INSAMPLE))
    noise = rng.normal(0.0, 10.0, size=(n, T_INSAMPLE)) + 6.0 * rng.normal(size=T_INSAMPLE)
    y_hat_insample = y_insample + noise * np.sqrt(s.sum(axis=1, keepdims=True))
    for i, lead in enumerate(rng.integers(0, 6, size=n)):
        y_hat_insample[i, :lead] = np.nan
    got = MinTrace("mint_shrink").fit_predict(
        S=s, y_hat=y_hat, y_insample=y_insample, y_hat_insample=y_hat_insample
    )["mean"]
    return {
        "columns": spec["columns"],
        "bottom": spec["bottom"],
        "nodes": nodes,
        "y_hat": y_hat.tolist(),
        "y_insample": y_insample.tolist(),
        "y_hat_insample": [[None if np.isnan(v) else v for v in row] for row in y_hat_insample],
        "reconciled": np.asarray(got).tolist(),
    }


def main() -> None:
    import hierarchicalforecast

    rng = np.random.default_rng(SEED)
    data = {
        "source": f"hierarchicalforecast {hierarchicalforecast.__version__}",
        "command": COMMAND,
        "seed": SEED,
        "trees": {name: reference(spec, rng) for name, spec in TREES.items()},
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT}")
    rng = np.random.default_rng(SEED_NAN)
    nan = {**data, "seed": SEED_NAN}
    nan["trees"] = {name: nan_reference(spec, rng) for name, spec in TREES.items()}
    OUT_NAN.write_text(json.dumps(nan, indent=1) + "\n")
    print(f"wrote {OUT_NAN}")


if __name__ == "__main__":
    main()
