"""LightGBM and XGBoost behind one small interface: train, predict, and the libraries' own
model formats (LightGBM's text model, XGBoost's JSON) for the model file. Never pickle.

Training is deterministic for a seed: LightGBM with ``deterministic=True, force_row_wise=True``
and ``num_threads`` threads (1 unless ``threads`` or ``--threads`` says more); XGBoost with the
``hist`` method, ``seed`` and ``nthread``. The parameter names are the registry's; the table
below maps them onto each library's.

==================  ================================  ==================================
registry            LightGBM                          XGBoost
==================  ================================  ==================================
objective l2        ``regression``                    ``reg:squarederror``
objective l1        ``regression_l1``                 ``reg:absoluteerror``
objective huber     ``huber``                         ``reg:pseudohubererror``
objective quantile  ``quantile`` (``alpha``)          ``reg:quantileerror`` (``quantile_alpha``)
n_estimators        boosting rounds                   boosting rounds
learning_rate       ``learning_rate``                 ``eta``
num_leaves          ``num_leaves``                    (none)
max_depth           ``max_depth`` (-1: none)          ``max_depth``
min_child_samples   ``min_data_in_leaf``              (none)
min_child_weight    (none)                            ``min_child_weight``
subsample           ``bagging_fraction`` (freq 1)     ``subsample``
colsample           ``feature_fraction``              ``colsample_bytree``
reg_lambda          ``lambda_l2``                     ``lambda``
==================  ================================  ==================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

LGB_OBJECTIVES = {"l2": "regression", "l1": "regression_l1", "huber": "huber"}
XGB_OBJECTIVES = {"l2": "reg:squarederror", "l1": "reg:absoluteerror"}
XGB_OBJECTIVES |= {"huber": "reg:pseudohubererror"}
MAX_TEXT_CHARS = 50_000_000  # one booster's text in a model file


def lightgbm_params(params: Mapping[str, Any], alpha: float | None, threads: int) -> dict[str, Any]:
    """LightGBM's parameters for the registry's ``params`` (a quantile model at ``alpha``)."""
    out: dict[str, Any] = {
        "objective": "quantile" if alpha is not None else LGB_OBJECTIVES[params["objective"]],
        "learning_rate": params["learning_rate"],
        "num_leaves": params["num_leaves"],
        "max_depth": -1 if params["max_depth"] is None else params["max_depth"],
        "min_data_in_leaf": params["min_child_samples"],
        "bagging_fraction": params["subsample"],
        "bagging_freq": 1 if params["subsample"] < 1 else 0,
        "feature_fraction": params["colsample"],
        "lambda_l2": params["reg_lambda"],
        "seed": params["seed"],
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": threads,
        "verbosity": -1,
    }
    if alpha is not None:
        out["alpha"] = alpha
    return out


def xgboost_params(params: Mapping[str, Any], alpha: float | None, threads: int) -> dict[str, Any]:
    """XGBoost's parameters for the registry's ``params`` (a quantile model at ``alpha``)."""
    out: dict[str, Any] = {
        "objective": "reg:quantileerror"
        if alpha is not None
        else XGB_OBJECTIVES[params["objective"]],
        "eta": params["learning_rate"],
        "max_depth": params["max_depth"],
        "min_child_weight": params["min_child_weight"],
        "subsample": params["subsample"],
        "colsample_bytree": params["colsample"],
        "lambda": params["reg_lambda"],
        "tree_method": "hist",
        "seed": params["seed"],
        "nthread": threads,
        "verbosity": 0,
    }
    if alpha is not None:
        out["quantile_alpha"] = alpha
    return out


def train(
    kind: str,
    params: Mapping[str, Any],
    X: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    categorical: int | None,
    alpha: float | None,
    threads: int,
) -> Any:
    """One booster on rows ``X`` ``[R, F]`` and targets ``y`` ``[R]``; ``categorical`` is the
    column of the series code (or None); ``alpha`` the quantile of a quantile model."""
    rounds = int(params["n_estimators"])
    if kind == "lightgbm":
        import lightgbm as lgb

        lgb_params = lightgbm_params(params, alpha, threads)
        data = lgb.Dataset(
            X,
            label=y,
            feature_name=list(names),
            categorical_feature=[categorical] if categorical is not None else "auto",
            params=lgb_params,
            free_raw_data=True,
        )
        return lgb.train(lgb_params, data, num_boost_round=rounds)
    import xgboost as xgb

    matrix = xgb.DMatrix(
        X,
        label=y,
        feature_names=list(names),
        feature_types=_types(X.shape[1], categorical),
        enable_categorical=categorical is not None,
        nthread=threads,
    )
    return xgb.train(xgboost_params(params, alpha, threads), matrix, num_boost_round=rounds)


def predict(kind: str, booster: Any, X: np.ndarray, categorical: int | None, threads: int) -> Any:
    """Predictions ``[R]`` (float64) for rows ``X``."""
    if X.shape[0] == 0:
        return np.empty(0)
    if kind == "lightgbm":
        return np.asarray(booster.predict(X, num_threads=threads), dtype=np.float64)
    import xgboost as xgb

    matrix = xgb.DMatrix(
        X,
        feature_names=booster.feature_names,
        feature_types=_types(X.shape[1], categorical),
        enable_categorical=categorical is not None,
        nthread=threads,
    )
    return np.asarray(booster.predict(matrix), dtype=np.float64)


def to_text(kind: str, booster: Any) -> str:
    """The library's own format: LightGBM's text model, XGBoost's JSON."""
    if kind == "lightgbm":
        return str(booster.model_to_string())
    return bytes(booster.save_raw("json")).decode("utf-8")


def from_text(kind: str, text: str) -> Any:
    """A booster from :func:`to_text`'s output (checked by :mod:`schema` first)."""
    if kind == "lightgbm":
        import lightgbm as lgb

        return lgb.Booster(model_str=text)
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(bytearray(text.encode("utf-8")))
    return booster


def _types(width: int, categorical: int | None) -> list[str]:
    return ["c" if j == categorical else "q" for j in range(width)]
