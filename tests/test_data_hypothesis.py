"""Property: whatever CSV-like text arrives, the loader returns a valid series or raises one of
the project's own errors (never a pandas/numpy exception or a traceback)."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.data import load_series
from forecast.errors import ForecastError

FIELDS = st.one_of(
    st.sampled_from(["", "NA", "nan", "inf", "-inf", "1e400", "abc", '"', "1,5", "1.234,5", " 7 "]),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.text(max_size=8),
)
ROWS = st.lists(st.lists(FIELDS, min_size=1, max_size=4), max_size=25)
DELIMITERS = st.sampled_from([",", ";", "\t", "|"])


def _render(rows: list[list[str]], delimiter: str, header: bool) -> bytes:
    lines = [delimiter.join(["date", "value"])] if header else []
    lines += [delimiter.join(r) for r in rows]
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def _check(raw: bytes) -> None:
    try:
        series = load_series("-", stdin=io.BytesIO(raw), min_length=2)
    except ForecastError as exc:
        # one printable line: field values echoed in the message (control characters, escape
        # sequences) are shown escaped, never raw
        assert exc.message.isprintable(), repr(exc.message)
        return
    y = series.y
    assert y.index.is_monotonic_increasing and y.index.is_unique
    assert np.isfinite(y.to_numpy()).all() and len(y) >= 2


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS, delimiter=DELIMITERS, header=st.booleans())
def test_structured_csv_like_input(rows, delimiter, header) -> None:
    _check(_render(rows, delimiter, header))


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes(raw: bytes) -> None:
    _check(raw)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=3, max_size=40),
    start=st.dates(min_value=__import__("datetime").date(1800, 1, 1)),
    drop=st.sets(st.integers(0, 39), max_size=5),
)
def test_valid_daily_series_round_trips(values, start, drop) -> None:
    """Regular daily data with some rows removed: values survive exactly, gaps are refused or
    filled as asked, and a constant series is refused."""
    import pandas as pd

    index = pd.date_range(start, periods=len(values), freq="D")
    keep = [i for i in range(len(values)) if i not in drop or i in (0, len(values) - 1)]
    text = "date,value\n" + "".join(f"{index[i].date()},{values[i]!r}\n" for i in keep)
    try:
        series = load_series("-", stdin=io.BytesIO(text.encode()), freq="D", missing="interpolate")
    except ForecastError as exc:
        assert "constant" in str(exc)
        assert len({values[i] for i in keep}) == 1
        return
    assert len(series.y) == len(values)
    np.testing.assert_array_equal(series.y.to_numpy()[keep], np.array(values)[keep])
