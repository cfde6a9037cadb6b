"""Issue #24, items 1 and 2 (the CLI side): no output may overwrite, contain or lie inside an
input (exit 2 before any work, the input byte-identical), and ``--output DIR`` written by a
rerun replaces the previous result only once the new one is complete.

The overwrite cases run the installed ``forecast`` in a subprocess on real files; the
Hypothesis test draws random input/output/link layouts and runs the CLI in-process
(``forecast.cli.app.main``), as the other CLI tests do."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import SAMPLES

FORECAST = str(Path(sys.executable).parent / "forecast")
PANEL = SAMPLES / "retail_panel.csv"  # 12 series (store, month, sales)
NAIVE = ["-m", "naive", "-H", "2", "-q"]


def _inputs(folder: Path) -> dict[str, Path]:
    """The panel as a CSV file, a Parquet file and a Parquet directory (one part per four
    stores: a series is never split across parts), in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / "data.csv"
    shutil.copyfile(PANEL, csv)
    frame = pd.read_csv(PANEL)
    frame.to_parquet(folder / "data.parquet", index=False)
    parts = folder / "parts"
    parts.mkdir()
    stores = sorted(frame["store"].unique())
    for k in range(3):
        chunk = frame[frame["store"].isin(stores[4 * k : 4 * k + 4])]
        chunk.to_parquet(parts / f"part-{k}.parquet", index=False)
    return {"csv": csv, "parquet": folder / "data.parquet", "dir": parts}


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (links not followed) with its SHA-256: a changed, added or
    removed byte anywhere changes it."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FORECAST, *map(str, args)], capture_output=True, text=True, timeout=300)


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


# (name, how to make the extra files, the command, a fragment of the one error line); each of
# these exited 0 before and overwrote (or deleted) the input named.
Setup = Callable[[dict[str, Path], Path], list[str | Path]]
OVERWRITES: list[tuple[str, Setup, str]] = [
    ("csv", lambda f, d: ["fit", f["csv"], *NAIVE, "--output", f["csv"]], "is the input DATA"),
    (
        "parquet-file",
        lambda f, d: ["fit", f["parquet"], *NAIVE, "--output", f["parquet"]],
        "is the input DATA",
    ),
    (
        "parquet-dir",
        lambda f, d: ["fit", f["dir"], *NAIVE, "--output", f["dir"]],
        "is the input DATA",
    ),
    (
        "inside-dir",
        lambda f, d: ["fit", f["dir"], *NAIVE, "--output", f["dir"] / "forecasts"],
        "is inside the input DATA",
    ),
    (
        "inside-dir-file",
        lambda f, d: ["fit", f["dir"], *NAIVE, "--output", f["dir"] / "forecasts.parquet"],
        "is inside the input DATA",
    ),
    (
        "holds-input",
        lambda f, d: ["fit", f["csv"], *NAIVE, "--output", d],
        "holds the input DATA",
    ),
    (
        "symlink",
        lambda f, d: ["fit", f["csv"], *NAIVE, "--output", _link(f["csv"], d / "link.csv")],
        "is the input DATA",
    ),
    (
        "hardlink",
        lambda f, d: ["fit", f["csv"], *NAIVE, "--output", _hard(f["csv"], d / "hard.csv")],
        "is the input DATA",
    ),
    (
        "save-on-data",
        lambda f, d: ["fit", f["csv"], *NAIVE, "--save", f["csv"]],
        "--save {csv} is the input DATA",
    ),
    (
        "forecasts-on-data",
        lambda f, d: ["backtest", f["csv"], "-m", "naive", "-H", "2", "--forecasts", f["csv"]],
        "--forecasts {csv} is the input DATA",
    ),
    (
        "save-on-config",
        lambda f, d: ["fit", f["csv"], "--config", _config(d), "-q", "--save", d / "cfg.toml"],
        "is the input --config",
    ),
    (
        "save-on-ids-file",
        lambda f, d: [
            "fit",
            f["csv"],
            *NAIVE,
            "--ids-file",
            _ids(d),
            "--save",
            d / "ids.txt",
        ],
        "is the input --ids-file",
    ),
    (
        "save-on-future",
        lambda f, d: [
            "fit",
            _copy(SAMPLES / "lakehuron.csv", d),
            "-m",
            "arima",
            "-p",
            "order=2,0,0",
            "--exog",
            "trend",
            "--future",
            _copy(SAMPLES / "lakehuron_future.csv", d),
            "-H",
            "3",
            "--save",
            d / "lakehuron_future.csv",
        ],
        "is the input --future",
    ),
]


