"""Model files: one file per fitted model, safe to load from anywhere.

The file is a safetensors file (https://github.com/huggingface/safetensors): an 8-byte header
length, a JSON header, then raw little-endian arrays. Loading it parses JSON and copies bytes;
nothing in it can execute code (no pickle). The header's ``__metadata__`` holds one entry,
``forecast``, a JSON document:

    format            "forecast-model"
    format_version    1
    model             registry name ("sarima", "lstm"...)
    created_utc       when the file was written
    versions          forecast, python, numpy, pandas and the model's libraries
    training          source, columns, freq, start, end, n of the data it was fitted on
    defaults          the horizon and levels used at fit time (predict's defaults)
    state             the model's parameters, fitted values and summary (see each model)
    checksum          "sha256:<hex>" of the canonical metadata (without this field) and every
                      array's name, dtype, shape and bytes

The arrays are the training values (``y``) and whatever the model needs (ARIMA parameter
vectors, network weights). Writes are atomic (temporary file, fsync, rename).

A panel's file holds every series' fitted model in one file. Instead of ``state`` and
``training`` its metadata has ``panel``: ``{"id_col", "series": [{"id", "model", "training",
"state"}, ...]}`` in id order (``model`` is the series' own model: the fallback's name where the
fallback forecast it), and the arrays of series ``i`` are named ``"{i}/NAME"``. The checksum
covers all of it. A run of several models (``fit -m ets -m theta``) writes one entry per series
and model, each with ``label`` (the model the run asked for: ``ets``), and ``panel.labels``
lists them in the run's order; ``predict --model LABEL`` reads one of them.

A global neural model's file (one network for every series of a panel,
:mod:`forecast.models.neural.global_model`) has ``global`` instead: the model, its parameters,
window, horizon, period, architecture, training record, ``id_col`` and ``series: [{"id",
"start", "end", "n", "training"}, ...]``; its arrays are the weights (``weights.*``) and, over
the series, ``centers``, ``scales``, ``phases``, ``last_windows`` and ``calibration_errors``.
A global tree model's ``global`` (lightgbm, xgboost; :mod:`forecast.models.trees.model`) holds
its features, horizon, the series and ``boosters``: per step, the boosters as their libraries'
own text (LightGBM's ``model_to_string``) or JSON (XGBoost's ``save_raw('json')``), checked by
:mod:`forecast.models.trees.schema` before a library parses them; its arrays are the series'
transform parameters, last values and calibration errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast import __version__
from forecast.errors import ModelFileError, UsageError, printable
from forecast.io.atomic import atomic_write_bytes
from forecast.io.jsonable import jsonable
from forecast.io.modelschema import MAX_HEADER_BYTES, check_entry, check_global, check_top
from forecast.models.trees import TREE_MODELS
from forecast.versions import library_versions

if TYPE_CHECKING:
    from forecast.models.base import BaseForecaster
    from forecast.models.neural.global_model import GlobalForecaster
    from forecast.models.trees.model import TreeForecaster

FORMAT = "forecast-model"
FORMAT_VERSION = 1
METADATA_KEY = "forecast"
_LIBRARIES = ("numpy", "pandas", "statsmodels", "pmdarima", "scikit-learn", "torch")


class _FileDefaults:
    """The fit's horizon and levels, as a model file records them (predict's defaults)."""

    metadata: dict[str, Any]

    @property
    def defaults(self) -> dict[str, Any]:
        return dict(self.metadata.get("defaults", {}))


@dataclass(frozen=True)
class LoadedModel(_FileDefaults):
    """A model restored from a file, and the file's metadata."""

    model: BaseForecaster
    metadata: dict[str, Any]


@dataclass(frozen=True)
class LoadedPanel(_FileDefaults):
    """A panel's models restored from one file (id order), and the file's metadata."""

    models: list[tuple[str, BaseForecaster]]
    metadata: dict[str, Any]
    labels: tuple[str | None, ...] = ()  # each entry's ``label`` (a several-model file)

    @property
    def model_labels(self) -> list[str]:
        """The models of a several-model file, in the run's order ([] for one model)."""
        listed = self.metadata.get("panel", {}).get("labels")
        return [str(x) for x in listed] if isinstance(listed, list) else []

    def only(self, label: str) -> LoadedPanel:
        """The entries of one model of a several-model file (``predict --model LABEL``)."""
        if label not in self.model_labels:
            known = ", ".join(self.model_labels) or str(self.metadata.get("model"))
            raise UsageError(f"--model {label}: the model file holds {known}; pass one of them")
        kept = [i for i, x in enumerate(self.labels) if x == label]
        meta = {**self.metadata, "model": label}
        return LoadedPanel([self.models[i] for i in kept], meta, tuple(label for _ in kept))

    def select(self, ids: list[str] | None) -> list[tuple[str, BaseForecaster]]:
        """The models of ``ids`` (all when None); an unknown id is a usage error."""
        if ids is None:
            return self.models
        known = dict(self.models)
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise UsageError(f"--ids: no series {unknown[0]!r} in the model file")
        return [(i, known[i]) for i in dict.fromkeys(ids)]


