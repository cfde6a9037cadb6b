"""The panel forecast grid (issue #31, part 4): which series, one panel each with its own title,
history + mean + bands of one model or several, written as PNG/SVG/PDF atomically."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from PIL import Image

from forecast.errors import UsageError
from forecast.report.panel_plots import (
    HISTORY_COLOR,
    SeriesChoice,
    choose_series,
    panel_forecast_figure,
    write_panel_plot,
)

H = 6


def _panel(n: int, models: tuple[str, ...] = ("ets", "theta")) -> tuple[pd.DataFrame, dict]:
    """``n`` monthly series of different shapes and levels, and each model's forecasts (the
    last value, rising for the first model, falling for the second) with 80 and 95 % bands."""
    index = pd.date_range("2020-01-01", periods=36, freq="MS")
    future = pd.date_range(index[-1], periods=H + 1, freq="MS")[1:]
    history, rows = {}, []
    for k in range(n):
        t = np.arange(36)
        values = 100 * (k + 1) + 10 * (k % 3) * np.sin(2 * np.pi * t / (4 + k)) + k * t
        sid = f"s{k:02d}"
        history[sid] = pd.Series(values, index=index)
        for m, model in enumerate(models):
            mean = values[-1] + (k + 1) * (1 - 2 * m) * np.arange(1, H + 1)  # apart
            width = 5 * (k + 1) * np.sqrt(np.arange(1, H + 1))
            for i, when in enumerate(future):
                rows.append(
                    {
                        "id": sid,
                        "model": model,
                        "timestamp": when,
                        "mean": mean[i],
                        "lower_80": mean[i] - width[i],
                        "upper_80": mean[i] + width[i],
                        "lower_95": mean[i] - 1.5 * width[i],
                        "upper_95": mean[i] + 1.5 * width[i],
                    }
                )
    return pd.DataFrame(rows), history


def test_the_choice_is_the_first_series_or_those_asked_for_and_says_so() -> None:
    frame, _ = _panel(40, models=("ets",))
    first = choose_series(frame)
    assert first == SeriesChoice(tuple(f"s{k:02d}" for k in range(16)), 40, False)
    assert first.describe() == "first 16 of 40 series"
    assert choose_series(frame, max_series=50).describe() == "all 40 series"
    asked = choose_series(frame, ids=["s07", "s03", "s07"], max_series=16)
    assert asked.ids == ("s07", "s03") and asked.describe() == "the 2 series asked for"
    some = choose_series(frame, ids=[f"s{k:02d}" for k in range(20)], max_series=5)
    assert some.describe() == "the first 5 of the 20 series asked for"
    with pytest.raises(UsageError, match="no forecast for nope"):
        choose_series(frame, ids=["s01", "nope"])
    with pytest.raises(UsageError, match="--plot-max"):
        choose_series(frame, max_series=0)


def _rendered(fig) -> np.ndarray:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3]


def _has_color(pixels: np.ndarray, color: str) -> bool:
    target = np.array(to_rgb(color)) * 255
    return bool(np.any(np.all(np.abs(pixels.astype(float) - target) <= 2, axis=-1)))


def test_each_panel_draws_its_own_series_and_every_model() -> None:
    frame, history = _panel(5)
    choice = choose_series(frame)
    fig = panel_forecast_figure(frame, history, choice, title="retail")
    pixels = _rendered(fig)
    height = pixels.shape[0]
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in shown] == list(choice.ids)
    assert len(fig.axes) == 6  # a 3 x 2 grid for 5 series, the sixth cell hidden
    assert fig.get_suptitle() == "retail: all 5 series"
    crops = []
    for ax in shown:
        box = ax.get_window_extent()  # pixels from the bottom left; the buffer's rows go down
        crop = pixels[int(height - box.y1) : int(height - box.y0), int(box.x0) : int(box.x1)]
        assert _has_color(crop, HISTORY_COLOR)
        assert _has_color(crop, "C0") and _has_color(crop, "C1")  # both models' means
        crops.append(crop)
    for i in range(len(crops)):
        for j in range(i + 1, len(crops)):
            a, b = crops[i], crops[j]
            rows, cols = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
            assert not np.array_equal(a[:rows, :cols], b[:rows, :cols])
    # each line is its series' data: the history and each model's mean
    for ax, sid in zip(shown, choice.ids, strict=True):
        lines = {line.get_label(): line for line in ax.get_lines()}
        np.testing.assert_array_equal(lines["history"].get_ydata(), history[sid].to_numpy())
        for model in ("ets", "theta"):
            mine = frame[(frame["id"] == sid) & (frame["model"] == model)]
            np.testing.assert_array_equal(lines[model].get_ydata(), mine["mean"].to_numpy())


def test_png_svg_and_pdf_are_written_whole_by_suffix(tmp_path: Path) -> None:
    frame, history = _panel(7)
    png = tmp_path / "grid.png"
    choice = write_panel_plot(png, frame, history, max_series=4, models=["theta"])
    assert choice.describe() == "first 4 of 7 series"
    image = Image.open(io.BytesIO(png.read_bytes()))
    assert image.format == "PNG"
    # a 2 x 2 grid of 4.2 x 2.9 inch cells at 110 dpi, cropped to its content (bbox tight):
    # about 924 x 638 pixels; the crop removes at most a margin, never a cell
    width, height = image.size
    assert 0.8 * 2 * 4.2 * 110 < width <= 2 * 4.2 * 110 + 20
    assert 0.8 * 2 * 2.9 * 110 < height <= 2 * 2.9 * 110 + 20
    svg = tmp_path / "grid.svg"
    write_panel_plot(svg, frame, history, ids=["s06", "s02", "s04"])
    root = ET.fromstring(svg.read_bytes())
    groups = [g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")]
    assert sorted(g for g in groups if g and g.startswith("axes_")) == [
        "axes_1",
        "axes_2",
        "axes_3",
    ]
    pdf = tmp_path / "grid.pdf"
    write_panel_plot(pdf, frame.drop(columns="model"), history)  # one model, no model column
    assert pdf.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.pdf", "grid.png", "grid.svg"]


def test_a_bad_suffix_or_model_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    frame, history = _panel(2)
    with pytest.raises(UsageError, match=r"\.png, \.svg or \.pdf"):
        write_panel_plot(tmp_path / "grid.jpg", frame, history)
    with pytest.raises(UsageError, match="no forecasts of model arima"):
        write_panel_plot(tmp_path / "grid.png", frame, history, models=["arima"])
    assert list(tmp_path.iterdir()) == []
