"""Classical models: start-up of a naive fit, auto-ARIMA overhead, update vs refit.

1. `forecast fit sample_data/nile.csv --model naive` against `python -c "import pandas"`:
   fresh processes, median of 7 (target: under 1.5x).
2. `auto-arima` on AirPassengers (period given, and detected) against a plain
   `pmdarima.auto_arima(y, m=12)` call with the same settings, in one process, best of 3.
3. `update` of a fitted ARIMA(2,1,1) with one new point against refitting it, on AirPassengers
   (target: update >= 20x faster), median of 20.
"""

from __future__ import annotations

import copy
import statistics
import time
import warnings

from _util import FORECAST, PYTHON, ROOT, machine, median_time


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _median(fn, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def startup() -> None:
    reference = median_time([PYTHON, "-c", "import pandas"])
    nile = str(ROOT / "sample_data/nile.csv")
    naive = median_time([FORECAST, "fit", nile, "--model", "naive", "-f", "csv"])
    print(f"python -c 'import pandas'             {reference:6.3f} s  1.00x")
    print(f"forecast fit --model naive (nile)     {naive:6.3f} s  {naive / reference:4.2f}x")


def auto_arima() -> None:
    import pmdarima as pm

    from forecast.data import load_series
    from forecast.models.registry import create

    y = load_series(str(ROOT / "sample_data/airpassengers.csv")).y
    settings = {
        "information_criterion": "aicc",
        "max_p": 5,
        "max_q": 5,
        "max_P": 2,
        "max_Q": 2,
        "max_d": 2,
        "max_D": 1,
        "suppress_warnings": True,
        "error_action": "ignore",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = _best(
            lambda: pm.auto_arima(y.to_numpy(), m=12, seasonal=True, stepwise=True, **settings)
        )
        given = _best(lambda: create("auto-arima", {"period": 12}).fit(y))
        detected = _best(lambda: create("auto-arima").fit(y))
    print(f"pmdarima.auto_arima(m=12)             {plain:6.3f} s  1.00x")
    print(f"forecast auto-arima, period=12        {given:6.3f} s  {given / plain:4.2f}x")
    print(f"forecast auto-arima, period detected  {detected:6.3f} s  {detected / plain:4.2f}x")


def update_vs_refit() -> None:
    from forecast.data import load_series
    from forecast.models.registry import create

    y = load_series(str(ROOT / "sample_data/airpassengers.csv")).y
    train, new = y.iloc[:-1], y.iloc[-1:]
    fitted = create("arima", {"order": "2,1,1"}).fit(train)
    refit = _median(lambda: create("arima", {"order": "2,1,1"}).fit(y), repeat=10)
    copies = [copy.deepcopy(fitted) for _ in range(20)]  # each update starts from the fit
    step = _median(lambda: copies.pop().update(new))
    print(f"ARIMA(2,1,1) refit on 144 points      {refit * 1000:7.1f} ms  1.00x")
    speedup = refit / step
    print(f"ARIMA(2,1,1) update with 1 point      {step * 1000:7.1f} ms  {speedup:5.1f}x faster")


if __name__ == "__main__":
    print(f"# classical models ({machine()})")
    startup()
    auto_arima()
    update_vs_refit()