@dataclass(frozen=True)
class LoadedGlobal(_FileDefaults):
    """A global model over a panel (one network or one set of boosted trees, every series),
    and the metadata."""

    model: GlobalForecaster | TreeForecaster
    metadata: dict[str, Any]


def save_global_model(
    path: str | Path,
    model: GlobalForecaster | TreeForecaster,
    defaults: dict[str, Any] | None = None,
    id_col: str | None = None,
) -> Path:
    """Write a global model (the network, every series' scaler and last window) to one file:
    its metadata has ``global`` (the model's state) instead of ``state`` or ``panel``."""
    state, arrays = model.get_state()
    return _write(path, model.model, {"global": {**state, "id_col": id_col}}, arrays, defaults)


def save_model(
    path: str | Path,
    model: BaseForecaster,
    training: dict[str, Any],
    defaults: dict[str, Any] | None = None,
) -> Path:
    """Write ``model`` to ``path`` atomically; returns the path."""
    state, arrays = model.get_state()
    body = {"training": training, "state": state}
    return _write(path, model.name, body, arrays, defaults)


def save_panel_model(
    path: str | Path,
    model_name: str,
    series: list[tuple[str, BaseForecaster, dict[str, Any], str]],
    id_col: str | None,
    defaults: dict[str, Any] | None = None,
    labels: list[str] | None = None,
) -> Path:
    """Write every series' fitted model, ``(id, model, training, label)`` in id order, to one
    file; ``labels``: the models of a several-model run (each entry keeps its ``label``)."""
    entries: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
    for i, (sid, model, training, label) in enumerate(series):
        state, own = model.get_state()
        entry = {"id": sid, "model": model.name, "training": training, "state": state}
        entries.append({**entry, "label": label} if labels else entry)
        arrays.update({f"{i}/{name}": a for name, a in own.items()})
    listed = {"labels": labels} if labels else {}
    body = {"panel": {"id_col": id_col, **listed, "series": entries}}
    return _write(path, model_name, body, arrays, defaults)


def _write(
    path: str | Path,
    model_name: str,
    body: dict[str, Any],
    arrays: dict[str, np.ndarray],
    defaults: dict[str, Any] | None,
) -> Path:
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model_name,
        "created_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "versions": library_versions(),
        "defaults": defaults or {},
        **body,
    }
    meta = jsonable(meta)  # plain JSON types (numpy scalars, tuples, NaN -> null)
    arrays = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
    meta["checksum"] = _checksum(meta, arrays)
    return atomic_write_bytes(path, _serialise(meta, arrays))


def load_model(path: str | Path) -> LoadedModel:
    """Read, verify and restore a one-series model file; any problem is a ModelFileError."""
    loaded = load_model_file(path)
    if isinstance(loaded, LoadedPanel):
        raise ModelFileError(f"{path} holds a panel of {len(loaded.models)} series' models")
    if isinstance(loaded, LoadedGlobal):
        raise ModelFileError(f"{path} holds a global model of {len(loaded.model.ids_)} series")
    return loaded


def load_model_file(path: str | Path) -> LoadedModel | LoadedPanel | LoadedGlobal:
    """Read, verify and restore a model file of one series or of a panel; any problem is a
    one-line ModelFileError."""
    label = printable(str(path))
    raw = _read(path)
    meta = _metadata(raw, label)
    version = meta.get("format_version")
    if meta.get("format") != FORMAT:
        raise ModelFileError(
            f"{label} is not a forecast model file (format {meta.get('format')!r})"
        )
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{label} uses model format version {version}; forecast {__version__} reads version "
            f"{FORMAT_VERSION}; refit the model with this version or use a matching forecast"
        )
    arrays = _arrays(raw, label)
    expected = meta.pop("checksum", None)
    if expected != _checksum(meta, arrays):
        raise ModelFileError(
            f"{label} failed its checksum: the file was modified or damaged; refit the model"
        )
    meta["checksum"] = expected
    check_top(meta, label)  # a valid checksum proves nothing more: every field is checked
    if "global" in meta:
        check_global(meta["global"], arrays, label)
        return LoadedGlobal(_restore_global(meta["global"], arrays, label), meta)
    if "panel" not in meta:
        model = meta.get("model")
        check_entry(label, model, meta.get("state"), meta.get("training"), arrays)
        return LoadedModel(_restore(model, meta.get("state"), arrays, label), meta)
    panel = meta["panel"]
    entries = panel.get("series") if isinstance(panel, dict) else None
    if not isinstance(entries, list):
        raise ModelFileError(f"{label} is damaged: its panel has no series list")
    if not entries:
        raise ModelFileError(f"{label} is damaged: the model file has no series; refit the model")
    models, labels = [], []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise ModelFileError(f"{label} is damaged: panel entry {i} has no id")
        prefix = f"{i}/"
        own = {k[len(prefix) :]: a for k, a in arrays.items() if k.startswith(prefix)}
        where = f"{label} (series {printable(entry['id'])})"
        check_entry(where, entry.get("model"), entry.get("state"), entry.get("training"), own)
        models.append((entry["id"], _restore(entry.get("model"), entry.get("state"), own, label)))
        labels.append(entry.get("label") if isinstance(entry.get("label"), str) else None)
    return LoadedPanel(models, meta, tuple(labels))


