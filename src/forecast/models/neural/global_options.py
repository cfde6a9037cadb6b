"""The options of the global neural models (``--param global=...``, ``series_embedding``,
``--deterministic``), apart from :mod:`global_model` so that reading them imports no torch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forecast.errors import UsageError
from forecast.models.trees import TREE_MODELS  # boosted trees are global models too

GLOBAL_MODELS = ("rnn", "lstm", "gru", "transformer", "mlp", "cnn", "tcn", "nbeats", "nhits")
MAX_EMBEDDING = 1024  # series_embedding: learned values per series
# nbeats' and nhits' seeds=auto on a panel: the mean of 3 networks trained from consecutive seeds.
# On 250 M3 monthly series nhits' MASE went from 0.873 to 0.865 (draw A) and 0.865 / 0.891 /
# 0.882 (one seed each) to 0.867 (draw B), sMAPE +2.5 % -> +1.5 % against Theta on B
# (bench/RESULTS.md, issue 33), for three times the training time.
PANEL_SEEDS = 3


@dataclass(frozen=True)
class GlobalOptions:
    """``--param global=...``, ``--param series_embedding=N`` and ``--deterministic``."""

    enabled: bool | None = None  # None: global on a panel of more than one series
    series_embedding: int = 0
    deterministic: bool = False

    def applies(self, model: str, n_series: int) -> bool:
        if model not in GLOBAL_MODELS + TREE_MODELS:
            return False
        return n_series > 1 if self.enabled is None else self.enabled


def split_options(
    model: str, raw: Mapping[str, Any], *, deterministic: bool = False
) -> tuple[GlobalOptions, dict[str, Any]]:
    """Take ``global`` and ``series_embedding`` out of a model's raw parameters."""
    params = dict(raw)
    enabled_raw = params.pop("global", None)
    embedding_raw = params.pop("series_embedding", None)
    given = [k for k, v in (("global", enabled_raw), ("series_embedding", embedding_raw)) if v]
    if model in TREE_MODELS:  # global=..., and --deterministic is their only way anyway
        given = [k for k in given if k != "global"]
        deterministic = False
    if model == "ensemble" and deterministic and not given and _neural_member(raw):
        pass  # --deterministic reaches the ensemble's network (forecast.fitting.global_ensemble)
    elif model not in GLOBAL_MODELS and (given or deterministic):
        what = f"--param {given[0]}" if given else "--deterministic"
        has = f"{model} has none"
        if model == "ensemble" and not given:
            has = "the ensemble has no neural member (add one, e.g. -p members=ets,theta,gru)"
        raise UsageError(f"{what} applies to the neural models ({', '.join(GLOBAL_MODELS)}); {has}")
    enabled = None
    if enabled_raw is not None:
        text = str(enabled_raw).strip().lower()
        if text not in {"true", "false", "1", "0", "yes", "no", "on", "off", "auto"}:
            raise UsageError(f"{model}: parameter global={enabled_raw} must be true, false or auto")
        enabled = None if text == "auto" else text in {"true", "1", "yes", "on"}
    embedding = 0
    if embedding_raw is not None:
        try:
            embedding = int(str(embedding_raw).strip())
        except ValueError:
            embedding = -1
        if not 0 <= embedding <= MAX_EMBEDDING:
            raise UsageError(
                f"{model}: parameter series_embedding={embedding_raw} must be a whole number "
                f"from 0 to {MAX_EMBEDDING}"
            )
        if embedding and enabled is False:
            raise UsageError(
                f"{model}: series_embedding applies to the global model; drop global=false"
            )
    return GlobalOptions(enabled, embedding, deterministic), params


def _neural_member(raw: Mapping[str, Any]) -> bool:
    """Whether an ensemble's raw ``members`` name a neural model."""
    members = raw.get("members", ())
    names = members.split(",") if isinstance(members, str) else list(members)
    return any(str(name).strip() in GLOBAL_MODELS for name in names)
