"""The checks a model file's tree state passes before anything is built from it.

A valid checksum proves only that a file is whole, so every field of a tree model's state is
checked here (called by :mod:`forecast.io.modelschema`): the parameters by the registry, the
features against the parameters and the frequency, the horizon, the levels, the per-series
arrays' shapes and values, and each booster's text before LightGBM's or XGBoost's parser sees
it: its size (at most :data:`boosters.MAX_TEXT_CHARS` characters), its kind, its objective,
its number of features and of trees. A problem is a :class:`ValueError` whose message names the
field; the caller turns it into a ``ModelFileError`` naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from forecast.models.trees import TREE_MODELS
from forecast.models.trees.boosters import LGB_OBJECTIVES, MAX_TEXT_CHARS, XGB_OBJECTIVES
from forecast.models.trees.features import FeatureSpec, calendar_fields, parse_rolling
from forecast.models.trees.transforms import BOXCOX_BOUNDS

MAX_STEPS = 10_000


def _whole(value: Any, low: int, high: int, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"its {field} {value!r} is not a whole number from {low} to {high}")
    return value


def check_state(state: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
    """A tree model's state (``TreeForecaster.get_state``'s metadata) and arrays."""
    from forecast.models.registry import REGISTRY

    name = state.get("model")
    if name not in TREE_MODELS:
        raise ValueError(f"it holds a tree model {name!r} that this forecast does not know")
    params = REGISTRY[str(name)].resolve(dict(state.get("params") or {}))
    spec = _check_features(state, params)
    horizon = _whole(state.get("horizon"), 1, MAX_STEPS, "horizon")
    if params["horizon"] is not None and horizon != params["horizon"]:
        raise ValueError(f"its horizon {horizon} differs from its parameter {params['horizon']}")
    _whole(state.get("threads"), 1, 1024, "threads")
    period = state.get("period")
    if period is not None:
        _whole(period, 2, 10**9, "period")
    levels = state.get("levels")
    if not isinstance(levels, list) or not all(_level(v) for v in levels):
        raise ValueError(f"its levels {levels!r} are not percentages")
    if bool(levels) != (params["objective"] == "quantile"):
        raise ValueError("its quantile levels do not match its objective")
    entries = state.get("series")
    if not isinstance(entries, list) or not entries:
        raise ValueError("it has no series list")
    lengths = [_whole(e.get("n") if isinstance(e, Mapping) else None, 1, 10**10, "series n")
               for e in entries]  # fmt: skip
    order = int(sum(params["diff"]))
    _check_arrays(arrays, lengths, spec.lookback + order, horizon)
    steps = horizon if params["strategy"] == "direct" else 1
    _check_boosters(state.get("boosters"), str(name), params, spec.width, steps, levels)


def _level(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 100


def _check_features(state: Mapping[str, Any], params: Mapping[str, Any]) -> FeatureSpec:
    raw = state.get("features")
    if not isinstance(raw, Mapping):
        raise ValueError("its features are not an object")
    try:
        spec = FeatureSpec.from_dict(raw)
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"its features {dict(raw)!r} are not valid") from None
    freq = state.get("freq")
    fields = calendar_fields(str(freq)) if params["calendar"] else ()
    expected = {
        "rolling": parse_rolling("features", params["rolling"]),
        "expanding": params["expanding"],
        "series_id": params["series_id"],
        "calendar": fields,
    }
    if params["lags"]:
        expected["lags"] = tuple(sorted(set(params["lags"])))
    for key, value in expected.items():
        if getattr(spec, key) != value:
            raise ValueError(f"its features' {key} {getattr(spec, key)!r} differ from {value!r}")
    return spec


def _check_arrays(
    arrays: Mapping[str, np.ndarray], lengths: list[int], reach: int, horizon: int
) -> None:
    """The per-series arrays: shapes, finite values, positive scales, leading-NaN tails."""
    n = len(lengths)

    def array(key: str, shape: tuple[int, ...], kind: str) -> np.ndarray:
        value = arrays.get(key)
        if (
            not isinstance(value, np.ndarray)
            or value.shape != shape
            or value.dtype.kind not in kind
        ):
            raise ValueError(f"its array {key!r} is missing or not {shape} of the right type")
        return value

    for key in ("lambdas", "centers", "scales", "interval_scales", "exp_sums"):
        if not np.isfinite(array(key, (n,), "f")).all():
            raise ValueError(f"its array {key!r} holds non-finite values")
    if not (arrays["scales"] > 0).all() or not (arrays["interval_scales"] > 0).all():
        raise ValueError("its scales are not all positive")
    low, high = BOXCOX_BOUNDS
    if not ((arrays["lambdas"] >= low) & (arrays["lambdas"] <= high)).all():
        raise ValueError(f"its Box-Cox lambdas are outside {low:g}..{high:g}")
    counts = array("exp_counts", (n,), "iu")
    if (counts < 0).any() or (counts > np.array(lengths)).any():
        raise ValueError("its expanding counts exceed the series' lengths")
    tails = array("tails", (n, reach), "f")
    for i, size in enumerate(lengths):
        known = np.isfinite(tails[i])
        if known.sum() != min(size, reach) or not known[reach - min(size, reach) :].all():
            raise ValueError(f"its tail of series {i} does not hold its last values")
    errors = arrays.get("calibration_errors")
    if (
        not isinstance(errors, np.ndarray)
        or errors.ndim != 2
        or errors.dtype.kind != "f"
        or errors.shape[1] < horizon
        or errors.shape[0] > 1_000_000
        or not (errors[np.isfinite(errors)] >= 0).all()
        or np.isinf(errors).any()
    ):
        raise ValueError("its calibration errors are not [origins, steps] non-negative values")


def _check_boosters(
    raw: Any, name: str, params: Mapping[str, Any], width: int, steps: int, levels: list[Any]
) -> None:
    """The boosters' layout (steps x alphas) and each text before a library parses it."""
    alphas: set[float | None] = {None}
    for level in levels:
        low = round((100 - level) / 200, 12)
        alphas |= {low, round(1 - low, 12)}
    if not isinstance(raw, list) or len(raw) != steps:
        raise ValueError(f"its boosters are not a list of {steps} steps")
    for step in raw:
        if not isinstance(step, list) or not all(isinstance(b, Mapping) for b in step):
            raise ValueError("its boosters are not lists of objects")
        if {b.get("alpha") for b in step} != alphas or len(step) != len(alphas):
            raise ValueError("its boosters' quantiles differ from its levels")
        for b in step:
            text = b.get("text")
            if not isinstance(text, str) or not 0 < len(text) <= MAX_TEXT_CHARS:
                raise ValueError(f"a booster's text is missing or over {MAX_TEXT_CHARS:,} chars")
            quantile = b["alpha"] is not None or params["objective"] == "quantile"
            check = _check_lightgbm if name == "lightgbm" else _check_xgboost
            check(text, params, width, quantile)


