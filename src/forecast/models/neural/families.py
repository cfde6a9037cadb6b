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

from typing import Any

from forecast.errors import UsageError
from forecast.models.neural import forecaster
from forecast.models.neural.architectures import (
    ARCH_KEYS,
    KINDS,
    describe,
    given_window_scale,
    panel_window_scale,
)
from forecast.models.neural.forecaster import NeuralForecaster
from forecast.models.spec_init import spec_init

__all__ = ["KINDS", "RELATIVE_FLAG", "Cnn", "Mlp", "NBeats", "NHits", "Tcn", "describe"]

# The families that read the window minus its last value through the architecture's
# ``relative`` flag (heads.relative_to_last), as the recurrent models and the transformer do
# since issue 33; nbeats and nhits always do (nbeats.py). Reading levels, the three lost to the
# seasonal naive on the retail panel and on M3 monthly (MASE 1.17-2.23 and 1.62-1.91; relative:
# 0.98-1.24 and 0.97-0.98; bench/RESULTS.md, issue 28).
RELATIVE_FLAG = ("mlp", "cnn", "tcn")


class FamilyForecaster(NeuralForecaster):
    """A network of :data:`KINDS`; the hyperparameters are the registry's (``__init__``'s
    signature is built from the model's parameter list)."""

    def _architecture(self, input_size: int, window: int, out: int) -> dict[str, Any]:
        size = {k: _plain(getattr(self, k)) for k in ARCH_KEYS[self.kind]}
        self._check_sizes(size)
        arch = {
            "kind": self.kind,
            "input_size": input_size,
            "window": window,
            "out_steps": out,
            **size,
        }
        if self.kind in RELATIVE_FLAG:
            arch["relative"] = True  # files written before it lack the key and read levels
        return arch

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


# nbeats' and nhits' automatic window as global models: one seasonal period, at least this
# (and this without a period); one series keeps the usual two periods. On the global model over
# 250 M3 monthly series (horizon 18, no period detected), nhits' MASE was 0.954 / 0.907 / 0.934
# / 0.962 / 0.975 at windows 9 / 12 / 18 / 24 / 36 (24, the default without a period, before);
# 24 -> 12 was confirmed on a disjoint draw (nhits 0.941 -> 0.915, nbeats 0.931 -> 0.911) and on
# 250 quarterly series (16 -> 12: nhits 1.183 -> 1.140, nbeats 1.187 -> 1.164). A shorter window
# leaves every series more, and more recent, training windows (bench/RESULTS.md, issue 33).
STACKED_WINDOW = 12


class StackedForecaster(FamilyForecaster):
    """nbeats and nhits: a global model's automatic window is one period, at least
    :data:`STACKED_WINDOW` (:meth:`_global_window`; :mod:`global_model` asks for it)."""

    def _global_window(self, period: int | None) -> tuple[int, str | None]:
        from forecast.models.neural.windows import MAX_AUTO_WINDOW

        window = int(min(max(period or 0, STACKED_WINDOW), MAX_AUTO_WINDOW))
        return window, f"one period, at least {STACKED_WINDOW}"

    def _check_per_series(self) -> None:
        if getattr(self, "transform", "auto") == "log":
            raise UsageError(
                f"{self.name}: transform=log applies to a global model on a panel; one series "
                "is modelled on its values (drop --param transform or set it to none)"
            )
        seeds = getattr(self, "seeds", None) or 1
        if seeds > 1:
            raise UsageError(
                f"{self.name}: seeds={seeds} applies to a global model on a panel; one "
                "series trains one network (drop --param seeds or set it to 1)"
            )

    def _architecture(self, input_size: int, window: int, out: int) -> dict[str, Any]:
        arch = super()._architecture(input_size, window, out)
        anchor = getattr(self, "anchor", "auto")
        if anchor != "auto":  # auto on one series: the last value (as before)
            arch["anchor"] = anchor
        return given_window_scale(arch, self)

    def _panel_architecture(self, arch: dict[str, Any], calendar: int | None) -> dict[str, Any]:
        """A global model's network on a panel (``calendar``: the frequency's calendar period):
        ``anchor=auto`` reads the window relative to its mean, and ``window_scale=auto`` divides
        quarterly windows by their standard deviation (:mod:`nbeats`; bench/RESULTS.md, issue
        33). One series, and files written before them: the last value, no division."""
        return panel_window_scale({"anchor": "mean", **arch}, calendar)


class NBeats(StackedForecaster):
    """N-BEATS (Oreshkin et al. 2020), generic or interpretable."""

    name = "nbeats"
    kind = "nbeats"
    title = "N-BEATS"


class NHits(StackedForecaster):
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


for _cls in (Mlp, Cnn, Tcn, NBeats, NHits):
    _cls.__init__ = spec_init(_cls.name)  # type: ignore[method-assign]
