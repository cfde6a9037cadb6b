"""Write sample_data/intermittent.csv: simulated weekly spare-part demand, long format.

Six parts, 104 weeks each (Mondays from 2023-01-02), columns ``part, week, demand``. In each
week a demand occurs with the part's probability p (drawn in [0.08, 0.5]); its size is 1 plus a
negative binomial draw (mean drawn in [1, 6], dispersion 2), so most weeks are 0 and the rest
are whole numbers. Every draw comes from one seeded generator, so the file is the same on every
machine. Run with `.venv/bin/python scripts/make_intermittent_sample.py`; the CSV is committed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent.parent / "sample_data" / "intermittent.csv"
PARTS = 6
WEEKS = 104
SEED = 20261207
DISPERSION = 2.0  # negative binomial n: variance = mean + mean^2 / 2


def simulate(rng: np.random.Generator, weeks: int) -> np.ndarray:
    """One part's demand: Bernoulli occurrence times 1 + negative binomial size."""
    p = rng.uniform(0.08, 0.5)
    mean = rng.uniform(1.0, 6.0)
    occurs = rng.random(weeks) < p
    sizes = 1 + rng.negative_binomial(DISPERSION, DISPERSION / (DISPERSION + mean), weeks)
    return np.where(occurs, sizes, 0)


def main() -> None:
    rng = np.random.default_rng(SEED)
    weeks = pd.date_range("2023-01-02", periods=WEEKS, freq="W-MON").strftime("%Y-%m-%d")
    frames = [
        pd.DataFrame({"part": f"part_{i + 1}", "week": weeks, "demand": simulate(rng, WEEKS)})
        for i in range(PARTS)
    ]
    panel = pd.concat(frames, ignore_index=True)
    panel.to_csv(OUT, index=False, lineterminator="\n")
    zeros = float((panel["demand"] == 0).mean())
    print(f"wrote {OUT}: {len(panel)} rows, {PARTS} series of {WEEKS} weeks, {zeros:.0%} zeros")


if __name__ == "__main__":
    main()
