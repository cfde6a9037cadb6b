"""Random long-format panels for the panel tests, and reading one series back out of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

FREQS = {"MS": "%Y-%m-%d", "D": "%Y-%m-%d", "h": "%Y-%m-%d %H:%M"}


def make_panel(
    seed: int, k: int, freq: str = "MS", min_n: int = 30, max_n: int = 60
) -> pd.DataFrame:
    """``k`` series with their own start, length, level and AR(1) noise; rows shuffled."""
    rng = np.random.default_rng(seed)
    frames = []
    for s in range(k):
        n = int(rng.integers(min_n, max_n + 1))
        start = pd.Timestamp("2015-01-01") + pd.tseries.frequencies.to_offset(freq) * int(
            rng.integers(0, 24)
        )
        index = pd.date_range(start, periods=n, freq=freq)
        noise = np.zeros(n)
        shocks = rng.normal(size=n)
        for i in range(1, n):
            noise[i] = 0.6 * noise[i - 1] + shocks[i]
        season = 3 * np.sin(2 * np.pi * np.arange(n) / 12)
        values = np.round(50 + rng.uniform(-20, 20) + season + noise.cumsum() * 0.5, 4)
        frames.append(
            pd.DataFrame({"unique_id": f"s{s:02d}", "ds": index.strftime(FREQS[freq]), "y": values})
        )
    panel = pd.concat(frames, ignore_index=True)
    return panel.iloc[rng.permutation(len(panel))].reset_index(drop=True)


def write(frame: pd.DataFrame, path: Path) -> str:
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return str(path)


def one_series(frame: pd.DataFrame, sid: str, path: Path) -> str:
    """The rows of series ``sid`` alone, as a single-series CSV (time, value)."""
    rows = frame[frame["unique_id"] == sid][["ds", "y"]]
    rows.to_csv(path, index=False)
    return str(path)


def run_cli(
    args: list[object], vectorised: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """``forecast ARGS`` in this process (exit code, stdout, stderr), by the vectorised panel
    path or, ``vectorised=False``, series by series (no model has a batch function)."""
    import contextlib
    import io

    import forecast.fitting.batch as batch
    from forecast.cli.app import main

    with monkeypatch.context() as patch:
        if not vectorised:
            patch.setattr(batch, "BATCH_MODELS", {})
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()
