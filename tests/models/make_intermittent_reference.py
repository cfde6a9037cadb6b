"""Write tests/models/intermittent_reference.json: statsforecast's intermittent-demand forecasts.

statsforecast needs pandas < 3, so it runs in its own virtualenv (the Makefile's ``bench-deps``
target makes it), and this script imports nothing from forecast. The series are drawn here from
a seeded generator and stored in the fixture with the forecasts, so the test reads both from the
JSON and runs without statsforecast. Regenerate with::

    make bench-deps
    bench/_work/sf-venv/bin/python tests/models/make_intermittent_reference.py

The series: Bernoulli demand occurrence with Poisson, negative binomial or gamma (non-integer)
sizes over a range of demand probabilities and lengths, and the edge cases the definitions
branch on: a single demand (in the middle, at the end, at the start), no demand at all, no zero
at all, two values, mean inter-demand intervals of exactly 2.5 and 3.5 (rounded half to even),
and repeated equal sizes (where the smoothing-constant search meets exact ties).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).resolve().parent / "intermittent_reference.json"
COMMAND = "bench/_work/sf-venv/bin/python tests/models/make_intermittent_reference.py"
SEED = 29
HORIZON = 3
TSB_CONSTANTS = ((0.1, 0.1), (0.3, 0.05), (0.5, 0.2))


def drawn(rng: np.random.Generator, n: int, p: float, sizes: str) -> list[float]:
    occurs = rng.random(n) < p
    if sizes == "poisson":
        size = 1 + rng.poisson(3.0, n)
    elif sizes == "negbin":
        size = 1 + rng.negative_binomial(2.0, 0.3, n)
    else:
        size = np.round(rng.gamma(2.0, 2.5, n), 3) + 0.001
    return [float(v) for v in np.where(occurs, size, 0.0)]


def series() -> dict[str, list[float]]:
    rng = np.random.default_rng(SEED)
    out = {
        f"{sizes}_p{p}_n{n}": drawn(rng, n, p, sizes)
        for sizes, p, n in (
            ("poisson", 0.3, 120),
            ("poisson", 0.5, 60),
            ("negbin", 0.1, 200),
            ("negbin", 0.05, 300),
            ("negbin", 0.2, 52),
            ("gamma", 0.25, 100),
            ("gamma", 0.4, 80),
            ("poisson", 0.15, 30),
        )
    }
    lone = [0.0] * 50
    lone[24] = 7.0
    out["single_demand_middle"] = lone
    out["single_demand_end"] = [0.0] * 39 + [4.0]
    out["single_demand_start"] = [5.0] + [0.0] * 29
    out["no_demand"] = [0.0] * 30
    out["no_zero"] = [float(v) for v in 1 + rng.poisson(4.0, 50)]
    out["two_values"] = [0.0, 3.0]
    out["interval_2_5"] = [0.0, 2.0, 0.0, 0.0, 6.0, 0.0, 0.0, 0.0]  # (4 + 1) / 2 -> 2
    out["interval_3_5"] = [0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 1.0, 0.0]  # (6 + 1) / 2 -> 4
    out["equal_sizes"] = [0.0, 3.0] * 10 + [0.0, 5.0]
    out["equal_sizes_dense"] = [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 9.0, 0.0, 2.0]
    return out


def forecasts(y: np.ndarray) -> dict[str, list[float]]:
    from statsforecast.models import (
        ADIDA,
        IMAPA,
        TSB,
        CrostonClassic,
        CrostonOptimized,
        CrostonSBA,
    )

    models: dict[str, Any] = {
        "croston_classic": CrostonClassic(),
        "croston_sba": CrostonSBA(),
        "croston_optimized": CrostonOptimized(),
        "adida": ADIDA(),
        "imapa": IMAPA(),
    }
    for alpha_d, alpha_p in TSB_CONSTANTS:
        models[f"tsb_{alpha_d}_{alpha_p}"] = TSB(alpha_d=alpha_d, alpha_p=alpha_p)
    return {
        name: [float(v) for v in model.forecast(y=y, h=HORIZON)["mean"]]
        for name, model in models.items()
    }


def main() -> None:
    import statsforecast

    cases = {
        name: {"y": values, "forecasts": forecasts(np.asarray(values, dtype="float64"))}
        for name, values in series().items()
    }
    document = {
        "source": f"statsforecast {statsforecast.__version__}",
        "command": COMMAND,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "horizon": HORIZON,
        "tsb_constants": [list(pair) for pair in TSB_CONSTANTS],
        "cases": cases,
    }
    OUT.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {OUT}: {len(cases)} series")


if __name__ == "__main__":
    main()
