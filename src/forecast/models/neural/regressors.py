"""The regressors as network inputs: scaled as in training, over the window and the head's
blocks (their known future values), and how the model file and the summary describe them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from forecast.models.neural.base import NeuralBase


class RegressorInputs(NeuralBase):
    """The regressors' scaling and their input rows."""

    def _scaled_exog(self, values: np.ndarray) -> np.ndarray:
        """The regressors scaled as in training, float32 ``[rows, k]``."""
        return ((values - self.exog_center_) / self.exog_scale_).astype(np.float32)

    def _regressor_info(self) -> dict[str, Any]:
        if not self.exog_names_:
            return {}
        return {
            "regressors": list(self.exog_names_),
            "regressor_scaling": {
                "center": [float(v) for v in self.exog_center_],
                "scale": [float(v) for v in self.exog_scale_],
                "fitted_on": "the values the training and validation samples read",
            },
        }

    def _exog_span(self, steps: int) -> int:
        """Rows of regressors one forecast of ``steps`` reads: the window and whole head
        blocks (rows past the horizon only reach outputs that are dropped)."""
        return self.window_ + math.ceil(steps / self.out_) * self.out_

    def _exog_rows(self, past: np.ndarray, future: np.ndarray, steps: int) -> np.ndarray:
        """``[1, span, k]``: the window's regressors, the future ones, zeros after them."""
        rows = np.zeros((self._exog_span(steps), past.shape[1]), dtype=np.float32)
        both = self._scaled_exog(np.concatenate([past, future]))
        rows[: both.shape[0]] = both[: rows.shape[0]]
        return rows[None]

    def _exog_view(self, values: np.ndarray, span: int) -> np.ndarray:
        """``[n - window + 1, span, k]``: row j holds the scaled regressors from position j on
        (zeros past the known ones; they only reach outputs past the horizon)."""
        padded = np.zeros((values.shape[0] + span, values.shape[1]), dtype=np.float32)
        padded[: values.shape[0]] = self._scaled_exog(values)
        from numpy.lib.stride_tricks import sliding_window_view

        view = sliding_window_view(padded, span, axis=0)  # [n + 1, k, span], a view
        return np.swapaxes(view, 1, 2)[: values.shape[0] - self.window_ + 1]