def _check_lightgbm(text: str, params: Mapping[str, Any], width: int, quantile: bool) -> None:
    header = text[: text.find("\nTree=") if "\nTree=" in text else 4096]
    lines = dict(line.split("=", 1) for line in header.splitlines() if "=" in line)
    if not text.startswith("tree\n") or "end of trees" not in text:
        raise ValueError("a LightGBM booster is not LightGBM's text model")
    if lines.get("max_feature_idx") != str(width - 1):
        raise ValueError(f"a LightGBM booster does not read {width} features")
    objective = lines.get("objective", "").split(" ")[0]
    wanted = "quantile" if quantile else LGB_OBJECTIVES[params["objective"]]
    if objective != wanted:
        raise ValueError(f"a LightGBM booster's objective {objective!r} is not {wanted!r}")
    if text.count("\nTree=") > params["n_estimators"]:
        raise ValueError("a LightGBM booster has more trees than its n_estimators")


def _check_xgboost(text: str, params: Mapping[str, Any], width: int, quantile: bool) -> None:
    try:
        doc = json.loads(text)
        learner = doc["learner"]
        features = int(learner["learner_model_param"]["num_feature"])
        objective = learner["objective"]["name"]
        booster = learner["gradient_booster"]
        trees = int(booster["model"]["gbtree_model_param"]["num_trees"])
    except (ValueError, KeyError, TypeError, RecursionError):
        raise ValueError("an XGBoost booster is not XGBoost's JSON model") from None
    if booster.get("name") != "gbtree" or features != width:
        raise ValueError(f"an XGBoost booster is not a tree model of {width} features")
    wanted = "reg:quantileerror" if quantile else XGB_OBJECTIVES[params["objective"]]
    if objective != wanted:
        raise ValueError(f"an XGBoost booster's objective {objective!r} is not {wanted!r}")
    if not 0 <= trees <= params["n_estimators"]:
        raise ValueError("an XGBoost booster has more trees than its n_estimators")
