"""Write the bundled sample series as tidy CSVs from the data shipped inside pmdarima/statsmodels.

Run with `make sample-data`. The CSVs are committed; this script is how they were made, so
anyone can regenerate and check them. Sources and licences: sample_data/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pmdarima.datasets import load_airpassengers, load_sunspots, load_taylor
from statsmodels.datasets import nile

OUT = Path(__file__).resolve().parent.parent / "sample_data"


def write(name: str, index: pd.DatetimeIndex, time_col: str, values, value_col: str) -> None:
    frame = pd.DataFrame({time_col: index, value_col: pd.Series(values).to_numpy()})
    if (index == index.normalize()).all():
        frame[time_col] = index.strftime("%Y-%m-%d")
    else:
        frame[time_col] = index.strftime("%Y-%m-%d %H:%M")
    frame.to_csv(OUT / name, index=False, float_format="%.10g", lineterminator="\n")
    print(f"wrote {OUT / name}: {len(frame)} rows, {index[0]} .. {index[-1]}")


def main() -> None:
    air = load_airpassengers(as_series=True)
    write(
        "airpassengers.csv",
        pd.date_range("1949-01-01", periods=len(air), freq="MS"),
        "month",
        air.to_numpy(),
        "passengers",
    )

    flow = nile.load_pandas().data
    years = flow["year"].astype(int)
    write(
        "nile.csv",
        pd.DatetimeIndex(pd.to_datetime(years.astype(str), format="%Y")),
        "year",
        flow["volume"].to_numpy(),
        "flow",
    )

    spots = load_sunspots(as_series=True)
    write(
        "sunspots.csv",
        pd.date_range("1749-01-01", periods=len(spots), freq="MS"),
        "month",
        spots.to_numpy(),
        "sunspots",
    )

    demand = load_taylor(as_series=True)
    write(
        "taylor.csv",
        pd.date_range("2000-06-05 00:00", periods=len(demand), freq="30min"),
        "timestamp",
        demand.to_numpy(),
        "demand_mw",
    )


if __name__ == "__main__":
    main()
