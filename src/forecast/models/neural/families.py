"""The feed-forward and convolutional families behind the Forecaster contract: ``mlp``,
``cnn``, ``tcn`` (:mod:`dense`, :mod:`conv`), ``nbeats`` and ``nhits`` (:mod:`nbeats`).

They share the recurrent models' plumbing (:class:`forecaster.NeuralForecaster`: windows,
scaler, training, early stopping, conformal intervals, model files; :mod:`global_model` over a
panel). Each architecture dict holds the family's hyperparameters under their own names (the
model-file check compares them with the parameters), the input width, window and head size.

All five take regressors: their values over the window are extra input channels (flattened
into every block's input for N-BEATS/N-HiTS, as NBEATSx does) and their known future values
reach the output through :class:`heads.FutureRegressors`.
"""

from __future__ import annotations

import inspect
from typing import Any

from forecast.errors import UsageError
from forecast.models.neural import forecaster
from forecast.models.neural.architectures import ARCH_KEYS, KINDS, describe
from forecast.models.neural.forecaster import NeuralForecaster

__all__ = ["KINDS", "Cnn", "Mlp", "NBeats", "NHits", "Tcn", "describe"]


class FamilyForecaster(NeuralForecaster):
    """A network of :data:`KINDS`; the hyperparameters are the registry's (``__init__``'s
    signature is built from the model's parameter list)."""

    def __init__(self, **params: Any) -> None:
        from forecast.models.registry import get_spec

        values = {p.name: p.default for p in get_spec(self.name).params}
        unknown = set(params) - set(values)
        if unknown:
            raise TypeError(f"{self.name} has no parameter {', '.join(sorted(unknown))}")
        for key, value in {**values, **params}.items():
            setattr(self, key, value)

    def _architecture(self, input_size: int, window: int, out: int) -> dict[str, Any]:
        size = {k: _plain(getattr(self, k)) for k in ARCH_KEYS[self.kind]}
        self._check_sizes(size)
        return {
            "kind": self.kind,
            "input_size": input_size,
            "window": window,
            "out_steps": out,
            **size,
        }

    def _check_sizes(self, size: dict[str, Any]) -> None:
        """UsageError for sizes that cannot build the network."""

    def _describe_network(self) -> str:
        return describe(self.arch_)

    def _chunk_size(self) -> int:
        arch = self.arch_
        width = int(arch.get("hidden_size") or arch.get("filters") or 1)
        return max(64, forecaster.INFERENCE_ELEMENTS // (self.window_ * width))


def _plain(value: Any) -> Any:
    """Tuples as lists: the architecture dict is JSON."""
    return list(value) if isinstance(value, tuple) else value


def _signature(name: str) -> inspect.Signature:
    from forecast.models.registry import get_spec

    keyword = inspect.Parameter.KEYWORD_ONLY
    return inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(p.name, keyword, default=p.default) for p in get_spec(name).params]
    )


class Mlp(FamilyForecaster):
    """Dense network over the flattened window."""

    name = "mlp"
    kind = "mlp"
    title = "MLP"


class Cnn(FamilyForecaster):
    """Conv1D/max-pooling stack."""

    name = "cnn"
    kind = "cnn"
    title = "CNN"


class Tcn(FamilyForecaster):
    """Dilated causal convolutions with residual blocks; the default window covers the
    receptive field."""

    name = "tcn"
    kind = "tcn"
    title = "TCN"
    kernel_size: int
    layers: int

    def _auto_window(self, period: int | None) -> tuple[int, str | None]:
        from forecast.models.neural.conv import receptive_field
        from forecast.models.neural.windows import auto_window

        field = receptive_field(int(self.kernel_size), int(self.layers))
        usual = auto_window(period)
        if field <= usual:
            return usual, None
        return field, f"the receptive field {field}, above the usual {usual}"


class NBeats(FamilyForecaster):
    """N-BEATS (Oreshkin et al. 2020), generic or interpretable."""

    name = "nbeats"
    kind = "nbeats"
    title = "N-BEATS"


class NHits(FamilyForecaster):
    """N-HiTS (Challu et al. 2023)."""

    name = "nhits"
    kind = "nhits"
    title = "N-HiTS"

    def _check_sizes(self, size: dict[str, Any]) -> None:
        if len(size["pools"]) != len(size["downsample"]):
            raise UsageError(
                f"nhits: pools ({len(size['pools'])} values) and downsample "
                f"({len(size['downsample'])} values) give one stack each; give as many of both"
            )


def _init_for(name: str) -> Any:
    """An ``__init__`` whose signature lists the model's parameters (``get_params`` reads it)."""

    def __init__(self: FamilyForecaster, **params: Any) -> None:
        FamilyForecaster.__init__(self, **params)

    __init__.__signature__ = _signature(name)  # type: ignore[attr-defined]
    return __init__


for _cls in (Mlp, Cnn, Tcn, NBeats, NHits):
    _cls.__init__ = _init_for(_cls.name)  # type: ignore[method-assign]
