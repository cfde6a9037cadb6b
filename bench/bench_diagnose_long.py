"""`diagnose` on long series: 10,000, 100,000 and 1,000,000 half-hourly points.

The series: a daily cycle (period 48, amplitude 8), a linear trend, a random walk and white
noise. Timed in one process (the library call behind `forecast diagnose`, after imports and a
warm-up on 5,000 points, under the CLI's thread rule: BLAS at one thread for classical work),
best of ``--repeat``:

- ours: ``diagnose_series`` with the defaults (ACF/PACF, Ljung-Box, ADF, KPSS, Phillips-Perron,
  Zivot-Andrews, DF-GLS, differencing with KPSS and OCSB, seasonality with its STL strength);
- reference: statsmodels ``acf(x, nlags, fft=True)`` plus ``adfuller(x, maxlag=L,
  autolag=None)`` at the lag L our ADF search may reach (Schwert's rule capped at 60), the
  least a correlogram and one unit-root test cost.

Target: 1,000,000 points in at most 10 s. Prints a Markdown table for RESULTS.md.
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import pandas as pd
from _util import best, machine

from forecast.data import SeriesData
from forecast.diagnostics.diagnose import DiagnoseOptions, diagnose_series
from forecast.diagnostics.stationarity import _search_maxlag
from forecast.threads import limited, resolve


def series(n: int, seed: int = 0) -> SeriesData:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = (
        8 * np.sin(2 * np.pi * t / 48)
        + 0.0005 * t
        + np.cumsum(rng.normal(0, 0.3, n))
        + rng.normal(0, 1.0, n)
    )
    y = pd.Series(values, index=pd.date_range("2000-01-01", periods=n, freq="30min"))
    return SeriesData(y, "30min", "simulated", "time", "value", "error")


def reference(x: np.ndarray) -> None:
    from statsmodels.tsa.stattools import acf, adfuller

    nlags = max(1, min(int(10 * np.log10(x.size)), x.size // 2 - 1))
    acf(x, nlags=nlags, fft=True)
    adfuller(x, maxlag=_search_maxlag(x.size)[0], autolag=None, result_object=True)


def main() -> None:
    with limited(resolve(None)):
        _run()


def _run() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    diagnose_series(series(5_000))  # warm-up: imports
    reference(series(5_000).y.to_numpy())
    print(f"machine: {machine()}; load before: {os.getloadavg()[0]:.2f}")
    print("| points | diagnose (s) | acf + adfuller fixed lag (s) | ratio | period | notes |")
    print("|---:|---:|---:|---:|---:|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        data = series(n)
        ours, result = best(lambda d=data: diagnose_series(d, DiagnoseOptions()), args.repeat)
        ref, _ = best(lambda d=data: reference(d.y.to_numpy()), args.repeat)
        notes = "; ".join(result.notes) or "-"  # type: ignore[attr-defined]
        period = result.seasonality.period  # type: ignore[attr-defined]
        print(f"| {n:,} | {ours:.2f} | {ref:.2f} | {ours / ref:.1f} | {period} | {notes} |")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