def _link(target: Path, link: Path) -> Path:
    link.symlink_to(target)
    return link


def _hard(target: Path, link: Path) -> Path:
    os.link(target, link)
    return link


def _config(folder: Path) -> Path:
    path = folder / "cfg.toml"
    path.write_text('model = "naive"\nhorizon = 2\n', encoding="utf-8")
    return path


def _ids(folder: Path) -> Path:
    path = folder / "ids.txt"
    path.write_text("store_01\nstore_02\n", encoding="utf-8")
    return path


def _copy(source: Path, folder: Path) -> Path:
    return Path(shutil.copy(source, folder / source.name))


@pytest.mark.parametrize(
    ("setup", "fragment"), [c[1:] for c in OVERWRITES], ids=[c[0] for c in OVERWRITES]
)
def test_an_output_onto_an_input_is_refused(tmp_path: Path, setup: Setup, fragment: str) -> None:
    files = _inputs(tmp_path / "in")
    args = setup(files, tmp_path / "in")
    before = _snapshot(tmp_path)
    result = _run(*args)
    assert result.returncode == 2, result.stderr
    errors = _errors(result.stderr)
    fragment = fragment.format(csv=files["csv"])
    assert len(errors) == 1 and fragment in errors[0], result.stderr
    assert "write" in errors[0]  # the fix: where to write instead
    assert result.stdout == ""  # refused before any work
    assert _snapshot(tmp_path) == before


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    shutil.copyfile(PANEL, folder / "data.csv")
    done = _run("fit", folder / "data.csv", *NAIVE, "--save", folder / "m.fcm")
    assert done.returncode == 0, done.stderr
    return folder / "m.fcm"


@pytest.mark.parametrize(
    ("name", "data", "option"),
    [("m.parquet", PANEL, "--output"), ("m.png", SAMPLES / "airpassengers.csv", "--plot")],
)
def test_predict_output_onto_its_model_file_is_refused(
    tmp_path: Path, name: str, data: Path, option: str
) -> None:
    """A model file may have any name: one called m.parquet (m.png) was replaced by the
    forecasts (the plot) before."""
    model = tmp_path / name
    assert _run("fit", data, *NAIVE, "--save", model).returncode == 0
    before = _snapshot(tmp_path)
    result = _run("predict", model, "-q", option, model)
    assert result.returncode == 2, result.stderr
    assert f"{option} {model} is the input MODEL_FILE" in result.stderr
    assert _snapshot(tmp_path) == before


def test_predict_output_onto_its_data_is_refused(tmp_path: Path, model_file: Path) -> None:
    new = Path(shutil.copy(PANEL, tmp_path / "new.csv"))  # --data may repeat the history
    before = _snapshot(tmp_path)
    result = _run("predict", model_file, "--data", new, "-q", "--output", new)
    assert result.returncode == 2 and f"--output {new} is the input --data" in result.stderr
    assert _snapshot(tmp_path) == before


