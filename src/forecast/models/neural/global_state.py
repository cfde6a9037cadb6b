"""A global network's attributes (:class:`GlobalState`: its parameters and, per series, the
fitted state) and their model-file form: JSON metadata and arrays that
:meth:`GlobalState.from_state` restores exactly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import numpy as np
import pandas as pd

from forecast.errors import UsageError
from forecast.models.global_series import GlobalSeries
from forecast.models.neural.global_options import GLOBAL_MODELS
from forecast.models.neural.options import NeuralOptions
from forecast.models.neural.shape import restore_shape, shape_meta
from forecast.models.neural.windows import feature_count


class GlobalState(GlobalSeries):
    """One network (any of :data:`GLOBAL_MODELS`) for every series of a panel: its parameters
    and fitted state.

    ``params`` are the per-series model's parameters (the registry's checks apply); the fitted
    state ends in ``_``; arrays over series follow ``ids_``.
    """

    def __init__(
        self,
        model: str,
        params: Mapping[str, Any] | None = None,
        series_embedding: int = 0,
        deterministic: bool = False,
    ) -> None:
        from forecast.models.registry import get_spec

        if model not in GLOBAL_MODELS:
            raise UsageError(f"a global model is one of {', '.join(GLOBAL_MODELS)}, got {model!r}")
        self.model = model
        self.params = get_spec(model).resolve(params or {})
        self.series_embedding = int(series_embedding)
        self.deterministic = bool(deterministic)

    @property
    def options(self) -> NeuralOptions:
        """The hyperparameters every neural model has, from :attr:`params`."""
        return NeuralOptions.from_params(self.params)

    # fitted state (and the series' own in GlobalSeries)
    phase_: np.ndarray  # [N] phase of each series' first observation in the calendar period
    centers_: np.ndarray  # [N]
    logs_: np.ndarray  # [N] bool: the series the network sees as logarithms (log_transform)
    scales_: np.ndarray  # [N]
    last_: np.ndarray  # [N, window] each series' last window (NaN before a short series' start)
    window_: int
    horizon_: int
    out_: int
    period_: int | None
    calendar_period_: int | None
    anchor_: pd.Timestamp
    arch_: dict[str, Any]
    errors_: np.ndarray  # [n_cal, K] pooled absolute scaled calibration errors (NaN: no target)
    info_: dict[str, Any]
    net_: Any  # torch.nn.Module
    _device: Any = None  # device.DeviceChoice where forecasts run, resolved on first use

    # --- model files --------------------------------------------------------------------------

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able metadata and arrays that :meth:`from_state` restores exactly."""
        from forecast.models.neural import networks

        meta = {
            "model": self.model,
            "params": self.params,
            "series_embedding": self.series_embedding,
            "deterministic": self.deterministic,
            "freq": self.freq_,
            **shape_meta(self),
            "architecture": self.arch_,
            "training": self.info_,
            "series": self.series_entries(),
        }
        arrays = {
            **networks.weight_arrays(self.net_),
            "centers": self.centers_,
            "scales": self.scales_,
            "phases": self.phase_,
            "last_windows": self.last_,
            "calibration_errors": self.errors_,
            "log_series": self.logs_.astype(np.int8),
        }
        return meta, arrays

    @classmethod
    def from_state(cls, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Self:
        from forecast.models.neural import networks

        model = cls(
            str(meta["model"]),
            dict(meta["params"]),
            int(meta["series_embedding"]),
            bool(meta["deterministic"]),
        )
        model.restore_series(meta)
        restore_shape(model, meta)
        model.arch_ = dict(meta["architecture"])
        model.info_ = dict(meta["training"])
        model.centers_ = np.asarray(arrays["centers"], dtype="float64")
        model.scales_ = np.asarray(arrays["scales"], dtype="float64")
        model.phase_ = np.asarray(arrays["phases"], dtype=np.int64)
        model.last_ = np.array(arrays["last_windows"], dtype="float64")
        model.errors_ = np.asarray(arrays["calibration_errors"], dtype="float64")
        n = len(model.ids_)
        logs = arrays.get("log_series")  # files written before it transform nothing
        model.logs_ = np.zeros(n, dtype=bool) if logs is None else np.asarray(logs) != 0
        arrays_n = (model.centers_, model.scales_, model.phase_, model.logs_)
        if any(a.shape != (n,) for a in arrays_n) or model.last_.shape != (n, model.window_):
            raise ValueError("per-series arrays do not match the series list")
        dim = model.series_embedding
        networks.check_shape(
            model.arch_,
            feature_count(model.calendar_period_) + dim,
            model.window_,
            model.out_,
            embedding=(n, dim) if dim else None,
        )
        model.net_ = networks.restore(model.arch_, arrays)
        model._device = None
        return model
