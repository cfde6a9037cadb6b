"""The tree models' features against a slow pandas reference, and their past-only property.

The reference builds each column with ``shift`` / ``rolling`` / ``expanding`` on the transformed
series, one series at a time, as mlforecast documents its features: lag k of the row at time j
is ``z.shift(k)[j]``, a rolling statistic over window w is ``z.shift(1).rolling(w)``, the
expanding mean ``z.shift(1).expanding().mean()``, the calendar the row's own timestamp. A row
of our matrix with origin t is the reference's row at j = t + 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.errors import UsageError
from forecast.models.trees.features import (
    FeatureSpec,
    calendar_fields,
    calendar_values,
    default_lags,
    future_blocks,
    parse_rolling,
    series_calendars,
)
from forecast.models.trees.training import build_rows

STATS = {"mean": "mean", "std": "std", "min": "min", "max": "max"}


def reference(spec: FeatureSpec, z: pd.Series) -> pd.DataFrame:
    """mlforecast's feature definitions with pandas, row j reading z[.. j - 1]."""
    columns = {f"lag{k}": z.shift(k) for k in spec.lags}
    for stat, w in spec.rolling:
        columns[f"rolling_{stat}_{w}"] = getattr(z.shift(1).rolling(w), STATS[stat])()
    if spec.expanding:
        columns["expanding_mean"] = z.shift(1).expanding().mean()
    for field in spec.calendar:
        index = pd.DatetimeIndex(z.index)
        name = {"dayofweek": "day_of_week"}.get(field, field)
        value = index.isocalendar().week if field == "week" else getattr(index, name)
        columns[field] = pd.Series(np.asarray(value, dtype=float), index=z.index)
    return pd.DataFrame(columns)


@st.composite
def panels(draw):
    n_series = draw(st.integers(1, 4))
    lags = tuple(sorted(draw(st.sets(st.integers(1, 9), min_size=1, max_size=4))))
    rolling = tuple(
        draw(
            st.lists(
                st.tuples(st.sampled_from(list(STATS)), st.integers(2, 8)),
                max_size=3,
                unique=True,
            )
        )
    )
    spec = FeatureSpec(lags, rolling, draw(st.booleans()), ("month", "quarter"))
    seed = draw(st.integers(0, 2**32 - 1))
    lengths = [draw(st.integers(3, 40)) for _ in range(n_series)]
    return spec, seed, lengths


@settings(max_examples=60, deadline=None)
@given(panels())
def test_features_equal_a_pandas_shift_rolling_reference(case) -> None:
    spec, seed, lengths = case
    rng = np.random.default_rng(seed)
    z = [rng.normal(0, 10, n) for n in lengths]
    starts = [pd.Timestamp("2001-01-01") + pd.DateOffset(months=int(m)) for m in range(len(z))]
    stamps = [pd.date_range(s, periods=n, freq="MS") for s, n in zip(starts, lengths, strict=True)]
    calendars = series_calendars(spec.calendar, stamps)
    masks = [np.ones(n, dtype=bool) for n in lengths]
    rows = build_rows(spec, 0, z, masks, calendars, 1)
    expected = []
    for values, start in zip(z, starts, strict=True):
        series = pd.Series(values, index=pd.date_range(start, periods=values.size, freq="MS"))
        frame = reference(spec, series).iloc[spec.lookback :]  # rows with every feature
        expected.append(frame.to_numpy())
    expected = np.concatenate(expected) if expected else np.zeros((0, spec.width))
    assert rows.X.shape == expected.shape
    # a mean/std of w values of size <= 40 is exact to a few ulps of 40 * w; pandas' rolling
    # sums are updated online, ours summed afresh: 1e-9 absolute is far above both
    np.testing.assert_allclose(rows.X, expected, rtol=0, atol=1e-9)
    assert rows.X.shape[1] == len(spec.names())


@settings(max_examples=60, deadline=None)
@given(panels(), st.data())
def test_no_training_row_reads_a_later_value(case, data) -> None:
    """Changing values after a cut changes no row whose origin is before the cut."""
    spec, seed, lengths = case
    rng = np.random.default_rng(seed)
    z = [rng.normal(0, 10, n) for n in lengths]
    cuts = [data.draw(st.integers(0, n - 1)) for n in lengths]
    altered = [np.where(np.arange(v.size) > c, v + rng.normal(0, 100, v.size), v)
               for v, c in zip(z, cuts, strict=True)]  # fmt: skip
    starts = [pd.Timestamp("2001-01-01")] * len(z)
    stamps = [pd.date_range(s, periods=n, freq="MS") for s, n in zip(starts, lengths, strict=True)]
    calendars = series_calendars(spec.calendar, stamps)
    masks = [np.ones(n, dtype=bool) for n in lengths]
    before = build_rows(spec, 0, z, masks, calendars, 1)
    after = build_rows(spec, 0, altered, masks, calendars, 1)
    early = before.origins <= np.asarray(cuts)[before.series]  # features end by the cut
    np.testing.assert_array_equal(before.X[early], after.X[early])


def test_default_lags_follow_the_period_and_the_data() -> None:
    assert default_lags(12, 1000)[0] == (*range(1, 13), 24)
    assert default_lags(48, 1000)[0] == (*range(1, 13), 48, 96)
    assert default_lags(7, 1000)[0] == (1, 2, 3, 4, 5, 6, 7, 14)
    assert default_lags(None, 1000)[0] == (1, 2, 3, 4, 5, 6)
    lags, why = default_lags(52, 60)
    assert lags == (*range(1, 13), 52) and "104 left out" in why


@pytest.mark.parametrize(
    ("freq", "fields"),
    [
        ("MS", ("month",)),
        ("ME", ("month",)),
        ("QS", ("quarter",)),
        ("W-SUN", ("week",)),
        ("D", ("dayofweek", "month")),
        ("B", ("dayofweek", "month")),
        ("h", ("hour", "dayofweek")),
        ("30min", ("hour", "minute", "dayofweek")),
        ("YS", ()),
    ],
)
def test_calendar_fields_of_each_frequency(freq, fields) -> None:
    assert calendar_fields(freq) == fields


def test_future_blocks_equal_each_series_own_dates() -> None:
    fields = ("hour", "minute", "dayofweek")
    ends = [
        pd.Timestamp("2020-01-01 00:00"),
        pd.Timestamp("2020-01-03 05:30"),
        pd.Timestamp("2020-01-02 07:15"),
    ]  # the last one off the others' grid
    for end, (index, block) in zip(ends, future_blocks(fields, "30min", ends, 7), strict=True):
        expected = pd.date_range(end, periods=8, freq="30min")[1:]
        assert index.equals(expected)
        np.testing.assert_array_equal(block, calendar_values(expected, fields))


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["median:12"], "STAT one of mean, std, min, max"),
        (["mean"], "STAT:WINDOW"),
        (["mean:0"], "a window from 1"),
        (["std:1"], "a std needs a window of 2"),
    ],
)
def test_bad_rolling_features_are_usage_errors(items, message) -> None:
    with pytest.raises(UsageError, match=message):
        parse_rolling("lightgbm", items)
