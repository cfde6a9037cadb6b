"""Issue #24 item 3: every file the tool reads goes through one bounded reader
(:func:`forecast.io.bounded.read_bounded`). A device is refused before it is opened, a regular
file over its limit from its size, a FIFO as soon as it passes the limit; each refusal is exit 2
with one line naming the file, the limit and its override. Before, ``inspect /dev/zero``,
``predict /dev/zero``, ``--config /dev/zero`` and ``--ids-file /dev/zero`` read until memory ran
out."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError, ModelFileError, UsageError
from forecast.io.bounded import read_bounded, read_stream

from ..conftest import ROOT, SAMPLES

AIR = SAMPLES / "airpassengers.csv"
LAKE = SAMPLES / "lakehuron.csv"
LAKE_FUTURE = SAMPLES / "lakehuron_future.csv"
MEMORY = 4 * 2**30  # a run that reads /dev/zero to the end would pass this in seconds
TIMEOUT = 60  # the refusals below take well under a second; the old reads never ended


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def forecast(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``forecast ARGS`` in a child process with a memory cap and a time limit."""
    return subprocess.run(
        [sys.executable, "-m", "forecast", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_limited,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})},
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def panel_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    stamps = pd.date_range("2000-01-01", periods=40, freq="D")
    frame = pd.DataFrame(
        {
            "id": np.repeat(["a", "b"], 40),
            "ds": np.tile(stamps, 2),
            "y": rng.normal(size=80).cumsum() + 50,
        }
    )
    path = tmp_path_factory.mktemp("p") / "base.parquet"
    frame.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("m") / "m.fcm"
    result = forecast("fit", AIR, "-m", "naive", "--save", path, "-q", "-f", "csv")
    assert result.returncode == 0, result.stderr
    return path


DEVICE_CASES = {
    "inspect": (["inspect", "/dev/zero"], "/dev/zero is a device or socket, not a model file"),
    "predict": (["predict", "/dev/zero"], "/dev/zero is a device or socket, not a model file"),
    "config": (
        ["fit", AIR, "-m", "naive", "--config", "/dev/zero"],
        "/dev/zero is a device or socket, not a config file",
    ),
    "future": (
        ["fit", LAKE, "-m", "arima", "--exog", "trend", "--future", "/dev/zero"],
        "/dev/zero is a device or socket, not a CSV file",
    ),
    "data": (["diagnose", "/dev/urandom"], "/dev/urandom is a device or socket, not a CSV file"),
}


@pytest.mark.parametrize("case", sorted(DEVICE_CASES))
def test_a_device_is_refused_at_once(case: str) -> None:
    args, message = DEVICE_CASES[case]
    result = forecast(*args)
    assert result.returncode == 2, result.stderr
    assert (
        result.stderr.strip()
        == f"error: {message}: it has no end; give a file (or pipe the data in)"
    )
    assert result.stdout == ""


def test_an_ids_file_that_is_a_device_is_refused(panel_parquet: Path) -> None:
    result = forecast("fit", panel_parquet, "-m", "naive", "-q", "--ids-file", "/dev/zero")
    assert result.returncode == 2, result.stderr
    assert "error: /dev/zero is a device or socket, not an ids file" in result.stderr


# --- the limits, each named with its override ---------------------------------------------------


def _config(tmp: Path) -> Path:
    path = tmp / "run.toml"
    path.write_text('model = "naive"\nhorizon = 3\n' + "# padding\n" * 20)
    return path


def _ids(tmp: Path) -> Path:
    path = tmp / "ids.txt"
    path.write_text("a\nb\n" + "# padding\n" * 20)
    return path


