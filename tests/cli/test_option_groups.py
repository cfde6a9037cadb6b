"""cli.options.with_groups: a group parameter becomes its options, in its place, and the command
gets one frozen object per group (checked through typer's own parsing)."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
import typer
from typer.testing import CliRunner

from forecast.cli import options as o
from forecast.cli.app import app
from forecast.types import EngineChoice, FormatChoice, MissingChoice

NO_WIDE = o.READING.without("wide")
SHARED_JOBS = o.EXECUTION.sharing("jobs")


def _command(received: dict):
    @o.with_groups
    def command(
        data: o.DataArg,
        execution: o.Execution = o.EXECUTION,
        reading: o.Reading = NO_WIDE,
        exog: o.Exog = None,
        common: o.Common = o.COMMON,
    ) -> None:
        received.update(data=data, execution=execution, reading=reading, common=common, exog=exog)

    return command


def test_the_groups_options_take_the_group_parameters_places() -> None:
    names = list(inspect.signature(_command({})).parameters)
    assert names == [
        "data",
        *("jobs", "engine", "scheduler", "scheduler_timeout"),
        *("id_col", "ids", "ids_file", "time_col", "value_col", "freq", "missing"),
        *("time_format", "encoding"),
        "exog",
        *("fmt", "no_header", "quiet", "success_file", "threads", "debug"),
    ]


def test_typer_parses_into_one_frozen_object_per_group() -> None:
    received: dict = {}
    cli = typer.Typer()
    cli.command()(_command(received))
    args = ["d.csv", "-j", "3", "--engine", "dask", "--ids", "A,B", "--missing", "drop"]
    result = CliRunner().invoke(cli, [*args, "-f", "csv", "-q", "--exog", "x"])
    assert result.exit_code == 0, result.output
    assert received["data"] == "d.csv" and received["exog"] == "x"
    assert received["execution"] == o.Execution(jobs=3, engine=EngineChoice.dask)
    assert received["reading"] == o.Reading(ids="A,B", missing=MissingChoice.drop)
    assert received["common"] == o.Common(fmt=FormatChoice.csv, quiet=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        received["reading"].ids = None  # type: ignore[misc]


def test_a_shared_option_is_read_from_the_commands_own_parameter() -> None:
    received: dict = {}

    @o.with_groups
    def command(jobs: int = 1, execution: o.Execution = SHARED_JOBS) -> None:
        received.update(jobs=jobs, execution=execution)

    assert list(inspect.signature(command).parameters) == [
        "jobs",
        "engine",
        "scheduler",
        "scheduler_timeout",
    ]
    command(jobs=4, engine=EngineChoice.local, scheduler=None, scheduler_timeout=2.0)
    assert received == {"jobs": 4, "execution": o.Execution(jobs=4, scheduler_timeout=2.0)}


def test_a_clash_or_a_missing_shared_option_is_refused_at_definition() -> None:
    with pytest.raises(TypeError):

        @o.with_groups
        def clash(jobs: int = 1, execution: o.Execution = o.EXECUTION) -> None: ...

    with pytest.raises(TypeError):

        @o.with_groups
        def missing(execution: o.Execution = SHARED_JOBS) -> None: ...


@pytest.mark.parametrize("name", ["fit", "predict", "backtest", "diagnose"])
def test_every_command_declares_each_option_once_and_no_group_parameter(name: str) -> None:
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    params = [p.name for p in command.params]
    assert len(params) == len(set(params))
    assert {"execution", "reading", "common"}.isdisjoint(params)
    assert {"engine", "scheduler", "id_col", "time_col", "fmt", "quiet", "debug"} <= set(params)
