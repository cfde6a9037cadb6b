"""The model catalogue page (docs/models/catalogue.md) is what scripts/make_model_catalogue.py
writes from the registry, so it cannot drift from `forecast models`; every registered model has
its intervals and reference in the script, and the page states each parameter as the registry
checks it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from forecast.errors import UsageError
from forecast.models.registry import REGISTRY, get_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalogue() -> ModuleType:
    path = ROOT / "scripts" / "make_model_catalogue.py"
    spec = importlib.util.spec_from_file_location("make_model_catalogue", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclass-like NamedTuples resolve their module
    spec.loader.exec_module(module)
    return module


def test_the_committed_page_is_the_generated_one(catalogue: ModuleType) -> None:
    committed = catalogue.PAGE.read_text(encoding="utf-8")
    assert committed == catalogue.render(), (
        "docs/models/catalogue.md is stale: run python scripts/make_model_catalogue.py"
    )


def test_every_registered_model_has_a_section_and_its_intervals_and_reference(
    catalogue: ModuleType,
) -> None:
    assert set(catalogue.ABOUT) == set(REGISTRY)
    page = catalogue.render()
    for name, spec in REGISTRY.items():
        assert f"## `{name}`" in page
        for param in spec.params:
            assert f"| `{param.name}` |" in page


def test_the_bounds_shown_are_the_bounds_checked(catalogue: ModuleType) -> None:
    # tsb's alpha_d: ">= 0, <= 1" on the page; the registry takes 1 and refuses 1.5 and -0.1
    alpha = next(p for p in get_spec("tsb").params if p.name == "alpha_d")
    assert catalogue.bounds(alpha) == ">= 0, <= 1"
    assert get_spec("tsb").resolve({"alpha_d": "1"})["alpha_d"] == 1.0
    for bad in ("1.5", "-0.1"):
        with pytest.raises(UsageError):
            get_spec("tsb").resolve({"alpha_d": bad})
    # an int without a stated maximum is capped at the registry's MAX_INT, and says so
    folds = next(p for p in get_spec("sparse-ar").params if p.name == "folds")
    assert catalogue.bounds(folds) == ">= 2, <= 1,000,000"
    dropout = next(p for p in get_spec("lstm").params if p.name == "dropout")
    assert catalogue.bounds(dropout) == ">= 0, < 1"
    with pytest.raises(UsageError):
        get_spec("lstm").resolve({"dropout": "1"})
