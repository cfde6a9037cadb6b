"""Gradient-boosted trees on lag features: ``lightgbm`` and ``xgboost``, one model over a panel.

The modules, each one step of the pipeline (numpy only until a booster is trained):

* :mod:`features`: which columns a row has (lags, rolling windows over lagged values, an
  expanding mean, calendar fields, the series as a category) and how they are computed from
  the past only;
* :mod:`transforms`: per-series target transforms (log1p / Box-Cox, differences, scaling)
  fitted on the training part only and inverted exactly;
* :mod:`boosters`: training, prediction and the libraries' own text/JSON model formats
  (LightGBM and XGBoost are imported there, when a model is trained or restored);
* :mod:`paths`: forecasts from many origins at once, recursive or direct;
* :mod:`model`: :class:`~forecast.models.trees.model.TreeForecaster`, the global model;
* :mod:`calibration`: split-conformal errors from rolling origins inside the training data;
* :mod:`single`: the per-series models the registry creates (one series, ``global=false``);
* :mod:`schema`: the checks a model file's tree state passes before anything is built.
"""

from __future__ import annotations

TREE_MODELS = ("lightgbm", "xgboost")
