"""The neural hyperparameters are defined once, in :class:`options.NeuralOptions`: the registry's
specs, the per-series constructors and the global model all take their defaults from it."""

from __future__ import annotations

import inspect
from dataclasses import fields

import pytest

from forecast.models.neural.global_model import GLOBAL_MODELS, GlobalForecaster
from forecast.models.neural.options import (
    FAST_LR_MODELS,
    RECURRENT_LR,
    RECURRENT_MODELS,
    RECURRENT_SCALER,
    NeuralOptions,
    neural_defaults,
)
from forecast.models.registry import get_spec

NAMES = [f.name for f in fields(NeuralOptions)]


@pytest.mark.parametrize("model", GLOBAL_MODELS)
def test_every_option_is_the_default_of_the_spec_the_constructor_and_the_global_model(
    model: str,
) -> None:
    expected = neural_defaults(model)
    spec = get_spec(model)
    spec_defaults = {p.name: p.default for p in spec.params}
    signature = inspect.signature(spec.factory())
    per_series = spec.factory()()
    global_model = GlobalForecaster(model)
    for name in NAMES:
        value = getattr(expected, name)
        assert spec_defaults[name] == value, (model, name)
        assert signature.parameters[name].default == value, (model, name)
        assert per_series.get_params()[name] == value, (model, name)
        assert global_model.params[name] == value, (model, name)
    assert per_series.options == expected
    assert global_model.options == expected


@pytest.mark.parametrize("model", GLOBAL_MODELS)
def test_the_constructor_lists_the_spec_parameters_in_order(model: str) -> None:
    """The saved parameters and `forecast models NAME` follow this order."""
    spec = get_spec(model)
    assert list(spec.factory()().get_params()) == [p.name for p in spec.params]
    with pytest.raises(TypeError, match="no parameter nope"):
        spec.factory()(nope=1)


def test_the_recurrent_models_learn_faster_and_nothing_else_differs() -> None:
    """The recurrent models, mlp and cnn (issue 28's tuning) differ in their learning rate;
    the recurrent models also (issue 33) in their scaler, auto: robust on a panel, standard on
    one series."""
    base = NeuralOptions()
    assert set(FAST_LR_MODELS) == {*RECURRENT_MODELS, "mlp", "cnn"}
    for model in GLOBAL_MODELS:
        options = neural_defaults(model)
        recurrent = model in RECURRENT_MODELS
        assert options.lr == (RECURRENT_LR if model in FAST_LR_MODELS else base.lr)
        assert options.scaler == (RECURRENT_SCALER if recurrent else base.scaler)
        assert [getattr(options, n) for n in NAMES if n not in ("lr", "scaler")] == [
            getattr(base, n) for n in NAMES if n not in ("lr", "scaler")
        ]


def test_options_check_names_the_bad_value() -> None:
    from forecast.errors import UsageError

    NeuralOptions().check("gru")
    with pytest.raises(UsageError, match="strategy must be direct or recursive"):
        NeuralOptions(strategy="sideways").check("gru")
    with pytest.raises(UsageError, match=r"val_fraction=0.5 must be above 0 and below 0.5"):
        NeuralOptions(val_fraction=0.5).check("gru")
    overridden = GlobalForecaster("lstm", {"epochs": 3, "lr": 0.01}).options
    assert (overridden.epochs, overridden.lr, overridden.seed) == (3, 0.01, 0)
