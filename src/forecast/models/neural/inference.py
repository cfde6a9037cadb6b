"""The forward passes of a fitted per-series network: the forecast paths from many windows
at once (in chunks, on the inference device), and the calendar phases they start at."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np
import pandas as pd
import torch

from forecast.models.neural import device as dev
from forecast.models.neural.base import NeuralBase
from forecast.models.neural.quantile_head import quantile_outputs
from forecast.models.neural.windows import features, roll_out_chunks, steps_between
from forecast.threads import torch_threads


class NetworkInference(NeuralBase):
    """Forecast paths from windows, on the inference device."""

    @abstractmethod
    def _chunk_size(self) -> int:
        """Origins per forward pass."""

    def _paths(
        self,
        view: np.ndarray,
        rows: np.ndarray,
        first: np.ndarray,
        phase0: int,
        steps: int,
        exog: np.ndarray | None = None,
    ) -> np.ndarray:
        """Scaled forecasts ``[len(rows), steps]`` from the windows ``view[rows]`` (the window of
        row i starts at position ``first[i]``, whose phase is ``phase0 + first[i]``). Runs the
        head, appends its block to the window and runs again until ``steps`` are produced.
        ``exog`` (``[.., span, k]``, indexed by ``rows`` too): the scaled regressors from each
        window's start, over the window and the head blocks."""
        choice = self._inference_device()
        net, width, out = self.net_, self.window_, self.out_

        def step_for(part: slice) -> Any:
            regressors = None
            if exog is not None:  # [b, span, k]
                rows_exog = np.ascontiguousarray(exog[rows[part]])
                regressors = dev.to_device(torch.from_numpy(rows_exog), choice)

            def step(w: Any, pos: Any, produced: int) -> Any:
                x = features(w, pos, self.calendar_period_, phase0)  # [b, w, F]
                if regressors is None:
                    return net(x)  # [b, out]
                span = regressors[:, produced : produced + width + out]
                x = torch.cat([x, span[:, :width]], dim=-1)  # [b, w, F + k]
                return net(x, span[:, width:])  # [b, out]

            return step

        with torch_threads(), torch.no_grad():
            return roll_out_chunks(
                view,
                rows,
                first,
                steps,
                self._chunk_size(),
                lambda t: dev.to_device(t, choice),
                step_for,
            )

    def _head_quantiles(
        self, view: np.ndarray, rows: np.ndarray, first: np.ndarray, phase0: int
    ) -> np.ndarray:
        """A quantile head's outputs ``[len(rows), out, P]`` (scaled) from the windows
        ``view[rows]`` (row i's window starts at position ``first[i]``), in chunks."""
        choice = self._inference_device()
        chunk, parts = self._chunk_size(), []
        with torch_threads(), torch.no_grad():
            for lo in range(0, rows.size, chunk):
                window = np.ascontiguousarray(view[rows[lo : lo + chunk]], dtype=np.float32)
                start = np.ascontiguousarray(first[lo : lo + chunk])
                w = dev.to_device(torch.from_numpy(window), choice)
                pos = dev.to_device(torch.from_numpy(start), choice)
                x = features(w, pos, self.calendar_period_, phase0)
                parts.append(quantile_outputs(self.net_, x).double().cpu().numpy())
        return np.concatenate(parts)

    def _inference_device(self) -> dev.DeviceChoice:
        if self._inference is None or self._inference_for != self.device:
            choice = dev.resolve(self.device, strict=False)
            self.net_ = self.net_.to(choice.device).eval()
            self._inference, self._inference_for = choice, self.device
        return self._inference

    def use_device(self, device: str) -> dev.DeviceChoice:
        """Forecast (and fine-tune) on ``device`` from now on; an unavailable one is a
        UsageError. Sets the ``device`` parameter (saved with the model)."""
        choice = dev.resolve(device, strict=True)
        self.device = device
        self._inference = None
        return choice

    def inference_device(self) -> dev.DeviceChoice:
        """The device :meth:`predict` runs on (``device`` if available, else the CPU)."""
        return self._inference_device()

    def _phase(self, stamp: pd.Timestamp) -> int:
        """Phase in the period of the observation at ``stamp`` (0 without calendar features)."""
        if self.calendar_period_ is None:
            return 0
        return steps_between(self.anchor_, stamp, self.freq_) % self.calendar_period_

    def _cal_phase(self) -> int:
        return self.cal_offset_ % self.calendar_period_ if self.calendar_period_ else 0
