"""Models whose forecast errors are Gaussian with a closed-form standard deviation per step:
the intervals and quantiles follow from the two moments."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import numpy as np

from forecast.models.base import Bands, BaseForecaster, normal_bands
from forecast.models.quantiles import normal_quantiles


class GaussianForecaster(BaseForecaster):
    """A model whose forecast errors it takes as Gaussian: :meth:`_moments` gives each step's
    mean and standard deviation, and the intervals and quantiles follow from them, described
    by the class's ``gaussian_method``."""

    gaussian_method: ClassVar[str]

    @abstractmethod
    def _moments(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """The point forecasts and the standard deviations of their errors, ``[horizon]``."""

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        mean, sd = self._moments(horizon)
        return mean, normal_bands(mean, sd, levels), self.gaussian_method

    def _predict_quantiles(self, horizon: int, probs: tuple[float, ...]) -> tuple[np.ndarray, str]:
        """Gaussian quantiles ``mean + z_p sd``."""
        mean, sd = self._moments(horizon)
        return normal_quantiles(mean, sd, probs), self.gaussian_method
