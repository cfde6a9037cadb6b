"""The series the ARIMA core and the auto-ARIMA search are checked on: the real series bundled
with pmdarima and statsmodels, the sample data, and simulated ARMA / SARIMA with known
parameters. Each comes with its seasonal period (1: none)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.conftest import DATA, SAMPLES


def _simulate(ar: list[float], ma: list[float], n: int, seed: int, d: int = 0) -> np.ndarray:
    from statsmodels.tsa.arima_process import arma_generate_sample

    rng = np.random.default_rng(seed)
    x = arma_generate_sample(np.r_[1, -np.array(ar)], np.r_[1, ma], n, distrvs=rng.standard_normal)
    for _ in range(d):
        x = np.cumsum(x)
    return np.asarray(x, dtype="float64")


def _seasonal(n: int, m: int, seed: int) -> np.ndarray:
    """(1 - 0.5 B) (1 - B^m) y = (1 - 0.6 B^m) e: a seasonal random walk with AR(1) noise."""
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n + 3 * m)
    u = e.copy()
    for t in range(m, u.size):
        u[t] = e[t] - 0.6 * e[t - m]
    w = np.zeros_like(u)
    for t in range(1, u.size):
        w[t] = 0.5 * w[t - 1] + u[t]
    y = np.zeros_like(w)
    for t in range(m, y.size):
        y[t] = y[t - m] + w[t]
    return y[3 * m :] + 50


def real_series() -> dict[str, tuple[np.ndarray, int]]:
    import pmdarima.datasets as pmd
    import statsmodels.api as sm

    macro = sm.datasets.macrodata.load_pandas().data
    out = {
        "pm.airpassengers": (pmd.load_airpassengers(), 12),
        "pm.wineind": (pmd.load_wineind(), 12),
        "pm.lynx": (pmd.load_lynx(), 1),
        "pm.austres": (pmd.load_austres(), 4),
        "pm.woolyrnq": (pmd.load_woolyrnq(), 4),
        "pm.heartrate": (pmd.load_heartrate(), 1),
        "pm.ausbeer": (pmd.load_ausbeer()[:-1], 4),
        "sm.nile": (sm.datasets.nile.load_pandas().data["volume"].to_numpy(), 1),
        "sm.sunspots": (sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(), 1),
        "sm.realgdp": (np.log(macro["realgdp"].to_numpy()), 4),
        "sm.infl": (macro["infl"].to_numpy(), 4),
        "sm.unemp": (macro["unemp"].to_numpy(), 4),
        "sm.m1": (np.log(macro["m1"].to_numpy()), 4),
        "sample.nile": (_csv(SAMPLES / "nile.csv"), 1),
        "sample.sunspots": (_csv(SAMPLES / "sunspots.csv"), 1),
        "r.lakehuron": (_csv(DATA / "lakehuron.csv"), 1),
    }
    from statsmodels.datasets import elec_equip

    out["sm.elec_equip"] = (elec_equip.load().data.iloc[:, 0].to_numpy(), 12)
    # Mauna Loa CO2, weekly -> monthly means, the last year left out (the accuracy
    # benchmark's training part): a strong season that OCSB leaves undifferenced (D = 0)
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().dropna()
    out["sm.co2"] = (co2.to_numpy()[:-12], 12)
    return {name: (np.asarray(y, dtype="float64"), m) for name, (y, m) in out.items()}


def simulated_series() -> dict[str, tuple[np.ndarray, int]]:
    return {
        "sim.ar1": (_simulate([0.7], [], 200, 1), 1),
        "sim.ar2": (_simulate([0.5, 0.3], [], 300, 2), 1),
        "sim.ma1": (_simulate([], [0.6], 200, 3), 1),
        "sim.ma2": (_simulate([], [-0.4, 0.3], 250, 4), 1),
        "sim.arma11": (_simulate([0.6], [0.3], 300, 5), 1),
        "sim.arma21": (_simulate([0.5, -0.3], [0.4], 400, 6), 1),
        "sim.arima111": (_simulate([0.5], [-0.3], 300, 7, d=1), 1),
        "sim.arima011": (_simulate([], [0.4], 200, 8, d=1), 1),
        "sim.arima210": (_simulate([0.4, 0.2], [], 250, 9, d=1), 1),
        "sim.arima012": (_simulate([], [0.3, 0.2], 300, 10, d=2), 1),
        "sim.sarima4": (_seasonal(160, 4, 11), 4),
        "sim.sarima12": (_seasonal(240, 12, 12), 12),
        "sim.sarima7": (_seasonal(280, 7, 13), 7),
        "sim.drift": (np.cumsum(0.3 + _simulate([0.4], [], 200, 14)), 1),
    }


def _csv(path) -> np.ndarray:  # type: ignore[no-untyped-def]
    frame = pd.read_csv(path)
    return frame.iloc[:, -1].to_numpy(dtype="float64")


def all_series() -> dict[str, tuple[np.ndarray, int]]:
    return {**real_series(), **simulated_series()}
