"""Every file in tests/data/malformed gets exit code 2 and exactly one `error:` line naming it."""

from __future__ import annotations

import pytest

from .conftest import DATA

CORPUS = sorted((DATA / "malformed").glob("*.csv"))
# What each message must say: the problem and, where one exists, the fix.
EXPECTED = {
    "01-empty.csv": "is empty",
    "02-whitespace-only.csv": "is empty",
    "03-header-only.csv": "no data rows",
    "04-single-column.csv": "single column",
    "05-no-date-column.csv": "no date-like column; pass --time-col",
    "06-no-numeric-column.csv": "no numeric column; pass --value-col",
    "07-two-numeric-columns.csv": "several numeric columns ['a', 'b']; pass --value-col",
    "08-two-date-columns.csv": "several date-like columns ['start', 'end']; pass --time-col",
    "09-bad-timestamp.csv": "line 4: cannot parse timestamp 'yesterday'",
    "10-empty-timestamp.csv": "line 3: empty timestamp",
    "11-non-numeric-value.csv": "line 4: value 'abc' in column 'v' is not a number",
    "12-infinite-value.csv": "line 3: value 'inf' in column 'v' is infinite",
    "13-negative-infinity.csv": "line 4: value '-inf' in column 'v' is infinite",
    "14-duplicate-timestamp.csv": "duplicate timestamp 2020-01-02T00:00:00 (lines 3 and 4)",
    "15-missing-value.csv": "1 missing value (1 empty, 0 timestamps absent from the D grid)",
    "16-gap.csv": "first is at 2020-01-04T00:00:00; pass --missing drop|ffill|interpolate",
    # 17-constant.csv left the corpus: a constant series is diagnosed (issue 29)
    "18-too-short.csv": "has 4 observations; diagnose needs at least 10",
    "19-irregular.csv": "cannot infer the frequency: the timestamps are irregular; pass --freq",
    "20-ragged-rows.csv": "Expected 2 fields in line 3, saw 4",
    "21-latin1.csv": "pass --encoding latin-1",
    "22-binary.csv": "looks binary",
    "23-unclosed-quote.csv": "EOF inside string",
    "24-all-values-missing.csv": "no numeric column (empty: ['v'])",
    "25-off-grid.csv": "timestamp 2020-01-20T13:30:00 is off the D grid",
    "26-two-rows.csv": "cannot infer the frequency from 2 timestamps; pass --freq",
    "27-mixed-garbage.csv": "single column",
    "28-json.csv": "no date-like column",
    "29-semicolon-bad-number.csv": "line 4: value 'x,5' in column 'Wert' is not a number",
    "30-nan-token-only-values.csv": "3 missing values (3 empty",
    # issue #17: bounded work and memory
    "31-nanosecond-jump.csv": "would have 100,000,003 timestamps for 4 rows",
    "32-ten-thousand-columns.csv": "has 10,003 columns, over the 10,000 limit",
    "33-near-max-float.csv": "line 2: value '1.69e+308' in column 'v' is too large to compute",
}


def test_corpus_is_complete() -> None:
    assert len(CORPUS) >= 25
    assert {p.name for p in CORPUS} == set(EXPECTED)


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_malformed_file_gives_one_line_and_exit_2(cli, path) -> None:
    result = cli("diagnose", str(path))
    assert result.code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert EXPECTED[path.name] in lines[0]
    assert "Traceback" not in result.stderr


def test_stdin_errors_name_stdin(cli) -> None:
    result = cli("diagnose", "-", stdin=(DATA / "malformed" / "04-single-column.csv").read_bytes())
    assert result.code == 2 and result.stderr.startswith("error: <stdin> has a single column")


def test_debug_shows_the_traceback(cli) -> None:
    result = cli("diagnose", str(DATA / "malformed" / "18-too-short.csv"), "--debug")
    assert result.code == 2
    assert "Traceback" in result.stderr and result.stderr.rstrip().splitlines()[-1].startswith(
        "error:"
    )
