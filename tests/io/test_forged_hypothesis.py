"""Hypothesis forges model metadata (any field replaced by any JSON value, checksum
recomputed): loading and predicting only ever raise the tool's own one-line errors (a damaged
file is a ModelFileError; values that load but cannot forecast, e.g. a forged state whose
forecasts are not finite, a ComputeError or UsageError), never an internal error, within
bounded memory (issue #17)."""

from __future__ import annotations

import os
import tracemalloc
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.errors import ForecastError
from forecast.io import modelfile
from forecast.models.registry import create

from .test_forged_models import forge

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from([0, 1, -1, 12000, 10**6, 10**9, 2**63])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["arima", "lstm", "-1MS", "0D", "9999-12-31", "nan", "MS", "1e9"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a JSON document (the places a forger can change)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


@pytest.fixture(scope="module", params=["arima", "naive", "lstm"])
def saved(request, tmp_path_factory) -> tuple[bytes, list[tuple[Any, ...]]]:
    index = pd.date_range("2000-01-01", periods=96, freq="MS")
    y = pd.Series(np.sin(np.arange(96) / 3) * 10 + np.arange(96), index=index)
    path = tmp_path_factory.mktemp("h") / "m.fcm"
    small = {"epochs": 1, "device": "cpu", "hidden_size": 4} if request.param == "lstm" else {}
    model = create(request.param, small).fit(y)
    modelfile.save_model(path, model, {"n": 96, "freq": "MS"}, {"horizon": 6, "levels": [80]})
    meta = modelfile.read_metadata(path)
    paths = [p for p in _paths(meta) if p[0] not in ("checksum", "created_utc", "versions")]
    return path.read_bytes(), paths


@settings(
    max_examples=int(os.environ.get("FORECAST_FORGE_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_forged_metadata_only_raises_the_tools_own_errors(saved, tmp_path, data) -> None:
    raw, paths = saved
    where = data.draw(st.sampled_from(paths))
    value = data.draw(JSON)
    path = tmp_path / "forged.fcm"
    path.write_bytes(raw)

    def change(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        target: Any = meta
        for key in where[:-1]:
            target = target[key]
        target[where[-1]] = value

    forge(path, change)
    tracemalloc.start()
    try:
        loaded = modelfile.load_model(path)
        loaded.model.predict(3, (80.0,))
    except ForecastError as exc:
        assert "\n" not in exc.message
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 200 * 2**20, f"{where}={value!r} took {peak:,} bytes"
