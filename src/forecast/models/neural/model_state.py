"""A fitted per-series network in a model file: the JSON metadata (architecture, shape,
scaler, calibration, training record) and the arrays (weights, calibration stretch)."""

from __future__ import annotations

from typing import Any

import numpy as np

from forecast.models.neural import networks
from forecast.models.neural.regressors import RegressorInputs
from forecast.models.neural.shape import restore_shape, shape_meta
from forecast.models.neural.windows import Scaler, feature_count


class NetworkState(RegressorInputs):
    """The fitted state to and from a model file."""

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        fitted = {
            "architecture": self.arch_,
            **shape_meta(self),
            "scaler": self.scaler_.to_dict(),
            "calibration": {"offset": self.cal_offset_, "limit": self.cal_limit_},
            "trained_on": self.trained_on_,
            "training": self.fitted_info_,
            **self._regressor_info(),
        }
        arrays = {
            **networks.weight_arrays(self.net_),
            "calibration_values": self.cal_values_,
            "calibration_origins": self.cal_origins_.astype(np.int64),
        }
        if self.exog_names_ and self.cal_exog_ is not None:
            arrays["calibration_exog"] = self.cal_exog_
        return fitted, arrays

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.arch_ = dict(fitted["architecture"])
        restore_shape(self, fitted)
        self.scaler_ = Scaler.from_dict(fitted["scaler"])
        self.cal_offset_ = int(fitted["calibration"]["offset"])
        limit = fitted["calibration"]["limit"]
        self.cal_limit_ = None if limit is None else int(limit)
        if self.cal_limit_ is not None and not 1 <= self.cal_limit_ <= self.horizon_:
            raise ValueError(f"the calibration limit {limit} is outside 1..{self.horizon_}")
        self.cal_values_ = np.asarray(arrays["calibration_values"], dtype="float64")
        self.cal_origins_ = np.asarray(arrays["calibration_origins"], dtype=np.int64)
        self.trained_on_ = str(fitted["trained_on"])
        self.fitted_info_ = dict(fitted["training"])
        if "regressor_scaling" in fitted:
            scaling = fitted["regressor_scaling"]
            self.exog_center_ = np.asarray(scaling["center"], dtype="float64")
            self.exog_scale_ = np.asarray(scaling["scale"], dtype="float64")
            self.cal_exog_ = np.asarray(arrays["calibration_exog"], dtype="float64")
        k = len(self.exog_names_)
        inputs = feature_count(self.calendar_period_) + k
        networks.check_shape(self.arch_, inputs, self.window_, self.out_, exog=k)
        self.net_ = networks.restore(self.arch_, arrays)
        self._inference = None
        self._residuals = None
