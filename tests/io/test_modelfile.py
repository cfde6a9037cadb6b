"""Model files: round trip, atomic writes, and a one-line refusal of every bad file."""

from __future__ import annotations

import json
import os
import re
import struct

import numpy as np
import pandas as pd
import pytest

from forecast.errors import ModelFileError
from forecast.io import atomic, modelfile
from forecast.io.modelfile import load_model, read_metadata, save_model
from forecast.models.registry import create


@pytest.fixture
def model():
    y = pd.Series(
        np.sin(np.arange(60) / 3) * 10 + np.arange(60),
        index=pd.date_range("2020-01-01", periods=60, freq="D"),
    )
    return create("arima", {"order": "1,1,0"}).fit(y)


def _rewrite_metadata(path, change, valid_checksum: bool = False) -> None:
    """Edit the JSON metadata in place, keeping the safetensors layout valid (and, if asked,
    the checksum: a consistent file that says something else)."""
    from safetensors.numpy import load, save

    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    meta = json.loads(json.loads(raw[8 : 8 + size])["__metadata__"]["forecast"])
    arrays = load(raw)
    change(meta)
    if valid_checksum:
        meta.pop("checksum")
        meta["checksum"] = modelfile._checksum(meta, arrays)
    path.write_bytes(save(arrays, metadata={"forecast": json.dumps(meta)}))


def test_metadata_documents_the_model(model, tmp_path) -> None:
    path = save_model(tmp_path / "m.fcm", model, {"source": "x.csv", "n": 60}, {"horizon": 5})
    meta = read_metadata(path)
    assert meta["format"] == "forecast-model" and meta["format_version"] == 1
    assert meta["model"] == "arima" and meta["training"] == {"source": "x.csv", "n": 60}
    assert meta["state"]["params"] == {"order": [1, 1, 0], "trend": "auto"}
    assert meta["state"]["summary"]["order"] == [1, 1, 0]
    assert meta["checksum"].startswith("sha256:") and "statsmodels" in meta["versions"]
    assert meta["defaults"] == {"horizon": 5}
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_no_pickle_anywhere(model, tmp_path) -> None:
    path = save_model(tmp_path / "m.fcm", model, {})
    raw = path.read_bytes()
    assert b"\x80\x04\x95" not in raw and b"cnumpy" not in raw  # no pickle protocol markers
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    assert {k for k in header if k != "__metadata__"} == {"y", "params"}
    assert {v["dtype"] for k, v in header.items() if k != "__metadata__"} == {"F64"}


def test_crash_during_write_leaves_the_old_file(model, tmp_path, monkeypatch) -> None:
    path = save_model(tmp_path / "m.fcm", model, {"version": "old"})
    before = path.read_bytes()

    def crash(src, dst):
        raise KeyboardInterrupt  # killed between writing the temporary file and the rename

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        save_model(path, model, {"version": "new"})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.fcm"]


def test_write_into_missing_folder_is_a_usage_error(model, tmp_path) -> None:
    from forecast.errors import UsageError

    with pytest.raises(UsageError, match="does not exist; create it first"):
        save_model(tmp_path / "nope" / "m.fcm", model, {})


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[:-20]), "truncated or damaged"),
        (lambda p: p.write_bytes(p.read_bytes()[:100]), "truncated"),
        (lambda p: p.write_bytes(b""), "not a forecast model file (only 0 bytes)"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200)), "not a forecast model file"),
        (lambda p: p.write_text("date,value\n2020-01-01,3\n"), "not a forecast model file"),
    ],
)
def test_damaged_files(model, tmp_path, damage, message) -> None:
    path = save_model(tmp_path / "m.fcm", model, {})
    damage(path)
    with pytest.raises(ModelFileError, match=re.escape(message)):
        load_model(path)


def test_tampered_array_fails_the_checksum(model, tmp_path) -> None:
    path = save_model(tmp_path / "m.fcm", model, {})
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0x40  # flip a bit in the last array
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="failed its checksum"):
        load_model(path)


def test_tampered_metadata_fails_the_checksum(model, tmp_path) -> None:
    path = save_model(tmp_path / "m.fcm", model, {})
    _rewrite_metadata(path, lambda m: m["state"]["params"].update(order=[2, 1, 0]))
    with pytest.raises(ModelFileError, match="failed its checksum"):
        load_model(path)


def test_other_format_version_is_refused(model, tmp_path) -> None:
    path = save_model(tmp_path / "m.fcm", model, {})
    _rewrite_metadata(path, lambda m: m.update(format_version=2))
    with pytest.raises(ModelFileError, match=r"uses model format version 2; .* reads version 1"):
        load_model(path)


def test_safetensors_without_our_metadata(tmp_path) -> None:
    from safetensors.numpy import save

    path = tmp_path / "weights.safetensors"
    path.write_bytes(save({"w": np.zeros(3)}))
    with pytest.raises(ModelFileError, match="no forecast metadata"):
        load_model(path)


def test_unknown_model_name(model, tmp_path) -> None:
    path = save_model(tmp_path / "m.fcm", model, {})
    _rewrite_metadata(path, lambda m: m.update(model="prophet"), valid_checksum=True)
    with pytest.raises(
        ModelFileError, match="holds a model 'prophet' that this forecast does not know"
    ):
        load_model(path)


def test_bad_parameters_in_a_consistent_file_are_refused(model, tmp_path) -> None:
    path = save_model(tmp_path / "m.fcm", model, {})
    _rewrite_metadata(path, lambda m: m["state"]["params"].update(order="x"), valid_checksum=True)
    with pytest.raises(ModelFileError, match="is damaged: arima: parameter order=x is not valid"):
        load_model(path)


def test_missing_state_in_a_consistent_file(model, tmp_path) -> None:
    path = save_model(tmp_path / "m.fcm", model, {})
    _rewrite_metadata(path, lambda m: m["state"].pop("fitted"), valid_checksum=True)
    with pytest.raises(ModelFileError, match="is damaged: cannot restore the model"):
        load_model(path)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(ModelFileError, match="model file not found"):
        load_model(tmp_path / "none.fcm")
    os.mkdir(tmp_path / "dir.fcm")
    with pytest.raises(ModelFileError, match="is a directory"):
        load_model(tmp_path / "dir.fcm")
