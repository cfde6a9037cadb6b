"""`fit`/`predict --plot FILE` on a panel or several models (issue 31): a grid of the first
`--plot-max` series (or `--ids`), every model overlaid, the choice stated on stderr."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.conftest import SAMPLES

PANEL = str(SAMPLES / "retail_panel.csv")


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def test_fit_draws_the_first_series_of_a_panel(cli, tmp_path: Path) -> None:
    out = tmp_path / "grid.png"
    result = cli("fit", PANEL, "-m", "naive", "-m", "theta", "-H", "6", "--plot", out,
                 "--plot-max", "4", "-f", "csv")  # fmt: skip
    assert result.code == 0, result.stderr
    assert f"wrote {out} (the first 4 of 12 series; --plot-max N, --ids)" in result.stderr
    assert result.stdout.count("\n") == 1 + 12 * 2 * 6  # the forecasts are all written
    grid = _pixels(out)
    assert grid.shape[0] > 300 and grid.std() > 10  # drawn, not blank


def test_ids_choose_the_series_and_one_series_of_a_panel_is_drawn(cli, tmp_path: Path) -> None:
    one, two = tmp_path / "one.png", tmp_path / "two.png"
    first = cli("fit", PANEL, "-m", "theta", "--ids", "store_03", "-H", "6", "--plot", one)
    assert first.code == 0 and "(all 1 series" in first.stderr
    second = cli("fit", PANEL, "-m", "theta", "--ids", "store_04", "-H", "6", "--plot", two)
    assert second.code == 0
    assert not np.array_equal(_pixels(one), _pixels(two))  # each its own series


def test_predict_draws_a_panel_files_series(cli, tmp_path: Path) -> None:
    saved, out = tmp_path / "m.fcm", tmp_path / "p.svg"
    assert cli("fit", PANEL, "-m", "naive", "-H", "3", "--save", saved, "-q").code == 0
    result = cli("predict", saved, "--plot", out, "--plot-max", "2", "-f", "csv")
    assert result.code == 0, result.stderr
    assert "(the first 2 of 12 series" in result.stderr
    assert out.read_text().count('<g id="axes_') == 2
