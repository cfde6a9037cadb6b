"""Our Hyndman-Khandakar search against pmdarima's auto_arima (the oracle, R's algorithm).

On every series of arima_series.py: the same D (OCSB) and d (KPSS), and the same chosen model;
where the models differ, ours must have the lower AICc under statsmodels' own exact
likelihood, or pmdarima's model must have an AR or MA root within 1.01 of the unit circle
(R's ``auto.arima`` rejects those; pmdarima checks only the MA roots of models with MA terms) (exact diffuse start, both models refitted by statsmodels), and the test names the
series in its output. pmdarima scores candidates with statsmodels' approximate diffuse start
(variance 1e6), which is off for series in the thousands (wineind), and counts n = all
observations in its AICc (R counts the differenced ones).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from forecast.models import arima_search
from tests.models.arima_series import all_series

SERIES = all_series()


def _pmdarima(y: np.ndarray, m: int):  # type: ignore[no-untyped-def]
    import pmdarima as pm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pm.auto_arima(
            y,
            m=m,
            seasonal=m > 1,
            information_criterion="aicc",  # pmdarima's default is AIC; R's is AICc
            suppress_warnings=True,
            error_action="ignore",
        )


def _min_root(reference) -> float:  # type: ignore[no-untyped-def]
    """The smallest modulus of pmdarima's model's AR and MA roots (expanded polynomials)."""
    roots = [np.abs(reference.arroots()), np.abs(reference.maroots())]
    return float(min((r.min() for r in roots if r.size), default=np.inf))


def _statsmodels_aicc(y: np.ndarray, order, seasonal, trend: str) -> float:  # type: ignore[no-untyped-def]
    from statsmodels.tsa.arima.model import ARIMA

    from forecast.models.arima_mle import information_criteria

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ARIMA(y, order=order, seasonal_order=seasonal, trend=trend)
        model.use_exact_diffuse = True
        model.initialize_default()
        res = model.fit()
    n = y.size - order[1] - seasonal[1] * max(seasonal[3], 1)
    return information_criteria(float(res.llf), len(res.params), n)["aicc"]


def _trend(constant: bool, d: int, D: int) -> str:
    return ("c" if d + D == 0 else "t") if constant else "n"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SERIES))
def test_search_chooses_pmdarimas_model_or_a_better_one(name: str) -> None:
    y, m = SERIES[name]
    result, d, D = arima_search.auto_arima(y, m)
    reference = _pmdarima(y, m)
    ref_order = tuple(int(v) for v in reference.order)
    ref_seasonal = tuple(int(v) for v in reference.seasonal_order) if m > 1 else (0, 0, 0, 0)
    assert (d, D) == (ref_order[1], ref_seasonal[1] if m > 1 else 0)
    assert result.best is not None
    ours = (result.best.order, result.best.seasonal if m > 1 else (0, 0, 0, 0))
    ours_constant = result.best.constant
    ref_constant = bool(reference.with_intercept)
    if ours == (ref_order, ref_seasonal) and ours_constant == ref_constant:
        return
    # different models: pmdarima's has a root R's auto.arima rejects (pmdarima's root test
    # looks at the MA roots only when there are any), or ours is better by statsmodels'
    # own exact likelihood
    if _min_root(reference) < arima_search.ROOT_MARGIN:
        print(
            f"{name}: pmdarima's {(ref_order, ref_seasonal)} has a root of modulus "
            f"{_min_root(reference):.4f} < 1.01 (R rejects it); ours {ours}"
        )
        return
    mine = _statsmodels_aicc(y, *ours, _trend(ours_constant, d, D))
    theirs = _statsmodels_aicc(y, ref_order, ref_seasonal, _trend(ref_constant, d, D))
    print(
        f"{name}: ours {ours} const={ours_constant} AICc {mine:.3f}; pmdarima "
        f"{(ref_order, ref_seasonal)} const={ref_constant} AICc {theirs:.3f}"
    )
    assert mine <= theirs + 1e-6, (name, ours, (ref_order, ref_seasonal), mine, theirs)