def test_predict_may_still_save_over_its_own_model_file(tmp_path: Path, model_file: Path) -> None:
    """The documented update in place (``--save MODEL_FILE``): the model is read whole first and
    the new one written atomically, so it stays allowed."""
    model = Path(shutil.copy(model_file, tmp_path / "m.fcm"))
    result = _run("predict", model, "-q", "--save", model, "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert _run("predict", model, "-q", "--format", "csv").stdout == result.stdout


def test_an_output_inside_another_output_is_refused(tmp_path: Path) -> None:
    files = _inputs(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()  # the model file would be written inside the forecasts' directory
    result = _run("fit", files["csv"], *NAIVE, "--output", out, "--save", out / "m.fcm")
    assert result.returncode == 2, result.stderr
    assert f"--save {out / 'm.fcm'} is inside --output {out}" in result.stderr
    assert list(out.iterdir()) == []


def test_a_folder_of_other_files_is_not_replaced(tmp_path: Path) -> None:
    """A rerun replaces the whole ``--output DIR``: one holding anything else is refused."""
    files = _inputs(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result = _run("fit", files["csv"], *NAIVE, "--output", out)
    assert result.returncode == 2 and "notes.txt" in result.stderr, result.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


# --- Hypothesis: random layouts of inputs, outputs and links ---------------------------------

# How DATA is given: the file itself, a symbolic link to it, or the path through a linked folder.
VIA = ["direct", "symlink", "linked-folder"]
# Where the output goes, relative to the real input, and whether that overlaps the input.
WHERE: dict[str, bool] = {
    "same": True,  # the input's own path
    "symlink": True,  # a link (elsewhere) to the input
    "hardlink": True,  # another name of the same file (files only)
    "linked-folder": True,  # the input's name through a link to its folder
    "inside": True,  # a new name inside the input directory (directories only)
    "holds": True,  # the folder that holds the input
    "beside": False,  # a new name in the input's folder
    "elsewhere": False,  # a new name in another folder
}


def _layout(root: Path, kind: str, via: str, where: str, suffix: str) -> tuple[Path, Path, Path]:
    """The real input, DATA as given and the output path for one drawn layout under ``root``."""
    real = _inputs(root / "in")[kind]
    other = root / "other"
    other.mkdir()
    (other / "linked").symlink_to(real.parent)
    data = {
        "direct": real,
        "symlink": _link(real, other / f"data-link{real.suffix}"),
        "linked-folder": other / "linked" / real.name,
    }[via]
    name = f"result{suffix}"
    output = {
        "same": real,
        "symlink": other / f"out-link{suffix}",
        "hardlink": other / f"out-hard{suffix}",
        "linked-folder": other / "linked" / real.name,
        "inside": real / name,
        "holds": real.parent,
        "beside": real.parent / name,
        "elsewhere": other / name,
    }[where]
    if where == "symlink":
        output.symlink_to(real)
    elif where == "hardlink":
        os.link(real, output)
    return real, data, output


def _state(path: Path) -> dict[str, str]:
    """An input's bytes (a file) or its files and their bytes (a directory)."""
    if path.is_dir():
        return _snapshot(path)
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()}


@st.composite
def layouts(draw: st.DrawFn) -> tuple[str, str, str, str, str]:
    kind = draw(st.sampled_from(["csv", "parquet", "dir"]))
    wheres = [w for w in WHERE if not (w == "hardlink" and kind == "dir")]
    wheres = [w for w in wheres if not (w == "inside" and kind != "dir")]
    where = draw(st.sampled_from(wheres))
    option = draw(st.sampled_from(["--output", "--save"]))
    suffixes = [".fcm"] if option == "--save" else [".csv", ".parquet", ".json", ""]
    return kind, draw(st.sampled_from(VIA)), where, option, draw(st.sampled_from(suffixes))


@settings(
    max_examples=40,  # each example fits 12 series in-process (about 0.1 s)
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(layout=layouts())
def test_random_layouts_never_change_an_input(
    layout: tuple[str, str, str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from forecast.cli.app import main

    kind, via, where, option, suffix = layout
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        real, data, output = _layout(root, kind, via, where, suffix)
        before = _state(real)
        code = main(["fit", str(data), *NAIVE, option, str(output)])
        _, err = capsys.readouterr()
        assert _state(real) == before
        if WHERE[where]:
            assert code == 2, err
            assert len(_errors(err)) == 1 and "input DATA" in err, err
        else:
            assert code == 0, err
            written = Path(os.path.realpath(output))
            assert written.exists()
            if option == "--output" and suffix == "":
                assert json.loads((written / "_SUCCESS").read_text())["summary"]["forecast"] == 12
