"""Forged tree model files: checksum-valid files that lie are refused (exit 2, one line) before
LightGBM's or XGBoost's parser sees a booster; the genuine files load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from forecast.errors import ModelFileError
from forecast.io.modelfile import load_model_file, save_global_model, save_model
from forecast.models.registry import get_spec
from forecast.models.trees.model import TreeForecaster
from tests.io.test_forged_models import forge
from tests.models.trees.test_model import panel

SMALL = {"n_estimators": 5, "lags": "1,2,12", "rolling": "mean:4"}


@pytest.fixture(scope="module", params=["lightgbm", "xgboost"])
def files(request, tmp_path_factory) -> tuple[str, Path, Path]:
    name = request.param
    where = tmp_path_factory.mktemp(name)
    series = panel(3)
    glob = TreeForecaster(name, SMALL).fit(series, calibrate_steps=3, levels=(80,))
    save_global_model(where / "global.fcm", glob, {"horizon": 3}, "id")
    one = get_spec(name).create(SMALL).fit(series[0][1])
    save_model(where / "one.fcm", one, {"n": len(series[0][1])})
    return name, where / "global.fcm", where / "one.fcm"


def _copy(path: Path, tmp_path: Path) -> Path:
    out = tmp_path / path.name
    out.write_bytes(path.read_bytes())
    return out


def _global(change: Callable[[dict[str, Any], dict[str, np.ndarray]], None]) -> Any:
    return lambda meta, arrays: change(meta["global"], arrays)


def _one(change: Callable[[dict[str, Any], dict[str, np.ndarray]], None]) -> Any:
    def inner(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        core = {k[len("core.") :]: v for k, v in arrays.items() if k.startswith("core.")}
        change(meta["state"]["fitted"]["core"], core)
        arrays.update({f"core.{k}": v for k, v in core.items()})

    return inner


def _booster_text(edit: Callable[[str], str]) -> Any:
    def change(state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        state["boosters"][0][0]["text"] = edit(state["boosters"][0][0]["text"])

    return change


def _key(key: str, value: Any) -> Any:
    def change(state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        state[key] = value

    return change


def _array(key: str, value: Callable[[np.ndarray], np.ndarray]) -> Any:
    def change(state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        arrays[key] = value(arrays[key])

    return change


FORGERIES = {
    "lags that differ from the parameters": (_key("features", {"lags": [1], "rolling": [],
        "expanding": False, "calendar": ["month"], "series_id": False}), "features"),
    "a booster that is not the library's format": (_booster_text(lambda t: "x" + t), "booster"),
    "a booster over another number of features": (
        _booster_text(lambda t: t.replace("max_feature_idx=4", "max_feature_idx=9").replace(
            '"num_feature":"5"', '"num_feature":"9"')), "features"),
    "a booster too long": (_booster_text(lambda t: t + " " * 50_000_001), "chars"),
    "more steps of boosters": (lambda s, a: s["boosters"].append(s["boosters"][0]), "steps"),
    "a negative scale": (_array("scales", lambda a: -a), "scales"),
    "a tail that is not the last values": (_array("tails", lambda a: a[:, ::-1].copy() * np.nan),
                                           "tail"),
    "an unknown objective": (_key("params", {"objective": "poisson"}), "objective"),
    "a horizon of zero": (_key("horizon", 0), "horizon"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(FORGERIES))
def test_forged_global_and_per_series_files_are_refused(files, case, tmp_path) -> None:
    _, global_file, one_file = files
    change, word = FORGERIES[case]
    for path, wrap in ((global_file, _global), (one_file, _one)):
        forged = _copy(path, tmp_path)
        forge(forged, wrap(change))
        with pytest.raises(ModelFileError, match=r"is damaged|does not know") as caught:
            load_model_file(forged)
        assert "\n" not in caught.value.message
        assert word in caught.value.message, caught.value.message


def test_genuine_files_load(files) -> None:
    _, global_file, one_file = files
    assert isinstance(load_model_file(global_file).model, TreeForecaster)
    assert load_model_file(one_file).model.predict(3).mean.shape == (3,)
