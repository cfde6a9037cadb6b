"""`forecast inspect`: verified metadata of a model file."""

from __future__ import annotations

import json

from tests.conftest import SAMPLES


def test_inspect_prints_verified_metadata(cli, tmp_path) -> None:
    path = tmp_path / "nile.fcm"
    assert (
        cli("fit", str(SAMPLES / "nile.csv"), "-m", "ar", "-p", "p=2", "--save", str(path)).code
        == 0
    )
    result = cli("inspect", str(path))
    meta = json.loads(result.stdout)
    assert result.code == 0 and meta["model"] == "ar" and meta["format_version"] == 1
    assert meta["training"]["n"] == 100 and meta["training"]["end"] == "1970-01-01T00:00:00"
    assert meta["state"]["params"]["p"] == 2 and meta["checksum"].startswith("sha256:")


def test_inspect_refuses_a_tampered_file(cli, tmp_path) -> None:
    path = tmp_path / "nile.fcm"
    cli("fit", str(SAMPLES / "nile.csv"), "-m", "naive", "--save", str(path))
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    result = cli("inspect", str(path))
    assert result.code == 2 and "failed its checksum" in result.stderr
