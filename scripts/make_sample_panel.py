"""Write sample_data/retail_panel.csv: a simulated panel of monthly sales, long format, and
sample_data/retail_regions.csv: the same rows with a ``region`` column (stores 1-5 north, 6-12
south), the two-level hierarchy region/store of ``--hierarchy``.

Twelve stores, 96 months each (2017-01 .. 2024-12), columns ``store, month, sales``. Each series
is a level times a trend times a yearly season, plus AR(1) noise; every parameter is drawn from a
seeded generator, so the file is the same on every machine. Run with
`.venv/bin/python scripts/make_sample_panel.py`; the CSV is committed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent.parent / "sample_data" / "retail_panel.csv"
REGIONS = OUT.with_name("retail_regions.csv")
STORES = 12
MONTHS = 96
SEED = 20261128


def simulate(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n)
    level = rng.uniform(200, 2000)
    growth = rng.uniform(-0.002, 0.01)  # per month
    amplitude = rng.uniform(0.15, 0.35)
    phase = rng.uniform(0, 2 * np.pi)
    phi = rng.uniform(0.2, 0.8)
    noise = np.zeros(n)
    shocks = rng.normal(scale=rng.uniform(0.02, 0.05), size=n)
    for i in range(1, n):
        noise[i] = phi * noise[i - 1] + shocks[i]
    season = 1 + amplitude * np.sin(2 * np.pi * t / 12 + phase)
    return level * (1 + growth) ** t * season * np.exp(noise)


def main() -> None:
    rng = np.random.default_rng(SEED)
    months = pd.date_range("2017-01-01", periods=MONTHS, freq="MS").strftime("%Y-%m-%d")
    frames = [
        pd.DataFrame(
            {"store": f"store_{s + 1:02d}", "month": months, "sales": simulate(rng, MONTHS)}
        )
        for s in range(STORES)
    ]
    panel = pd.concat(frames, ignore_index=True)
    panel.to_csv(OUT, index=False, float_format="%.2f", lineterminator="\n")
    print(f"wrote {OUT}: {len(panel)} rows, {STORES} series of {MONTHS} months")
    number = panel["store"].str[-2:].astype(int)
    regions = panel.assign(region=np.where(number <= 5, "north", "south"))
    regions = regions[["region", "store", "month", "sales"]]
    regions.to_csv(REGIONS, index=False, float_format="%.2f", lineterminator="\n")
    print(f"wrote {REGIONS}: the same rows with a region column (north: stores 1-5)")


if __name__ == "__main__":
    main()
