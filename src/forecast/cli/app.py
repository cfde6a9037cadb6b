"""The `forecast` command: a Typer app, one module per command, and the error boundary.

Command modules import only typer and the option types at load time; each command imports the
library (pandas, statsmodels, torch...) inside its body, so `forecast --help` stays fast.
"""

from __future__ import annotations

import sys
import traceback
import warnings
from typing import Annotated

import typer

from forecast import __version__
from forecast.cli import backtest as backtest_cmd
from forecast.cli import diagnose as diagnose_cmd
from forecast.cli import fit as fit_cmd
from forecast.cli import inspect as inspect_cmd
from forecast.cli import models as models_cmd
from forecast.cli import predict as predict_cmd
from forecast.errors import ExitCode, ForecastError

app = typer.Typer(
    name="forecast",
    help="Time-series forecasting from the command line: diagnose, fit, predict, backtest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rich help formatting costs 60 ms of start-up
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("diagnose", no_args_is_help=True)(diagnose_cmd.diagnose)
app.command("fit", no_args_is_help=True)(fit_cmd.fit)
app.command("predict", no_args_is_help=True)(predict_cmd.predict)
app.command("models")(models_cmd.models)
app.command("inspect", no_args_is_help=True)(inspect_cmd.inspect)
app.command("backtest", no_args_is_help=True)(backtest_cmd.backtest)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"forecast {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Time-series forecasting from the command line: diagnose, fit, predict, backtest.

    Results go to stdout, messages to stderr. Exit codes: 0 ok, 1 a failure while computing,
    2 bad input or usage, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
    """


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and turn every failure into one `error:` line and an exit code.

    Ctrl-C is exit 130 and SIGTERM exit 143 (:mod:`forecast.signals`): the run unwinds (temporary
    files removed), and any worker processes still running are ended before returning."""
    from forecast import signals

    args = sys.argv[1:] if argv is None else list(argv)
    with signals.terminate_raises():
        try:
            return _run(args)
        finally:
            if "forecast.execution.executor" in sys.modules:  # a map left suspended
                sys.modules["forecast.execution.executor"].stop_all()


def _run(args: list[str]) -> int:
    from forecast.cli.options import INVOCATION
    from forecast.cli.render import error

    debug = "--debug" in args
    INVOCATION.set(tuple(args))
    if not debug:  # numpy's RuntimeWarnings (overflow in reduce...) never reach stderr raw
        warnings.filterwarnings("ignore", category=RuntimeWarning)
    try:
        result = app(args=args, prog_name="forecast", standalone_mode=False)
        if isinstance(result, int):
            return _interrupted(None) if result == 130 else result
        return ExitCode.OK
    except typer.Exit as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # typer turns Ctrl-C into Exit(130)
            return _interrupted(exc.__cause__)
        return int(exc.exit_code)
    except typer.Abort as exc:  # click turns Ctrl-C (and EOF at a prompt) into Abort
        if isinstance(exc.__cause__, KeyboardInterrupt):
            return _interrupted(exc.__cause__)
        if isinstance(exc.__cause__, EOFError):
            error("stdin ended early; pipe the input in or give a file name")
            return ExitCode.USAGE
        error("aborted")
        return ExitCode.FAILURE
    except typer.TyperException as exc:  # usage errors from the parser
        return _usage_error(exc)
    except ForecastError as exc:
        if debug:
            traceback.print_exc()
        error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (signals.Terminated)
        return _interrupted(exc)
    except MemoryError:
        error("out of memory; try a shorter series or fewer models")
        return ExitCode.FAILURE
    except Exception as exc:  # a bug: say so in one line, show the traceback on --debug
        if debug:
            traceback.print_exc()
        error(
            f"internal error: {type(exc).__name__}: {exc}; rerun with --debug for the traceback "
            "and report it"
        )
        return ExitCode.FAILURE


def _interrupted(cause: BaseException | None) -> int:
    from forecast import signals
    from forecast.cli.render import error

    code = signals.exit_code(cause)
    error("terminated (SIGTERM)" if code == signals.TERMINATED else "interrupted")
    return code


def _usage_error(exc: typer.TyperException) -> int:
    from forecast.cli.render import error

    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError":  # the parser has already printed the help
        return ExitCode.USAGE
    format_message = getattr(exc, "format_message", None)
    text = format_message() if callable(format_message) else str(exc)
    where = f"'{ctx.command_path} --help'" if ctx is not None else "'forecast --help'"
    error(f"{text.rstrip('.')}; see {where}")
    return int(getattr(exc, "exit_code", ExitCode.USAGE))