def _restore_global(
    state: Any, arrays: dict[str, np.ndarray], label: str
) -> GlobalForecaster | TreeForecaster:
    from forecast.models.neural.global_model import GlobalForecaster
    from forecast.models.trees.model import TreeForecaster

    kind = TreeForecaster if state["model"] in TREE_MODELS else GlobalForecaster
    try:
        return kind.from_state(state, arrays)
    except UsageError as exc:
        raise ModelFileError(f"{label} is damaged: {exc.message}") from None
    except (KeyError, TypeError, ValueError, IndexError, RuntimeError) as exc:
        raise ModelFileError(f"{label} is damaged: cannot restore the model ({exc!r})") from None


def _restore(name: Any, state: Any, arrays: dict[str, np.ndarray], label: str) -> BaseForecaster:
    from forecast.models.registry import REGISTRY

    if not isinstance(name, str) or name not in REGISTRY:
        raise ModelFileError(f"{label} holds a model {name!r} that this forecast does not know")
    spec = REGISTRY[name]
    try:
        restored = dict(state)
        restored["params"] = spec.resolve(restored["params"])  # the registry's checks
        return spec.factory().from_state(restored, arrays)
    except UsageError as exc:
        raise ModelFileError(f"{label} is damaged: {exc.message}") from None
    except (KeyError, TypeError, ValueError, IndexError, OverflowError, RuntimeError) as exc:
        # RuntimeError: torch refusing weights whose shapes differ from the architecture
        text = printable(str(exc))[:200]
        raise ModelFileError(f"{label} is damaged: cannot restore the model ({text})") from None


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata alone (no arrays, no checksum check): for listing and inspection."""
    return _metadata(_read(path), str(path))


# --- format -------------------------------------------------------------------------------------


def _serialise(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    from safetensors.numpy import save

    return bytes(save(arrays, metadata={METADATA_KEY: json.dumps(meta, sort_keys=True)}))


def _read(path: str | Path) -> bytes:
    """The file's bytes, through the bounded reader (FORECAST_MAX_BYTES; a device is refused,
    and a stream whose first 8 bytes are not a plausible header length at once)."""
    from forecast.data.input_limits import max_bytes
    from forecast.io.bounded import read_bounded

    def check_header(first: bytes) -> None:
        if len(first) >= 8:
            (size,) = struct.unpack("<Q", first[:8])
            if not 0 < size <= MAX_HEADER_BYTES:
                raise ModelFileError(
                    f"{printable(str(path))} is not a forecast model file (its header says "
                    f"{size} bytes)"
                )

    return read_bounded(
        path,
        what="model file",
        limit=max_bytes(),
        override="FORECAST_MAX_BYTES",
        error=ModelFileError,
        check_start=check_header,
    )


def _metadata(raw: bytes, label: str) -> dict[str, Any]:
    """The JSON metadata from the safetensors header, checked for shape only."""
    not_model = f"{label} is not a forecast model file"
    if len(raw) < 8:
        raise ModelFileError(f"{not_model} (only {len(raw)} bytes)")
    (size,) = struct.unpack("<Q", raw[:8])
    if size > len(raw) - 8 or size > MAX_HEADER_BYTES:
        raise ModelFileError(f"{not_model}, or it is truncated (its header says {size} bytes)")
    try:
        header = json.loads(raw[8 : 8 + size])
        meta = json.loads(header["__metadata__"][METADATA_KEY])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, RecursionError):
        # RecursionError: JSON nested thousands deep
        raise ModelFileError(f"{not_model} (no forecast metadata in its header)") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"{not_model} (its metadata is not a JSON object)")
    return meta


def _arrays(raw: bytes, label: str) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError
    from safetensors.numpy import load

    try:
        return dict(load(raw))
    except (SafetensorError, ValueError) as exc:
        raise ModelFileError(f"{label} is truncated or damaged ({exc}); refit the model") from None


def _checksum(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True, separators=(",", ":")).encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}".encode())
        digest.update(array.tobytes())
    return f"sha256:{digest.hexdigest()}"
