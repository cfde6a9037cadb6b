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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import struct
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast import __version__
from forecast.errors import ModelFileError, UsageError
from forecast.io.atomic import atomic_write_bytes
from forecast.report.export import jsonable

if TYPE_CHECKING:
    from forecast.models.base import BaseForecaster

FORMAT = "forecast-model"
FORMAT_VERSION = 1
METADATA_KEY = "forecast"
_LIBRARIES = ("numpy", "pandas", "statsmodels", "pmdarima", "scikit-learn", "torch")


@dataclass(frozen=True)
class LoadedModel:
    """A model restored from a file, and the file's metadata."""

    model: BaseForecaster
    metadata: dict[str, Any]

    @property
    def defaults(self) -> dict[str, Any]:
        return dict(self.metadata.get("defaults", {}))


def save_model(
    path: str | Path,
    model: BaseForecaster,
    training: dict[str, Any],
    defaults: dict[str, Any] | None = None,
) -> Path:
    """Write ``model`` to ``path`` atomically; returns the path."""
    state, arrays = model.get_state()
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model.name,
        "created_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "versions": _versions(),
        "training": training,
        "defaults": defaults or {},
        "state": state,
    }
    meta = jsonable(meta)  # plain JSON types (numpy scalars, tuples, NaN -> null)
    arrays = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
    meta["checksum"] = _checksum(meta, arrays)
    return atomic_write_bytes(path, _serialise(meta, arrays))


def load_model(path: str | Path) -> LoadedModel:
    """Read, verify and restore a model file; any problem is a one-line ModelFileError."""
    from forecast.models.registry import REGISTRY

    label = str(path)
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
    name = meta.get("model")
    if name not in REGISTRY:
        raise ModelFileError(f"{label} holds a model '{name}' that this forecast does not know")
    spec = REGISTRY[name]
    try:
        state = dict(meta["state"])
        state["params"] = spec.resolve(state["params"])  # the registry's checks, as for --param
        model = spec.factory().from_state(state, arrays)
    except UsageError as exc:
        raise ModelFileError(f"{label} is damaged: {exc.message}") from None
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelFileError(f"{label} is damaged: cannot restore the model ({exc!r})") from None
    return LoadedModel(model, meta)


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata alone (no arrays, no checksum check): for listing and inspection."""
    return _metadata(_read(path), str(path))


# --- format -------------------------------------------------------------------------------------


def _serialise(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    from safetensors.numpy import save

    return bytes(save(arrays, metadata={METADATA_KEY: json.dumps(meta, sort_keys=True)}))


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise ModelFileError(f"model file not found: {path}") from None
    except IsADirectoryError:
        raise ModelFileError(f"{path} is a directory, not a model file") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc.strerror or exc}") from None


def _metadata(raw: bytes, label: str) -> dict[str, Any]:
    """The JSON metadata from the safetensors header, checked for shape only."""
    not_model = f"{label} is not a forecast model file"
    if len(raw) < 8:
        raise ModelFileError(f"{not_model} (only {len(raw)} bytes)")
    (size,) = struct.unpack("<Q", raw[:8])
    if size > len(raw) - 8:
        raise ModelFileError(f"{not_model}, or it is truncated (its header says {size} bytes)")
    try:
        header = json.loads(raw[8 : 8 + size])
        meta = json.loads(header["__metadata__"][METADATA_KEY])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
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


def _versions() -> dict[str, str]:
    versions = {"forecast": __version__, "python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return versions
