"""What every per-series neural model holds: its hyperparameters (defaults from
:mod:`options` through the registry's specs), its fitted state, and what a network family
provides (:class:`NeuralBase`); :func:`forecast.models.base.spec_init` gives each model its
``__init__`` (the registry spec's parameters).

The machinery is split by concern over mixins on this base: :mod:`inference` (the forward
passes), :mod:`regressors` (the regressors' inputs), :mod:`intervals` (the split-conformal
intervals), :mod:`model_state` (model files), :mod:`report` (the summary);
:class:`forecaster.NeuralForecaster` fits.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch

from forecast.models.base import BaseForecaster
from forecast.models.neural import device as dev
from forecast.models.neural.options import NeuralOptions
from forecast.models.neural.windows import Scaler, auto_window


class NeuralBase(BaseForecaster):
    """The attributes of a per-series neural model and what a subclass provides."""

    min_obs = 70
    supports_exog = True  # extra input channels over the window + future values to the head
    kind: ClassVar[str]
    title: ClassVar[str]

    # hyperparameters every neural model has (options.NeuralOptions' fields; set by __init__)
    window: int | None
    horizon: int | None
    strategy: str
    period: int | None
    calendar: bool
    scaler: str
    loss: str
    quantile_levels: tuple[int, ...]
    lr: float
    weight_decay: float
    batch_size: int
    clip: float
    epochs: int
    patience: int
    val_fraction: float
    finetune_epochs: int
    amp: bool
    device: str
    seed: int

    # fitted state
    net_: torch.nn.Module
    arch_: dict[str, Any]
    scaler_: Scaler
    window_: int
    horizon_: int
    out_: int
    period_: int | None
    calendar_period_: int | None
    anchor_: pd.Timestamp  # a timestamp of phase 0 in the period
    cal_values_: np.ndarray  # [m] the stretch the calibration origins read
    cal_origins_: np.ndarray  # [n_cal] positions in cal_values_
    cal_offset_: int  # steps from anchor_ to cal_values_[0]
    cal_limit_: int | None  # largest step ahead that may be calibrated (None: any in the stretch)
    trained_on_: str
    fitted_info_: dict[str, Any]
    exog_center_: np.ndarray  # [k] the regressors' scaling (training samples only)
    exog_scale_: np.ndarray  # [k]
    cal_exog_: np.ndarray | None = None  # [m, k] the regressors over cal_values_

    _residuals: np.ndarray | None = None  # calibration errors cache [n_cal, K]
    _inference: dev.DeviceChoice | None = None  # where predict runs, resolved for ...
    _inference_for: str | None = None  # ... this value of the device parameter

    @property
    def options(self) -> NeuralOptions:
        """The hyperparameters every neural model has (the architecture sizes left out)."""
        return NeuralOptions.from_params(self.get_params())

    # --- what a subclass provides -----------------------------------------------------------

    @abstractmethod
    def _architecture(self, input_size: int, window: int, out: int) -> dict[str, Any]:
        """The network's constructor arguments for this input width, window and output size."""

    @abstractmethod
    def _describe_network(self) -> str:
        """One line describing the fitted network, for the summary."""

    def _auto_window(self, period: int | None) -> tuple[int, str | None]:
        """The automatic window for ``period`` and, when it is not the usual rule, why."""
        return auto_window(period), None
