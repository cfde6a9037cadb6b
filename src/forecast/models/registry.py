"""Model names -> factories and parameter schemas.

The registry is what `forecast models` lists, what `--model NAME --param key=value` and
`--config` are checked against, and what the contract tests iterate over. It imports no model
module: a factory is an import path, loaded only when the model is created, so listing models
costs nothing and a classical fit never imports torch.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from forecast.errors import UsageError
from forecast.models.neural.architectures import ANCHORS, WINDOW_SCALES
from forecast.models.neural.options import (
    MAX_SEEDS,
    STRATEGIES,
    NeuralOptions,
    neural_defaults,
)

if TYPE_CHECKING:
    from forecast.models.base import BaseForecaster

Kind = Literal["int", "int?", "float", "float?", "bool", "choice", "ints", "str?", "names"]
MAX_INT = 1_000_000  # the largest integer hyperparameter unless a Param states its own
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


@dataclass(frozen=True)
class Param:
    """One hyperparameter: its name, kind, default and what it does."""

    name: str
    kind: Kind
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    lengths: tuple[int, ...] = ()  # for "ints": the accepted numbers of values
    minimum: float | None = None
    maximum: float | None = None  # inclusive; ints without one are capped at MAX_INT
    below: float | None = None  # exclusive upper bound (dropout < 1)

    @property
    def type_name(self) -> str:
        if self.kind == "choice":
            return "|".join(self.choices)
        if self.kind == "names":
            return "names (comma-separated)"
        if self.kind == "ints" and not self.lengths:
            return "ints (comma-separated)"
        if self.kind == "ints":
            return " or ".join(f"{n} ints" for n in self.lengths) + " (comma-separated)"
        names = {"int?": "int or auto", "float?": "number or auto", "str?": "text or auto"}
        return names.get(self.kind, self.kind)

    def coerce(self, model: str, raw: Any) -> Any:
        """The value as the model takes it, or a UsageError that says what is accepted."""
        try:
            value = self._convert(raw)
        except (TypeError, ValueError):
            raise UsageError(
                f"{model}: parameter {self.name}={_show(raw)} is not valid; expected "
                f"{self.type_name}"
            ) from None
        numbers = [
            v
            for v in (value if isinstance(value, tuple) else (value,))
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        shown = f"{model}: parameter {self.name}={_show(raw)}"
        if any(not math.isfinite(v) for v in numbers):
            raise UsageError(f"{shown} is not a finite number; give a number")
        if self.minimum is not None and any(v < self.minimum for v in numbers):
            raise UsageError(f"{shown} must be >= {self.minimum:g}")
        maximum = self.maximum
        if maximum is None and self.kind in ("int", "int?", "ints"):
            maximum = MAX_INT
        if maximum is not None and any(v > maximum for v in numbers):
            raise UsageError(f"{shown} must be <= {_bound(maximum)}; lower it")
        if self.below is not None and any(v >= self.below for v in numbers):
            raise UsageError(f"{shown} must be < {self.below:g}")
        return value

    def _convert(self, raw: Any) -> Any:
        optional = self.kind in ("int?", "float?", "str?")
        if optional and (raw is None or str(raw).lower() in ("auto", "none")):
            return None
        if self.kind in ("int", "int?"):
            return _int(raw)
        if self.kind == "str?":
            return str(raw)
        if self.kind in ("float", "float?"):
            if isinstance(raw, bool):
                raise TypeError
            return float(raw)
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in _TRUE | _FALSE:
                return text in _TRUE
            raise ValueError
        if self.kind == "choice":
            if str(raw) not in self.choices:
                raise ValueError
            return str(raw)
        items = raw if isinstance(raw, (list, tuple)) else str(raw).replace(" ", "").split(",")
        if self.kind == "names":
            names = tuple(str(v).strip() for v in items)
            if (not names and self.default != ()) or not all(names):  # () when that's the default
                raise ValueError
            return names
        values = tuple(_int(v) for v in items)
        if self.lengths and len(values) not in self.lengths:
            raise ValueError
        return values


def _int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise TypeError
    if isinstance(raw, float) and not raw.is_integer():
        raise ValueError
    return int(str(raw).strip()) if isinstance(raw, str) else int(raw)


def _bound(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _show(raw: Any) -> str:
    return ",".join(map(str, raw)) if isinstance(raw, (list, tuple)) else str(raw)


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: name, family, one-line summary, factory path and parameters."""

    name: str
    family: Literal[
        "baseline",
        "arima",
        "smoothing",
        "decomposition",
        "ensemble",
        "neural",
        "trees",
        "intermittent",
    ]
    summary: str
    target: str  # "module:Class"
    params: tuple[Param, ...] = ()
    check: str = ""  # "module:function(name, values)": checks across parameters (light import)

    def factory(self) -> type[BaseForecaster]:
        module, _, cls = self.target.partition(":")
        factory: type[BaseForecaster] = getattr(importlib.import_module(module), cls)
        return factory

    def resolve(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with ``raw``, each value checked and converted."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            accepted = ", ".join(known) if known else "none"
            raise UsageError(
                f"{self.name} has no parameter {', '.join(unknown)}; it accepts: {accepted}"
            )
        values = {p.name: p.default for p in self.params}
        values |= {name: known[name].coerce(self.name, value) for name, value in raw.items()}
        from forecast.models.parameter_limits import check_against_data

        check_against_data(self.name, values, None)  # the limits that need no data, now
        if self.check:
            module, _, function = self.check.partition(":")
            getattr(importlib.import_module(module), function)(self.name, values)
        return values

    def create(self, raw: Mapping[str, Any] | None = None) -> BaseForecaster:
        return self.factory()(**self.resolve(raw or {}))


TREND = Param(
    "trend",
    "choice",
    "auto",
    "n none, c intercept, t trend (drift when differenced), ct both; "
    "auto: c if undifferenced, else n",
    choices=("auto", "n", "c", "t", "ct"),
)
PERIOD = Param(
    "period", "int?", None, "seasonal period (default: detected on the training data)", minimum=2
)


def _arima_specs() -> list[ModelSpec]:
    """The ARIMA family: fixed orders, auto-arima and sparse-ar."""
    return [*_fixed_order_specs(), _auto_arima_spec(), _sparse_ar_spec()]


def _fixed_order_specs() -> list[ModelSpec]:
    """ar, ma, arma, arima, sarima."""
    return [
        ModelSpec(
            "ar",
            "arima",
            "autoregression AR(p); p chosen by an information criterion when not given",
            "forecast.models.arima.models:Ar",
            (
                Param("p", "int?", None, "AR order (default: chosen by ic up to max_p)", minimum=0),
                Param("max_p", "int", 12, "largest order tried when p is auto", minimum=1),
                Param(
                    "ic",
                    "choice",
                    "aic",
                    "criterion for choosing p",
                    choices=("aic", "bic", "hqic"),
                ),
                Param(
                    "method",
                    "choice",
                    "mle",
                    "mle: exact likelihood; ols: conditional least squares",
                    choices=("mle", "ols"),
                ),
                TREND,
            ),
        ),
        ModelSpec(
            "ma",
            "arima",
            "moving average MA(q)",
            "forecast.models.arima.models:Ma",
            (Param("q", "int", 1, "MA order", minimum=0), TREND),
        ),
        ModelSpec(
            "arma",
            "arima",
            "ARMA(p, q)",
            "forecast.models.arima.models:Arma",
            (
                Param("p", "int", 1, "AR order", minimum=0),
                Param("q", "int", 1, "MA order", minimum=0),
                TREND,
            ),
        ),
        ModelSpec(
            "arima",
            "arima",
            "ARIMA(p, d, q)",
            "forecast.models.arima.models:Arima",
            (Param("order", "ints", (1, 1, 1), "p,d,q", lengths=(3,), minimum=0), TREND),
        ),
        ModelSpec(
            "sarima",
            "arima",
            "seasonal ARIMA(p, d, q)(P, D, Q, m)",
            "forecast.models.arima.models:Sarima",
            (
                Param("order", "ints", (0, 1, 1), "p,d,q", lengths=(3,), minimum=0),
                Param(
                    "seasonal_order",
                    "ints",
                    (0, 1, 1),
                    "P,D,Q or P,D,Q,m (m from period when left out)",
                    lengths=(3, 4),
                    minimum=0,
                ),
                PERIOD,
                TREND,
            ),
        ),
    ]


def _auto_arima_spec() -> ModelSpec:
    """R's auto.arima search and its limits."""
    return ModelSpec(
        "auto-arima",
        "arima",
        "automatic (S)ARIMA order selection (Hyndman-Khandakar stepwise, as R auto.arima)",
        "forecast.models.arima.auto:AutoArima",
        (
            PERIOD,
            Param("seasonal", "bool", True, "search seasonal models when a period is known"),
            Param("stepwise", "bool", True, "stepwise search (false: exhaustive)"),
            Param(
                "ic",
                "choice",
                "aicc",
                "selection criterion",
                choices=("aic", "aicc", "bic", "hqic"),
            ),
            Param("max_p", "int", 5, "largest p", minimum=0),
            Param("max_q", "int", 5, "largest q", minimum=0),
            Param("max_P", "int", 2, "largest seasonal P", minimum=0),
            Param("max_Q", "int", 2, "largest seasonal Q", minimum=0),
            Param("max_d", "int", 2, "largest d", minimum=0),
            Param("max_D", "int", 1, "largest seasonal D", minimum=0),
            Param("max_order", "int", 5, "largest p+q+P+Q (exhaustive search)", minimum=0),
            Param("max_models", "int", 94, "most models fitted (R's nmodels)", minimum=1),
            Param(
                "time_limit",
                "float",
                0.0,
                "seconds after which the search stops with the best so far (0: none); the "
                "approximation's exact refits get as long again",
                minimum=0,
            ),
            Param(
                "approximation",
                "choice",
                "auto",
                "score candidates by CSS, refit the winner by ML (R's approximation); "
                "auto: for periods above 12",
                choices=("auto", "css", "exact"),
            ),
        ),
    )


def _sparse_ar_spec() -> ModelSpec:
    return ModelSpec(
        "sparse-ar",
        "arima",
        "AR on the lags a cross-validated lasso keeps (long-memory series)",
        "forecast.models.sparse_ar:SparseAr",
        (
            Param("max_lag", "int", 24, "largest lag considered", minimum=1),
            Param("folds", "int", 5, "time-series CV folds for the penalty", minimum=2),
            Param("d", "int", 0, "differences before the lag search", minimum=0),
            Param("one_se", "bool", False, "largest penalty within one SE of the best"),
            TREND,
            Param(
                "exog_lags",
                "int",
                2,
                "with --exog: regressor lags 0..exog_lags offered to the lasso",
                minimum=0,
            ),
        ),
    )


def _smoothing_specs() -> list[ModelSpec]:
    """ETS, Theta, MSTL and the ensemble of members."""
    ets_ic = Param(
        "ic", "choice", "aicc", "criterion for choosing the model", choices=("aic", "aicc", "bic")
    )
    return [
        ModelSpec(
            "ets",
            "smoothing",
            "exponential smoothing ETS(error, trend, season); auto: chosen by AICc as R ets()",
            "forecast.models.ets:Ets",
            (
                Param(
                    "error",
                    "choice",
                    "auto",
                    "error: add, mul (strictly positive data only), or auto (both tried)",
                    choices=("auto", "add", "mul"),
                ),
                Param(
                    "trend",
                    "choice",
                    "auto",
                    "trend: none, add, damped (additive damped), or auto (all tried)",
                    choices=("auto", "none", "add", "damped"),
                ),
                Param(
                    "season",
                    "choice",
                    "auto",
                    "season: none, add, mul (strictly positive data; not with additive error), "
                    "or auto; only for periods 2..24 with two full seasons of data",
                    choices=("auto", "none", "add", "mul"),
                ),
                PERIOD,
                ets_ic,
            ),
        ),
        _theta_spec(),
        ModelSpec(
            "mstl",
            "decomposition",
            "MSTL: several seasonal periods taken out by STL, the rest forecast by ETS or ARIMA",
            "forecast.models.mstl:Mstl",
            (
                Param(
                    "periods",
                    "ints",
                    (),
                    "seasonal periods, e.g. 48,336 for half-hourly data (default: the period "
                    "rule's); periods without two full cycles of data are left out; with none "
                    "left, the remainder model forecasts the series itself",
                    minimum=2,
                ),
                Param(
                    "remainder",
                    "choice",
                    "ets",
                    "model of the seasonally adjusted data: ets (no season) or arima "
                    "(auto-arima, no seasonal terms)",
                    choices=("ets", "arima"),
                ),
            ),
        ),
        _ensemble_spec(),
    ]


def _theta_spec() -> ModelSpec:
    """Theta: its four models (and auto, ses-drift) and the trend line's weight."""
    return ModelSpec(
        "theta",
        "smoothing",
        "Theta method: SES with drift on the deseasonalised data; the four models of "
        "Fiorucci et al. (statsforecast's) or statsmodels' ThetaModel",
        "forecast.models.theta:Theta",
        (
            PERIOD,
            Param(
                "theta",
                "float",
                2.0,
                "weight of the trend line of stm, dstm and ses-drift: forecast = SES + "
                "(1 - 1/theta) x drift; 2 is the classical Theta method",
                minimum=1,
            ),
            Param(
                "variant",
                "choice",
                "stm",
                "stm (standard: the M3 Theta, statsforecast's Theta), otm (theta "
                "optimised), dstm/dotm (dynamic trend line), auto (the least in-sample "
                "MSE of the four, as statsforecast's AutoTheta), "
                "or ses-drift (statsmodels' ThetaModel)",
                choices=("auto", "stm", "otm", "dstm", "dotm", "ses-drift"),
            ),
        ),
    )


def _ensemble_spec() -> ModelSpec:
    """The ensemble: its members, how they are combined, and its neural member's parameters."""
    return ModelSpec(
        "ensemble",
        "ensemble",
        "mean, median or validation-weighted mean of member models' forecasts; intervals from "
        "the mixture of their distributions or the average of their bounds",
        "forecast.models.ensemble:Ensemble",
        (
            Param(
                "members",
                "names",
                ("ets", "auto-arima", "theta"),
                "registered models to combine, each with its default parameters: classical "
                "ones and at most one neural (gru, lstm, rnn, transformer, mlp, cnn, tcn, "
                "nbeats, nhits), trained once as a global network over a panel (on one "
                "series: its own network)",
            ),
            Param(
                "combine",
                "choice",
                "mean",
                "how forecasts and interval bounds are combined; weighted: inverse "
                "validation MSE weights from a walk-forward inside the training data",
                choices=("mean", "median", "weighted"),
            ),
            Param(
                "bounds",
                "choice",
                "auto",
                "how the members' interval bounds and quantiles combine: pool (the quantiles "
                "of the members' mixture: wider where they disagree), average (as the "
                "forecasts are: quantile averaging), or auto (pool; average with a neural "
                "member)",
                choices=("auto", "average", "pool"),
            ),
            Param(
                "period",
                "int?",
                None,
                "seasonal period passed to the members that take one "
                "(default: each detects it on the training data)",
                minimum=2,
            ),
            Param(
                "neural_window",
                "int?",
                None,
                "the neural member's input window (default: its own; a series of a panel "
                "shorter than it is forecast by the classical members)",
                minimum=2,
                maximum=100_000,
            ),
            Param(
                "epochs",
                "int?",
                None,
                "the neural member's maximum training epochs (default: its own)",
                minimum=1,
                maximum=100_000,
            ),
            Param(
                "seed",
                "int?",
                None,
                "the neural member's random seed (default: its own)",
                minimum=0,
                maximum=2**32 - 1,
            ),
            Param(
                "device",
                "choice",
                "auto",
                "where the neural member trains and forecasts",
                choices=("auto", "cpu", "cuda", "mps"),
            ),
        ),
    )


def _training_params(d: NeuralOptions) -> tuple[Param, ...]:
    """Scaling, loss, optimiser, stopping, device and seed: shared by the neural models (the
    defaults are ``d``'s, :mod:`forecast.models.neural.options`)."""
    return (
        Param(
            "calendar",
            "bool",
            d.calendar,
            "add the position in the seasonal period (sin/cos) as inputs, when there is a period",
        ),
        Param(
            "scaler",
            "choice",
            d.scaler,
            "input scaling fitted on the training samples: standard (mean, sd), robust "
            "(median, IQR), level (mean, sqrt(sd x max(mean |y|, sd)): errors partly "
            "relative to the level) or auto (robust for a global model, standard for one "
            "series; the recurrent models' default)",
            choices=("standard", "robust", "level", "auto"),
        ),
        Param(
            "loss",
            "choice",
            d.loss,
            "training loss; quantile: a quantile head (pinball loss; its quantiles are the "
            "intervals, the median the forecast)",
            choices=("mae", "mse", "huber", "quantile"),
        ),
        Param(
            "quantile_levels",
            "ints",
            d.quantile_levels,
            "loss=quantile: the interval levels (percent) the head is trained for (default 80,95)",
            minimum=1,
            maximum=99,
        ),
        *_optimiser_params(d),
    )


def _optimiser_params(d: NeuralOptions) -> tuple[Param, ...]:
    """Optimiser, stopping, device and seed: shared by the neural models (defaults: ``d``'s)."""
    return (
        Param("lr", "float", d.lr, "Adam learning rate", minimum=0, maximum=10),
        Param("weight_decay", "float", d.weight_decay, "Adam weight decay (L2)", minimum=0),
        Param(
            "batch_size", "int", d.batch_size, "samples per mini-batch", minimum=1, maximum=65536
        ),
        Param("clip", "float", d.clip, "gradient norm clipping (0: off)", minimum=0),
        Param(
            "epochs",
            "int",
            d.epochs,
            "maximum training epochs (early stopping ends sooner)",
            minimum=1,
            maximum=100_000,
        ),
        Param(
            "patience",
            "int",
            d.patience,
            "epochs without a better validation loss before stopping",
            minimum=1,
        ),
        Param(
            "val_fraction",
            "float",
            d.val_fraction,
            "last fraction of the samples (by time, at least 19) for early stopping and the "
            "conformal intervals",
            minimum=0,
            below=1,
        ),
        Param(
            "finetune_epochs",
            "int",
            d.finetune_epochs,
            "maximum epochs of fine-tuning on 'forecast predict --refit'",
            minimum=1,
        ),
        Param("amp", "bool", d.amp, "automatic mixed precision (bf16/fp16) on CUDA"),
        Param(
            "device",
            "choice",
            d.device,
            "where to train and forecast; auto: CUDA, then MPS, then CPU",
            choices=("auto", "cpu", "cuda", "mps"),
        ),
        Param(
            "seed",
            "int",
            d.seed,
            "random seed: same seed, same data, same machine = same model",
            minimum=0,
            maximum=2**32 - 1,
        ),
    )


def _shape_params(d: NeuralOptions) -> tuple[Param, ...]:
    """Window, head and period: shared by the neural models (defaults: ``d``'s)."""
    return (
        Param(
            "window",
            "int?",
            d.window,
            "input window length (default: 2 seasonal periods, 24 without one; a global "
            "model caps it at min(shortest series, median series - 2 x horizon - 2))",
            minimum=2,
            maximum=100_000,
        ),
        Param(
            "horizon",
            "int?",
            d.horizon,
            "steps the head is trained to forecast (default: one period, at least 24; a "
            "global model: the fit's --horizon, at most a third of the median series)",
            minimum=1,
            maximum=10_000,
        ),
        Param(
            "strategy",
            "choice",
            d.strategy,
            "direct: the head emits every step; recursive: one step, fed back",
            choices=STRATEGIES,
        ),
        replace(PERIOD, default=d.period),
    )


def _neural_specs() -> list[ModelSpec]:
    recurrent = (
        *_shape_params(neural_defaults("gru")),
        Param("hidden_size", "int", 32, "hidden units per layer", minimum=1, maximum=4096),
        Param("layers", "int", 1, "stacked recurrent layers", minimum=1, maximum=16),
        Param(
            "dropout",
            "float",
            0.0,
            "dropout between layers and on the output",
            minimum=0,
            below=1,
        ),
        Param(
            "bidirectional",
            "bool",
            False,
            "also read the window backwards (the temperature lecture found it worse than "
            "persistence: the latest steps matter most; off by default)",
        ),
        *_training_params(neural_defaults("gru")),
        WINDOW_SCALE,
    )
    specs = [
        ModelSpec(
            name,
            "neural",
            f"{title} over the input window, direct multi-step head (PyTorch)",
            f"forecast.models.neural.forecaster:{cls}",
            recurrent,
        )
        for name, title, cls in (
            ("rnn", "Elman RNN", "Rnn"),
            ("lstm", "LSTM", "Lstm"),
            ("gru", "GRU", "Gru"),
        )
    ]
    specs.append(
        ModelSpec(
            "transformer",
            "neural",
            "Transformer encoder over the input window, direct multi-step head (PyTorch)",
            "forecast.models.neural.forecaster:Transformer",
            (
                *_shape_params(neural_defaults("transformer")),
                Param(
                    "d_model",
                    "int",
                    32,
                    "model width (a multiple of heads)",
                    minimum=1,
                    maximum=4096,
                ),
                Param("heads", "int", 4, "attention heads", minimum=1, maximum=64),
                Param("layers", "int", 2, "encoder layers", minimum=1, maximum=16),
                Param("ff_size", "int", 64, "feed-forward width", minimum=1, maximum=16384),
                Param(
                    "patch",
                    "int?",
                    None,
                    "steps per token (default: ceil(window / 16), at most 16 tokens; 1: a token "
                    "per step)",
                    minimum=1,
                ),
                Param(
                    "dropout",
                    "float",
                    0.1,
                    "dropout in the encoder and on the output",
                    minimum=0,
                    below=1,
                ),
                Param("causal", "bool", False, "causal mask: each position sees only the past"),
                *_training_params(neural_defaults("transformer")),
            ),
        )
    )
    return specs


def _dropout(default: float = 0.0) -> Param:
    return Param("dropout", "float", default, "dropout after each layer", minimum=0, below=1)


def _fc_params(hidden: int, layers: int) -> tuple[Param, ...]:
    return (
        Param("hidden_size", "int", hidden, "units per fully connected layer", minimum=1,
              maximum=8192),
        Param("layers", "int", layers, "fully connected layers (per block)", minimum=1,
              maximum=16),
    )  # fmt: skip


def _conv_params(kernel: int, layers: int, what: str) -> tuple[Param, ...]:
    return (
        Param("filters", "int", 32, "convolution channels", minimum=1, maximum=4096),
        Param("kernel_size", "int", kernel, "convolution kernel length", minimum=1, maximum=1024),
        Param("layers", "int", layers, what, minimum=1, maximum=16),
    )


def _family_specs() -> list[ModelSpec]:
    """mlp, cnn, tcn, nbeats, nhits (forecast.models.neural.families)."""
    target = "forecast.models.neural.families:"
    shared = (*_shape_params(NeuralOptions()),)
    trained = _training_params(NeuralOptions())
    return [
        ModelSpec(
            "mlp",
            "neural",
            "dense network over the flattened input window, direct multi-step head (PyTorch)",
            f"{target}Mlp",
            (*shared, *_fc_params(64, 2), _dropout(), *_training_params(neural_defaults("mlp"))),
        ),
        ModelSpec(
            "cnn",
            "neural",
            "Conv1D/max-pooling stack over the input window, direct multi-step head (PyTorch)",
            f"{target}Cnn",
            (
                *shared,
                *_conv_params(5, 2, "convolution blocks (each: conv, ReLU, max-pool)"),
                Param("pool", "int", 2, "max-pooling size after each block", minimum=1, maximum=64),
                _dropout(),
                *_training_params(neural_defaults("cnn")),
            ),
        ),
        ModelSpec(
            "tcn",
            "neural",
            "temporal convolutional network: dilated causal convolutions in residual blocks "
            "(PyTorch)",
            f"{target}Tcn",
            (
                *shared,
                *_conv_params(3, 4, "residual blocks (dilations 1, 2, 4, ...)"),
                _dropout(),
                *trained,
            ),
        ),
        _nbeats_spec(target, shared, trained),
        _nhits_spec(target, shared, trained),
    ]


RECENT_EPOCHS = Param(
    "recent_epochs",
    "int",
    0,
    "epochs over every origin, the validation tail's included, after early stopping on it: "
    "the newest data is trained on too (0, the default: none; the intervals are calibrated on "
    "that tail, so they narrow)",
    minimum=0,
    maximum=10_000,
)
"""nbeats' and nhits' pass over the newest data (``trainer.recent_pass``)."""

TRANSFORM = Param(
    "transform",
    "choice",
    "auto",
    "the values a global model's network sees: auto (on a panel of monthly or finer data, the "
    "logarithms of each series whose spread grows with its level: positive, Guerrero's Box-Cox "
    "lambda below 0.5; else the values), log (every series' logarithms) or none; one series: "
    "the values",
    choices=("auto", "none", "log"),
)
"""nbeats' and nhits' per-series logarithms on a panel (:mod:`neural.log_transform`)."""

ANCHOR = Param(
    "anchor",
    "choice",
    "auto",
    "what the window is read relative to and the forecast added to: last (value), mean (of the "
    "window) or auto (a global model on a panel: mean; one series: last)",
    choices=("auto", *ANCHORS),
)
"""nbeats' and nhits' anchor (:class:`neural.nbeats.StackedNet`)."""

WINDOW_SCALE = Param(
    "window_scale",
    "choice",
    "auto",
    "what each window, relative to its anchor (the recurrent models: its last value), is "
    "divided by, the output multiplied by: std (its standard deviation, at least 0.05 in scaled "
    "units), none, or auto (a global model on a panel of quarterly data: std; else none)",
    choices=("auto", *WINDOW_SCALES),
)
"""nbeats', nhits' and the recurrent models' division of each window
(:class:`neural.nbeats.StackedNet`, :class:`neural.recurrent.RecurrentNet`)."""

SEEDS = Param(
    "seeds",
    "int?",
    None,
    "networks trained from seeds seed, seed + 1, ..., each early-stopped on its own, whose "
    "forecasts are averaged (default: 3 for a global model on a panel, 1 on one series; a "
    "quantile head: 1)",
    minimum=1,
    maximum=MAX_SEEDS,
)
"""nbeats' and nhits' averaged networks (:mod:`neural.global_model`)."""


def _nbeats_spec(target: str, shared: tuple[Param, ...], trained: tuple[Param, ...]) -> ModelSpec:
    """N-BEATS: the window and training parameters ``shared``/``trained`` with its own."""
    window = (  # a global model's: families.STACKED_WINDOW
        "input window length (default: 2 seasonal periods, 24 without one; a global model: one "
        "period, at least 12, capped at min(shortest series, median series - 2 x horizon - 2))"
    )
    shared = tuple(replace(p, help=window) if p.name == "window" else p for p in shared)
    return ModelSpec(
        "nbeats",
        "neural",
        "N-BEATS (Oreshkin et al. 2020): generic or interpretable trend/seasonality stacks "
        "(PyTorch)",
        f"{target}NBeats",
        (
            *shared,
            Param(
                "basis",
                "choice",
                "generic",
                "generic (learned) or interpretable "
                "(a polynomial trend stack, then a Fourier seasonality stack)",
                choices=("generic", "interpretable"),
            ),
            Param(
                "stacks",
                "int",
                2,
                "generic stacks (interpretable: always 2)",
                minimum=1,
                maximum=32,
            ),
            Param("blocks", "int", 3, "blocks per stack", minimum=1, maximum=32),
            *_fc_params(128, 4),
            Param(
                "degree",
                "int",
                2,
                "trend polynomial degree (interpretable)",
                minimum=0,
                maximum=8,
            ),
            _dropout(),
            *trained,
            RECENT_EPOCHS,
            TRANSFORM,
            ANCHOR,
            WINDOW_SCALE,
            SEEDS,
        ),
    )


def _nhits_spec(target: str, shared: tuple[Param, ...], trained: tuple[Param, ...]) -> ModelSpec:
    """N-HiTS: the window and training parameters ``shared``/``trained`` with its own."""
    window = (  # a global model's: families.STACKED_WINDOW
        "input window length (default: 2 seasonal periods, 24 without one; a global model: one "
        "period, at least 12, capped at min(shortest series, median series - 2 x horizon - 2))"
    )
    shared = tuple(replace(p, help=window) if p.name == "window" else p for p in shared)
    return ModelSpec(
        "nhits",
        "neural",
        "N-HiTS (Challu et al. 2023): multi-rate pooling and interpolated forecasts (PyTorch)",
        f"{target}NHits",
        (
            *shared,
            Param(
                "pools",
                "ints",
                (4, 2, 1),
                "max-pooling size of each stack's input",
                minimum=1,
                maximum=1024,
            ),
            Param(
                "downsample",
                "ints",
                (4, 2, 1),
                "each stack forecasts horizon/downsample knots, linearly interpolated",
                minimum=1,
                maximum=1024,
            ),
            Param("blocks", "int", 1, "blocks per stack", minimum=1, maximum=32),
            *_fc_params(128, 2),
            _dropout(),
            *trained,
            RECENT_EPOCHS,
            TRANSFORM,
            ANCHOR,
            WINDOW_SCALE,
            SEEDS,
        ),
    )


def _tree_params(booster: tuple[Param, ...]) -> tuple[Param, ...]:
    """Features, target transforms and strategy (shared by lightgbm and xgboost), then the
    booster's own parameters (``booster``), threads and seed."""
    return (
        *_tree_feature_params(),
        *_tree_target_params(),
        Param("n_estimators", "int", 100, "boosting rounds", minimum=1, maximum=100_000),
        Param("learning_rate", "float", 0.1, "shrinkage per round", minimum=1e-6, maximum=1),
        *booster,
        Param("subsample", "float", 1.0, "fraction of rows per tree", minimum=1e-3, maximum=1),
        Param("colsample", "float", 1.0, "fraction of features per tree", minimum=1e-3, maximum=1),
        Param(
            "threads",
            "int?",
            None,
            "training threads (default: --threads, else 1: bit-identical runs)",
            minimum=1,
            maximum=1024,
        ),
        Param(
            "seed",
            "int",
            0,
            "random seed (bagging, column sampling)",
            minimum=0,
            maximum=2**31 - 1,
        ),
    )


def _tree_feature_params() -> tuple[Param, ...]:
    """The features of the trees: lags, rolling and expanding statistics, the calendar."""
    return (
        Param(
            "lags",
            "ints",
            (),
            "lags of the target, e.g. 1,2,12 (default: 1..min(m, 12) and m, 2m with a period m, "
            "1..6 without; lags above a third of the data left out)",
            minimum=1,
            maximum=100_000,
        ),
        Param(
            "rolling",
            "names",
            (),
            "rolling statistics over the lagged values, STAT:WINDOW with STAT mean, std, min "
            "or max, e.g. mean:12,std:12 (default: none)",
        ),
        Param("expanding", "bool", False, "the mean of every past value (expanding mean)"),
        Param(
            "calendar",
            "bool",
            True,
            "calendar fields of the frequency (month, quarter, week, day of week, hour, minute)",
        ),
        Param("series_id", "bool", False, "the series as a categorical feature (global model)"),
        PERIOD,
    )


def _tree_target_params() -> tuple[Param, ...]:
    """The target's transforms, the multi-step strategy and the training objective."""
    return (
        Param(
            "transform",
            "choice",
            "none",
            "power transform of the target per series: log1p or boxcox (lambda by maximum "
            "likelihood on the training values)",
            choices=("none", "log1p", "boxcox"),
        ),
        Param(
            "diff",
            "ints",
            (),
            "differences of the target, in order: 1 first, 12 seasonal, 1,12 both",
            minimum=1,
            maximum=10_000,
        ),
        Param(
            "scaler",
            "choice",
            "standard",
            "per-series scaling of the target, fitted on the training values",
            choices=("none", "standard", "robust"),
        ),
        Param(
            "strategy",
            "choice",
            "recursive",
            "recursive: one-step model fed back; direct: one model per step ahead",
            choices=("recursive", "direct"),
        ),
        Param(
            "horizon",
            "int?",
            None,
            "steps the direct models and the conformal intervals cover (default: the fit's "
            "--horizon on a panel, else one period, at least 12)",
            minimum=1,
            maximum=10_000,
        ),
        Param(
            "objective",
            "choice",
            "l2",
            "training loss; quantile: a model per interval bound (the median is the forecast)",
            choices=("l2", "l1", "huber", "quantile"),
        ),
        Param(
            "quantile_levels",
            "ints",
            (),
            "objective=quantile: the interval levels (percent) trained for (default: the fit's "
            "--level on a panel, else 80,95)",
            minimum=1,
            maximum=99,
        ),
    )


def _tree_specs() -> list[ModelSpec]:
    """LightGBM and XGBoost on lag features: one model over a panel (models.trees)."""
    check = "forecast.models.trees.features:check_params"
    return [
        ModelSpec(
            "lightgbm",
            "trees",
            "LightGBM on lag features: one global model over a panel, recursive or direct",
            "forecast.models.trees.single:LightGbm",
            _tree_params(
                (
                    Param("num_leaves", "int", 31, "leaves per tree", minimum=2, maximum=131_072),
                    Param(
                        "max_depth",
                        "int?",
                        None,
                        "tree depth (default: no limit)",
                        minimum=1,
                        maximum=64,
                    ),
                    Param("min_child_samples", "int", 20, "fewest rows in a leaf", minimum=1),
                    Param("reg_lambda", "float", 0.0, "L2 penalty on leaf values", minimum=0),
                )
            ),
            check,
        ),
        ModelSpec(
            "xgboost",
            "trees",
            "XGBoost on lag features: one global model over a panel, recursive or direct",
            "forecast.models.trees.single:XgBoost",
            _tree_params(
                (
                    Param("max_depth", "int", 6, "tree depth", minimum=1, maximum=64),
                    Param("min_child_weight", "float", 1.0, "least hessian in a leaf", minimum=0),
                    Param("reg_lambda", "float", 1.0, "L2 penalty on leaf values", minimum=0),
                )
            ),
            check,
        ),
    ]


def _intermittent_specs() -> list[ModelSpec]:
    """Croston, TSB, ADIDA, IMAPA (forecast.models.intermittent): non-negative data only."""
    from forecast.models.parameter_limits import SMOOTHING

    module = "forecast.models.intermittent"
    conformal = "; split-conformal intervals (no likelihood), bounds >= 0"
    return [
        ModelSpec(
            "croston",
            "intermittent",
            "Croston: smoothed demand size / smoothed inter-demand interval" + conformal,
            f"{module}:Croston",
            (
                Param(
                    "variant",
                    "choice",
                    "classic",
                    "classic: both smoothed with 0.1 (Croston 1972); sba: x 0.95, the "
                    "Syntetos-Boylan correction; optimized: each smoothing constant chosen in "
                    "[0.1, 0.3] by in-sample MSE",
                    choices=("classic", "sba", "optimized"),
                ),
            ),
        ),
        ModelSpec(
            "tsb",
            "intermittent",
            "Teunter-Syntetos-Babai: smoothed demand probability x smoothed size" + conformal,
            f"{module}:Tsb",
            (
                Param(
                    "alpha_d",
                    "float",
                    0.1,
                    "smoothing constant of the demand sizes",
                    minimum=SMOOTHING[0],
                    maximum=SMOOTHING[1],
                ),
                Param(
                    "alpha_p",
                    "float",
                    0.1,
                    "smoothing constant of the demand probability (every period)",
                    minimum=SMOOTHING[0],
                    maximum=SMOOTHING[1],
                ),
            ),
        ),
        ModelSpec(
            "adida",
            "intermittent",
            "ADIDA: SES on sums over buckets of the mean inter-demand interval, disaggregated"
            + conformal,
            f"{module}:Adida",
        ),
        ModelSpec(
            "imapa",
            "intermittent",
            "IMAPA: ADIDA at aggregation levels 1 to the mean inter-demand interval, averaged"
            + conformal,
            f"{module}:Imapa",
        ),
    ]


def _window_specs() -> list[ModelSpec]:
    """Window averages and SES (forecast.models.window_models), statsforecast's definitions."""
    module = "forecast.models.window_models"
    window_sd = "; Gaussian intervals of the in-sample one-step errors' sd (an approximation)"
    return [
        ModelSpec(
            "window-average",
            "baseline",
            "mean of the last `window` observations" + window_sd,
            f"{module}:WindowAverage",
            (Param("window", "int", 3, "number of last observations averaged", minimum=1),),
        ),
        ModelSpec(
            "seasonal-window-average",
            "baseline",
            "per season position, the mean of its values over the last `window` seasons"
            + window_sd,
            f"{module}:SeasonalWindowAverage",
            (
                PERIOD,
                Param("window", "int", 2, "number of last seasons averaged", minimum=1),
            ),
        ),
        ModelSpec(
            "ses",
            "smoothing",
            "simple exponential smoothing (level started at the first value); Gaussian "
            "intervals of ETS(A,N,N), sigma^2 (1 + (h-1) alpha^2)",
            f"{module}:Ses",
            (
                Param(
                    "alpha",
                    "float?",
                    None,
                    "smoothing constant in (0, 1); auto: chosen in [0.01, 0.99] by in-sample "
                    "one-step MSE (golden section, as statsforecast's "
                    "SimpleExponentialSmoothingOptimized)",
                ),
            ),
            check="forecast.models.window_params:check_ses_alpha",
        ),
    ]


REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            "naive",
            "baseline",
            "last observed value (random walk)",
            "forecast.models.baselines:Naive",
        ),
        ModelSpec(
            "snaive",
            "baseline",
            "value one season ago",
            "forecast.models.baselines:SeasonalNaive",
            (PERIOD,),
        ),
        ModelSpec(
            "drift",
            "baseline",
            "last value plus the average change",
            "forecast.models.baselines:Drift",
        ),
        ModelSpec(
            "mean", "baseline", "mean of the training data", "forecast.models.baselines:Mean"
        ),
        *_arima_specs(),
        *_smoothing_specs(),
        *_window_specs(),
        *_intermittent_specs(),
        *_neural_specs(),
        *_family_specs(),
        *_tree_specs(),
    ]
}


def get_spec(name: str) -> ModelSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UsageError(
            f"unknown model {name!r}; choose one of: {', '.join(REGISTRY)} (see 'forecast models')"
        ) from None


def parse_param_args(items: Iterable[str]) -> dict[str, str]:
    """``["order=2,1,1", "trend=c"]`` -> ``{"order": "2,1,1", "trend": "c"}``."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param takes key=value, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def create(name: str, raw_params: Mapping[str, Any] | None = None) -> BaseForecaster:
    """A fresh, unfitted model from its name and raw parameter values."""
    return get_spec(name).create(raw_params)
