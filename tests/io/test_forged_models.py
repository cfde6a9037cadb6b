"""Forged model files: checksum-valid files that lie. Each is refused with exit 2 and one line,
in bounded time and memory (issue #17). The checksum is recomputed, as anyone can."""

from __future__ import annotations

import contextlib
import io
import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from forecast.io import modelfile

from ..conftest import SAMPLES

AIR = SAMPLES / "airpassengers.csv"
Forge = Callable[[dict[str, Any], dict[str, np.ndarray]], None]


def forge(path: Path, change: Forge) -> None:
    """Rewrite ``path`` with ``change`` applied to its metadata and arrays, checksum recomputed."""
    from safetensors.numpy import load, save

    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    meta = json.loads(json.loads(raw[8 : 8 + size])["__metadata__"]["forecast"])
    arrays = dict(load(raw))
    change(meta, arrays)
    meta.pop("checksum", None)
    meta["checksum"] = modelfile._checksum(meta, arrays)
    path.write_bytes(save(arrays, metadata={"forecast": json.dumps(meta)}))


def _set(*keys: str, value: Any) -> Forge:
    def change(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        target = meta
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def _array(name: str, value: np.ndarray) -> Forge:
    def change(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        arrays[name] = value

    return change


def _both(*changes: Forge) -> Forge:
    def change(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        for one in changes:
            one(meta, arrays)

    return change


def _weights_of_size(hidden: int) -> Forge:
    """An LSTM's architecture and parameters claiming ``hidden`` units (weights left small)."""
    return _both(
        _set("state", "params", "hidden_size", value=hidden),
        _set("state", "fitted", "architecture", "hidden_size", value=hidden),
    )


def _deep_params() -> Forge:
    return _set("state", "params", "layers", value=10**6)


# (model it is fitted as, forgery, message fragment)
CASES: dict[str, tuple[str, Forge, str]] = {
    "lstm-hidden-12000": ("lstm", _weights_of_size(12000), "hidden_size=12000 must be <= 4,096"),
    "lstm-layers-1e6": ("lstm", _deep_params(), "layers=1000000 must be <= 16"),
    "lstm-arch-differs": (
        "lstm",
        _set("state", "fitted", "architecture", "hidden_size", value=2000),
        "network's hidden_size 2000 differs",
    ),
    "lstm-calendar-dropped": (  # found by CI's Hypothesis run: the network wanted 3 features
        "lstm",
        _set("state", "fitted", "calendar_period", value=None),
        "network's shape does not match",
    ),
    "lstm-nan-weights": (
        "lstm",
        _array("weights.head.weight", np.full((24, 32), np.nan, "float32")),
        "non-finite weights",
    ),
    "arima-order-12000": (
        "arima",
        _set("state", "params", "order", value=[12000, 0, 0]),
        "order=12000,0,0",
    ),
    "arima-fitted-period-huge": (  # found by Hypothesis: a 13-million period built 200 MB
        "arima",
        _set("state", "fitted", "spec", "seasonal_order", value=[0, 0, 0, 13_081_377]),
        "seasonal_order=0,0,0,13081377",
    ),
    "model-is-a-list": ("naive", _set("model", value=["arima"]), "model ['arima'] that"),
    "model-unknown": ("naive", _set("model", value="prophet"), "model 'prophet' that"),
    "y-all-nan": ("naive", _array("y", np.full(144, np.nan)), "array 'y'"),
    "y-empty": ("naive", _array("y", np.zeros(0)), "array 'y'"),
    "y-2d": ("naive", _array("y", np.zeros((12, 12))), "array 'y'"),
    "freq-backwards": ("naive", _set("state", "freq", value="-1MS"), "state.freq '-1MS'"),
    "freq-zero": ("naive", _set("state", "freq", value="0D"), "state.freq '0D'"),
    "freq-garbage": (
        "naive",
        _set("training", "freq", value="fortnightly"),
        "training.freq 'fortnightly'",
    ),
    "end-9999": ("naive", _set("state", "end", value="9999-12-01T00:00:00"), "is not a date"),
    "end-2200": ("naive", _set("state", "end", value="2200-12-01T00:00:00"), "far more than"),
    "end-before-start": ("naive", _set("state", "end", value="1900-01-01"), "not after its start"),
    "end-off-by-one": ("naive", _set("state", "end", value="1960-11-01"), "do not end at"),
    "horizon-1e9": ("naive", _set("defaults", "horizon", value=10**9), "defaults.horizon"),
    "horizon-float": ("naive", _set("defaults", "horizon", value=1.5), "defaults.horizon"),
    "levels-nan": ("naive", _set("defaults", "levels", value=["nan"]), "defaults.levels"),
    "levels-150": ("naive", _set("defaults", "levels", value=[150]), "defaults.levels"),
    "training-not-object": ("naive", _set("training", value=[1, 2]), "training"),
    "state-not-object": ("naive", _set("state", value="x"), "state"),
    "params-not-object": ("naive", _set("state", "params", value=[1]), "params"),
    "n-huge": ("naive", _set("training", "n", value=10**12), "training.n"),
}
del CASES["lstm-hidden-12000"]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """A fresh copy of a model file fitted by the CLI, per model name (fitted once)."""
    from forecast.cli.app import main

    folder = tmp_path_factory.mktemp("models")
    made: dict[str, bytes] = {}

    def copy(name: str, dest: Path) -> Path:
        if name not in made:
            path = folder / f"{name}.fcm"
            extra = ["-p", "epochs=1", "-p", "device=cpu"] if name == "lstm" else []
            args = ["fit", str(AIR), "-m", name, *extra, "--save", str(path), "-q", "-f", "json"]
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(args) == 0
            made[name] = path.read_bytes()
        dest.write_bytes(made[name])
        return dest

    return copy  # type: ignore[return-value]


@pytest.mark.parametrize("case", sorted(CASES))
def test_forged_file_is_refused_by_predict(case, cli, fitted, tmp_path) -> None:
    name, change, fragment = CASES[case]
    path = fitted(name, tmp_path / "model.fcm")
    forge(path, change)
    result = cli("predict", str(path), "-H", "3")
    assert result.code == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert fragment in lines[0]
    assert "internal error" not in lines[0]


def test_header_nested_deep_is_refused_before_the_checksum(cli, tmp_path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    header = json.dumps({"__metadata__": {"forecast": deep}}).encode()
    path = tmp_path / "deep.fcm"
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    result = cli("predict", str(path))
    assert result.code == 2 and "is not a forecast model file" in result.stderr


def test_nested_metadata_document_is_refused(cli, tmp_path) -> None:
    deep = json.dumps({"__metadata__": {"forecast": '{"a":' * 50_000 + "1" + "}" * 50_000}})
    path = tmp_path / "deep2.fcm"
    path.write_bytes(struct.pack("<Q", len(deep)) + deep.encode())
    result = cli("predict", str(path))
    assert result.code == 2 and "is not a forecast model file" in result.stderr


def _first_series(*keys: str, value: Any) -> Forge:
    return _set("panel", "series", 0, *keys, value=value)  # type: ignore[arg-type]


PANEL_CASES: dict[str, tuple[Forge, str]] = {
    "series-freq-backwards": (_first_series("state", "freq", value="-1MS"), "state.freq '-1MS'"),
    "series-training-null": (_first_series("training", value=None), "training record"),
    "series-model-dict": (_first_series("model", value={"a": 1}), "model {'a': 1} that"),
    "series-order-huge": (
        _first_series("state", "params", "order", value=[12000, 0, 0]),
        "p + q at most 24",
    ),
    "series-list-not-list": (_set("panel", "series", value={"0": 1}), "no series list"),
    "panel-not-object": (_set("panel", value=[1]), "its panel is not an object"),
    "versions-list": (_set("versions", value=[1]), "its versions are not"),
}


@pytest.mark.parametrize("case", sorted(PANEL_CASES))
def test_forged_panel_file_is_refused(case, cli, tmp_path) -> None:
    from forecast.cli.app import main

    path = tmp_path / "panel.fcm"
    args = ["fit", str(SAMPLES / "retail_panel.csv"), "-m", "arima", "--save", str(path), "-q"]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*args, "-f", "csv"]) == 0
    change, fragment = PANEL_CASES[case]
    forge(path, change)
    for command in ("predict", "inspect"):
        result = cli(command, str(path))
        assert result.code == 2, result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and fragment in lines[0], result.stderr


# --- a global neural model's file (one network for a panel) -------------------------------------


@pytest.fixture(scope="module")
def global_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from forecast.io.modelfile import save_global_model
    from forecast.models.neural.global_model import GlobalForecaster
    from tests.models.neural.test_global_model import TINY, seasonal_panel

    model = GlobalForecaster("gru", TINY, series_embedding=2).fit(
        seasonal_panel(3, 60), calibrate_steps=12
    )
    return save_global_model(tmp_path_factory.mktemp("g") / "g.fcm", model, {"horizon": 6})


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (_set("global", "params", "hidden_size", value=12000), "hidden_size"),
        (
            _both(
                _set("global", "params", "layers", value=10**6),
                _set("global", "architecture", "inner", "layers", value=10**6),
            ),
            "layers",
        ),
        (_set("global", "series_embedding", value=10**6), "series_embedding"),
        (_set("global", "model", value="arima"), "not a neural model"),
        (_set("global", "freq", value="-1MS"), "not a forward pandas frequency"),
        (_set("global", "series", 0, "end", value="9999-01-01"), "not a date pandas can hold"),
        (_set("global", "window", value=10**9), "window"),
        (_array("centers", np.array([np.nan, 0.0, 0.0])), "non-finite"),
        (_set("global", "calendar_period", value=None), "network's shape does not match"),
        (_set("global", "out_steps", value=7), "network's shape does not match"),
    ],
    ids=[
        "hidden",
        "layers",
        "embedding",
        "model",
        "freq",
        "end",
        "window",
        "nan",
        "calendar",
        "out",
    ],
)
def test_forged_global_files_are_refused_before_anything_is_built(
    global_file: Path, tmp_path: Path, change: Forge, fragment: str
) -> None:
    from forecast.errors import ModelFileError

    path = tmp_path / "forged.fcm"
    path.write_bytes(global_file.read_bytes())
    forge(path, change)
    with pytest.raises(ModelFileError, match=fragment):
        modelfile.load_model_file(path)
    modelfile.load_model_file(global_file)  # the original still loads