def test_each_input_is_bounded_by_its_limit(
    cli, tmp_path, monkeypatch, panel_parquet, model_file
) -> None:
    """One reader for all: with the limits lowered, each kind of file is refused by name."""
    monkeypatch.setenv("FORECAST_MAX_BYTES", "150")
    monkeypatch.setenv("FORECAST_MAX_OPTION_BYTES", "150")
    big_future = tmp_path / "future.csv"
    big_future.write_text(LAKE_FUTURE.read_text() + "\n" * 2000)
    cases = [
        (
            ["fit", AIR, "-m", "naive"],
            f"CSV file {AIR} is larger than the 150-byte limit; raise FORECAST_MAX_BYTES",
        ),
        (
            ["predict", model_file],
            f"model file {model_file} is larger than the 150-byte limit; raise FORECAST_MAX_BYTES",
        ),
        (["inspect", model_file], f"model file {model_file} is larger than the 150-byte limit"),
    ]
    for args, message in cases:
        result = cli(*args)
        assert result.code == 2 and message in result.stderr, (args, result.stderr)
        assert len(result.stderr.splitlines()) == 1
    monkeypatch.setenv("FORECAST_MAX_BYTES", str(10**9))
    for args, message in [
        (
            ["fit", AIR, "-m", "naive", "--config", _config(tmp_path)],
            "is larger than the 150-byte limit; raise FORECAST_MAX_OPTION_BYTES",
        ),
        (
            ["fit", panel_parquet, "-m", "naive", "--ids-file", _ids(tmp_path)],
            "is larger than the 150-byte limit; raise FORECAST_MAX_OPTION_BYTES",
        ),
    ]:
        result = cli(*args)
        assert result.code == 2 and message in result.stderr, (args, result.stderr)
    monkeypatch.setenv("FORECAST_MAX_BYTES", "1600")
    result = cli("fit", LAKE, "-m", "arima", "--exog", "trend", "--future", big_future, "-q")
    assert (
        result.code == 2
        and f"CSV file {big_future} is larger than the 1,600-byte limit" in result.stderr
    )


def test_an_ids_file_that_is_not_utf8_is_a_usage_error(cli, tmp_path, panel_parquet) -> None:
    path = tmp_path / "ids.txt"
    path.write_bytes(b"a\n\xff\xfe\xfa\n")
    result = cli("fit", panel_parquet, "-m", "naive", "--ids-file", path)
    assert result.code == 2 and f"--ids-file {path} is not UTF-8 text" in result.stderr
    assert "internal error" not in result.stderr


# --- read_bounded itself: the boundary, FIFOs, a stream that cannot be what it claims -----------


def test_the_limit_is_inclusive(tmp_path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_bounded(path, what="file", limit=100, override="X") == b"x" * 100
    with pytest.raises(InputError, match=r"file .* is larger than the 99-byte limit; raise X"):
        read_bounded(path, what="file", limit=99, override="X")


@contextmanager
def fifo_fed(path: Path, data: bytes | None) -> Iterator[None]:
    """A FIFO at ``path`` whose writer sends ``data`` (None: zeros until the reader leaves)."""
    os.mkfifo(path)

    def write() -> None:
        try:
            with open(path, "wb") as out:
                if data is not None:
                    out.write(data)
                    return
                block = bytes(1 << 16)
                while True:
                    out.write(block)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    yield
    writer.join(timeout=10)
    assert not writer.is_alive()


def test_a_fifo_is_read_up_to_its_limit(tmp_path) -> None:
    path = tmp_path / "pipe"
    with fifo_fed(path, b"y" * 5000):
        assert read_bounded(path, what="file", limit=5000, override="X") == b"y" * 5000
    os.unlink(path)
    with fifo_fed(path, b"y" * 5001), pytest.raises(InputError, match="5,000-byte limit"):
        read_bounded(path, what="file", limit=5000, override="X")


def test_an_endless_fifo_is_refused_at_its_limit(tmp_path) -> None:
    path = tmp_path / "zeros"
    with fifo_fed(path, None), pytest.raises(UsageError, match="1,000,000-byte limit"):
        read_bounded(path, what="config file", limit=10**6, override="X", error=UsageError)


def test_a_model_file_fifo_of_zeros_is_refused_after_its_first_block(tmp_path) -> None:
    """The header length (the first 8 bytes) is checked before the rest is read."""
    path = tmp_path / "model.fcm"
    with fifo_fed(path, None):
        result = forecast("inspect", path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {path} is not a forecast model file (its header says 0 bytes)"
    )


def test_a_config_through_a_fifo_is_read(cli, tmp_path) -> None:
    path = tmp_path / "config"
    with fifo_fed(path, b'model = "drift"\nhorizon = 2\n'):
        result = cli("fit", AIR, "--config", path, "-f", "csv", "-q")
    assert result.code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3  # the header and 2 steps


def test_the_stream_reader_checks_the_first_block_first() -> None:
    import io

    seen: list[int] = []

    def check(first: bytes) -> None:
        seen.append(len(first))
        raise ModelFileError("no")

    with pytest.raises(ModelFileError):
        read_stream(
            io.BytesIO(bytes(10**6)),
            what="w",
            label="l",
            limit=10**7,
            override="X",
            check_start=check,
        )
    assert seen == [65536]


def test_a_parquet_fifo_is_refused(tmp_path) -> None:
    path = tmp_path / "data.parquet"
    os.mkfifo(path)  # no writer: opening it would wait for ever
    result = forecast("fit", path, "-m", "naive")
    assert result.returncode == 2
    assert f"{path} is a FIFO or pipe; a Parquet file must be a regular file" in result.stderr
