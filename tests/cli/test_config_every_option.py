"""`--config FILE` sets any option of its command (issue 31): the keys are generated from the
commands' own options, so the file cannot drift from the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer

from forecast.cli.app import app
from forecast.cli.config_file import NOT_IN_CONFIG, config_keys
from tests.conftest import SAMPLES

PANEL = str(SAMPLES / "retail_panel.csv")
COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["fit", "predict", "backtest", "diagnose"])
def test_every_option_has_its_key(name: str) -> None:
    command = COMMANDS[name]
    options = {p.name: p for p in command.params if p.param_type_name == "option"}
    keys = config_keys(command)
    assert "config" in options  # every one of these commands takes a config file
    assert sorted(keys.values()) == sorted(set(options) - NOT_IN_CONFIG)
    for key, param in keys.items():  # each key is the option's long flag
        assert f"--{key.replace('_', '-')}" in options[param].opts


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_fit_reads_its_options_from_the_file(cli, tmp_path: Path) -> None:
    config = _toml(tmp_path, 'model = "naive"\nhorizon = 2\nformat = "csv"\nid_col = "store"\n'
                   'columns = "nixtla"\nkeep_names = true\nids = "store_01,store_02"\n')  # fmt: skip
    result = cli("fit", PANEL, "--config", config)
    assert result.code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:3] == ["store", "month", "naive"] and len(rows) == 2 * 2
    typed = cli("fit", PANEL, "--config", config, "--columns", "tidy", "-H", "1")
    assert next(csv.DictReader(io.StringIO(typed.stdout)))["model"] == "naive"  # CLI wins


def test_fit_takes_the_fallback_from_the_file(cli, tmp_path: Path) -> None:
    config = _toml(tmp_path, 'model = "ets"\nfallback = "naive"\nformat = "json"\n')
    short = tmp_path / "short.csv"
    short.write_text("unique_id,ds,y\n" + "".join(f"a,2020-{m:02d}-01,{m}\n" for m in range(1, 6)))
    doc = json.loads(cli("fit", short, "--config", config, "-H", "1").stdout)
    assert doc["fallback"] == "naive" and doc["series"][0]["model"] == "naive"


def test_backtest_diagnose_and_predict_read_theirs(cli, tmp_path: Path) -> None:
    bt = _toml(tmp_path, 'models = [{name = "naive"}]\nhorizon = 3\nstep = 12\nformat = "json"\n'
               'ids = "store_01"\n')  # fmt: skip
    doc = json.loads(cli("backtest", PANEL, "--config", bt).stdout)
    assert doc["config"]["horizon"] == 3 and {s["id"] for s in doc["series"]} == {"store_01"}
    dg = _toml(tmp_path, 'lags = 5\nformat = "json"\nid = "store_02"\n')
    report = json.loads(cli("diagnose", PANEL, "--config", dg).stdout)
    assert len(report["acf"]) == 5  # lags 1..5
    saved = tmp_path / "m.fcm"
    assert cli("fit", PANEL, "-m", "naive", "-H", "4", "--save", saved, "-q").code == 0
    pr = _toml(tmp_path, 'horizon = 2\nformat = "csv"\nids = "store_03"\n')
    rows = list(csv.DictReader(io.StringIO(cli("predict", saved, "--config", pr).stdout)))
    assert [r["id"] for r in rows] == ["store_03", "store_03"]


def test_an_unknown_key_names_the_accepted_ones(cli, tmp_path: Path) -> None:
    config = _toml(tmp_path, "falback = 'naive'\n")
    result = cli("fit", PANEL, "-m", "naive", "--config", config)
    assert result.code == 2
    assert "unknown key falback; accepted: " in result.stderr and "fallback" in result.stderr
    wrong = cli("predict", "x.fcm", "--config", _toml(tmp_path, 'model = "ets"\n'))
    assert wrong.code == 2
