"""Write tests/hierarchy/mint_shrink_cli_reference.json: hierarchicalforecast's
MinTrace(mint_shrink) on the base forecasts and in-sample fitted values of `forecast fit -m ar`
over a small store panel, for test_mint_shrink_cli.py to compare the CLI's output with.

hierarchicalforecast pins its own dependencies and runs in its own virtualenv, which has no
``forecast``; so the fixture is made in two steps::

    .venv/bin/python tests/hierarchy/make_mint_shrink_cli_reference.py inputs
    bench/_work/hf-venv/bin/python tests/hierarchy/make_mint_shrink_cli_reference.py reconcile

``inputs`` (forecast's venv) stores the panel (five stores of sample_data/retail_panel.csv in two
regions, 2020-2024), the tree, every node's base forecasts (an AR model per node, its order
chosen per node, fitted with ``forecast``'s library) and its one-step in-sample fitted values,
one ``forecast_from`` call per time on the history cut there (None for the first ``lookback``
values, a different number per node). ``reconcile`` (hierarchicalforecast's venv) adds
MinTrace(mint_shrink)'s reconciled forecasts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).resolve().parent / "mint_shrink_cli_reference.json"
STORES = {"store_01": "north", "store_02": "north", "store_07": "south", "store_08": "south",
          "store_09": "south"}  # fmt: skip
START = "2020-01-01"
HORIZON = 3
PARAMS = {"max_p": 4}


def inputs() -> dict[str, Any]:
    """The panel, the tree and the base and fitted values (forecast's venv)."""
    import pandas as pd

    from forecast.hierarchy.structure import from_columns
    from forecast.models.registry import get_spec

    root = Path(__file__).resolve().parents[2]
    frame = pd.read_csv(root / "sample_data" / "retail_panel.csv", parse_dates=["month"])
    frame = frame[frame["store"].isin(list(STORES)) & (frame["month"] >= START)].copy()
    frame["region"] = frame["store"].map(STORES)
    h = from_columns(frame.astype(str), ["region", "store"])
    series = {"total": frame.groupby("month")["sales"].sum()}
    for region, part in frame.groupby("region"):
        series[f"region={region}"] = part.groupby("month")["sales"].sum()
        for store, one in part.groupby("store"):
            series[f"region={region}/store={store}"] = one.set_index("month")["sales"]
    y_hat, y_insample, fitted = [], [], []
    for node in h.nodes:
        y = series[node].asfreq("MS")
        model = get_spec("ar").create(dict(PARAMS)).fit(y)
        y_hat.append(model.predict(HORIZON).mean.tolist())
        y_insample.append(y.tolist())
        row: list[float | None] = [None] * len(y)
        for t in range(model.lookback(), len(y)):
            row[t] = float(model.forecast_from(y.iloc[:t], [t - 1], 1).mean[0, 0])
        fitted.append(row)
    return {
        "panel": {
            "store": frame["store"].tolist(),
            "region": frame["region"].tolist(),
            "month": frame["month"].dt.strftime("%Y-%m-%d").tolist(),
            "sales": frame["sales"].tolist(),
        },
        "model": "ar",
        "params": PARAMS,
        "horizon": HORIZON,
        "nodes": list(h.nodes),
        "S": h.summing.toarray().tolist(),
        "y_hat": y_hat,
        "y_insample": y_insample,
        "y_hat_insample": fitted,
    }


def reconcile(data: dict[str, Any]) -> dict[str, Any]:
    """hierarchicalforecast's MinTrace(mint_shrink) on the stored inputs (its venv)."""
    import hierarchicalforecast
    from hierarchicalforecast.methods import MinTrace

    fitted = np.array(data["y_hat_insample"], dtype=np.float64)  # None -> NaN
    got = MinTrace("mint_shrink").fit_predict(
        S=np.asarray(data["S"]),
        y_hat=np.asarray(data["y_hat"]),
        y_insample=np.asarray(data["y_insample"]),
        y_hat_insample=fitted,
    )["mean"]
    return {
        **data,
        "source": f"hierarchicalforecast {hierarchicalforecast.__version__}",
        "reconciled": np.asarray(got).tolist(),
    }


def main() -> None:
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step == "inputs":
        data = inputs()
    elif step == "reconcile":
        data = reconcile(json.loads(OUT.read_text()))
    else:
        raise SystemExit("usage: make_mint_shrink_cli_reference.py inputs|reconcile")
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({step})")


if __name__ == "__main__":
    main()
