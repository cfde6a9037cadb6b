"""The numbers the "how much to trust a backtest" page derives by hand from its examples' outputs
(the HLN factors, the DM statistic before the correction, CPCV's splits, paths and purge widths)
follow from those outputs and the formulas the page states. The outputs themselves are tested
by tests/test_docs_examples.py; this keeps the prose around them honest when they change."""

from __future__ import annotations

import math
import re

from forecast.backtesting.compare import hln_factor
from tests import docs_examples as rx

PAGE = rx.DOCS / "trust.md"


def _example(text: str, needle: str) -> rx.Example:
    (found,) = [e for e in rx.examples(text, "docs/trust.md") if needle in e.command]
    return found


def test_the_hln_factors_and_the_uncorrected_dm_follow_from_the_example() -> None:
    text = PAGE.read_text(encoding="utf-8")
    compare = _example(text, "--compare")
    n = int(re.search(r"folds: (\d+);", compare.output).group(1))  # type: ignore[union-attr]
    dm_step1 = float(
        re.search(r"snaive vs arima │\s+1 │\s+([-\d.]+) │", compare.output).group(1)  # type: ignore[union-attr]
    )
    prose = re.search(
        r"(\d+) origins, so\s+the HLN factor .*? is ([\d.]+), ([\d.]+) and ([\d.]+) at steps 1, 2\s+"
        r"and 3 \(the step-1 DM statistic before the correction is \$([\d.]+) / ([\d.]+) = "
        r"([\d.]+)\$\)",
        text,
        re.S,
    )
    assert prose, "the worked example's sentence on the HLN factors changed: update this test"
    assert int(prose.group(1)) == n
    factors = [float(prose.group(i)) for i in (2, 3, 4)]
    # printed to 4 decimals: each within half a unit of the last digit of the exact factor
    assert all(abs(f - hln_factor(n, h)) <= 0.5e-4 for f, h in zip(factors, (1, 2, 3), strict=True))
    assert float(prose.group(5)) == dm_step1 and float(prose.group(6)) == factors[0]
    # DM* printed to 4 significant digits (+-5e-4 at 2.318) over a factor near 1: 3 decimals hold
    assert abs(float(prose.group(7)) - dm_step1 / hln_factor(n, 1)) <= 1e-3


def test_the_cpcv_counts_follow_from_the_example() -> None:
    text = PAGE.read_text(encoding="utf-8")
    cpcv = _example(text, "--scheme cpcv")
    args = cpcv.args
    groups, tested = (
        int(args[args.index("--groups") + 1]),
        int(args[args.index("--test-groups") + 1]),
    )
    horizon = int(args[args.index("--horizon") + 1])
    lookback = int(re.search(r"lookback: (\d+) ", cpcv.output).group(1))  # type: ignore[union-attr]
    splits, paths = math.comb(groups, tested), math.comb(groups - 1, tested - 1)
    assert f"({splits} splits, {paths} paths)" in cpcv.output
    assert f"$\\binom{{{groups}}}{{{tested}}} = {splits}$ splits" in text
    assert f"$\\binom{{{groups - 1}}}{{{tested - 1}}} = {paths}$ paths" in text
    assert f"$L = {lookback}$" in text
    assert f"$h - 1 = {horizon - 1}$" in text and f"$h + L - 1 = {horizon + lookback - 1}$" in text
    # snaive's paths: identical forecasts whatever the training segment, so no spread
    assert re.search(r"│ snaive │ ([\d.]+) │\s+0 │", cpcv.output)
