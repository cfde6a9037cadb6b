"""The manual's examples as tests: parse, run and compare (used by tests/test_docs_examples.py
and by scripts/update_docs_examples.py, which writes the real outputs back).

The pages are README.md and every Markdown file under docs/ (the site). The convention on every
page: a marker line right above a ```sh block holding ONE `forecast` command (a trailing
backslash continues it), then a blank line and a ``` block with what it prints on stdout:

    <!-- example -->                 compared number by number (see `differences`)
    <!-- example: structure -->      non-deterministic by nature (neural training, timings):
                                     only the text around the numbers is compared
    <!-- example: rtol=1e-4 -->      fitted quantities whose optimiser stops within a stated
                                     relative tolerance: numbers agree to their printed
                                     precision or to rtol of their size, whichever is looser
                                     (whole numbers, dates and orders stay exact)

Examples run in page order (README.md, then docs/ by path) in one working directory holding
`sample_data/`, so that an example can read a file another one wrote, on any page (`forecast
predict air.fcm` after `fit --save air.fcm`: `writers` finds it), with NO_COLOR=1 and a
160-column console (what a pipe gets).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def pages() -> list[Path]:
    """Every page of the manual: README.md, then each Markdown file under docs/ by path."""
    return [README, *sorted(DOCS.rglob("*.md"))]


def page_name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


EXAMPLE = re.compile(
    r"^<!-- example(?:: (?P<mode>[\w ,=.+-]+))? -->\n"
    r"```sh\n(?P<command>.*?)\n```\n\n"
    r"(?P<open>```\n)(?P<output>.*?)(?P<close>\n```)$",
    re.S | re.M,
)
# a ```sh block followed by an output block, marked or not (every one must be marked)
ANY_EXAMPLE = re.compile(r"```sh\n(?P<command>forecast [^`]*?)\n```\n\n```\n", re.S)
MODES = ("structure", "rtol")
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
RULES = re.compile(r"[━─═]+")  # table rules: their length follows the widths of the numbers


@dataclass(frozen=True)
class Example:
    command: str  # one line, continuations joined
    output: str  # as documented
    modes: tuple[str, ...]
    line: int  # line of the marker on its page
    page: str = "README.md"  # relative to the repository root

    @property
    def where(self) -> str:
        return f"{self.page} line {self.line}"

    @property
    def rtol(self) -> float:
        """The relative tolerance the marker states (``rtol=1e-4``), else 0."""
        values = [float(m.partition("=")[2]) for m in self.modes if m.startswith("rtol=")]
        return values[0] if values else 0.0

    @property
    def args(self) -> list[str]:
        return shlex.split(self.command)[1:]

    @property
    def writes(self) -> list[str]:
        """Files the command writes (`--save FILE`), which later examples may read."""
        args = self.args
        return [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--save"]


def examples(text: str | None = None, page: str = "README.md") -> list[Example]:
    """The marked examples of ``text`` (one page), or of every page when ``text`` is None."""
    if text is None:
        return [e for path in pages() for e in examples(path.read_text("utf-8"), page_name(path))]
    found = []
    for m in EXAMPLE.finditer(text):
        modes = tuple(p.strip() for p in (m["mode"] or "").split(",") if p.strip())
        unknown = [p for p in modes if p.partition("=")[0] not in MODES or not _valid_mode(p)]
        if unknown:
            raise ValueError(
                f"{page} line {_line(text, m.start())}: unknown example mode {unknown}"
            )
        if "```" in m["output"]:  # an empty block: the match ran on to a later fence
            raise ValueError(
                f"{page} line {_line(text, m.start())}: the output block is empty or not "
                "closed; put what the command prints in it"
            )
        command = " ".join(part.strip() for part in m["command"].split("\\\n"))
        found.append(Example(command, m["output"], modes, _line(text, m.start()), page))
    return found


def writers(example: Example, every: list[Example], cwd: Path) -> list[Example]:
    """The examples, on any page, that write a file ``example`` reads and ``cwd`` lacks."""
    return [
        other
        for other in every
        if other is not example
        and any(f in example.args and not (cwd / f).exists() for f in other.writes)
    ]


def _valid_mode(mode: str) -> bool:
    name, _, value = mode.partition("=")
    if name != "rtol":
        return not value
    try:
        return 0 < float(value) < 1
    except ValueError:
        return False


def unmarked(text: str | None = None) -> list[str]:
    """`forecast` commands shown with an output block but without a marker (on every page when
    ``text`` is None, each prefixed with its page)."""
    if text is None:
        return [f"{page_name(p)}: {c}" for p in pages() for c in unmarked(p.read_text("utf-8"))]
    marked = {m.start("command") - len("```sh\n") for m in EXAMPLE.finditer(text)}
    return [m["command"] for m in ANY_EXAMPLE.finditer(text) if m.start() not in marked]


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def workdir(path: Path) -> Path:
    """A working directory for the examples: `sample_data/` linked in, nothing else."""
    path.mkdir(parents=True, exist_ok=True)
    link = path / "sample_data"
    if not link.exists():
        link.symlink_to(ROOT / "sample_data", target_is_directory=True)
    return path


@dataclass(frozen=True)
class Outcome:
    """What a command gave: its exit code and streams (as subprocess.CompletedProcess names
    them)."""

    returncode: int
    stdout: str
    stderr: str


def run(example: Example, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "COLUMNS": "160",
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    args = [sys.executable, "-m", "forecast", *example.args]
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env, check=False)


def printed(stdout: str) -> str:
    """Stdout as the pages show it: no trailing spaces or trailing blank lines."""
    return "\n".join(line.rstrip() for line in stdout.rstrip("\n").splitlines())


def differences(
    documented: str, actual: str, structure: bool = False, rtol: float = 0.0
) -> list[str]:
    """Where ``actual`` differs from ``documented``, line by line (empty: they agree).

    Text must match (runs of spaces and table rules count as one); numbers must agree to
    the precision printed: whole numbers exactly (orders, counts, dates), others within one
    unit of the last printed digit of either, and a float printed in full (over 10 digits, as
    CSV does) to 1e-6 of its size; ``rtol`` widens that to ``rtol`` of the size (never
    narrows it). ``structure``: numbers are not compared.
    """
    want = [_normal(line) for line in documented.splitlines()]
    got = [_normal(line) for line in actual.splitlines()]
    if len(want) != len(got):
        return [f"{len(got)} lines printed, {len(want)} documented"]
    problems = []
    for i, (w, g) in enumerate(zip(want, got, strict=True), start=1):
        if NUMBER.sub("#", w) != NUMBER.sub("#", g):
            problems.append(f"line {i}: printed {g!r}, documented {w!r}")
            continue
        if structure:
            continue
        for dw, dg in zip(NUMBER.findall(w), NUMBER.findall(g), strict=True):
            if not _close(dw, dg, rtol):
                problems.append(f"line {i}: printed {dg}, documented {dw} ({g!r})")
    return problems


def _normal(line: str) -> str:
    return " ".join(RULES.sub("─", line).split())


def _close(documented: str, printed: str, rtol: float = 0.0) -> bool:
    if documented == printed:
        return True
    if _whole(documented) and _whole(printed):
        return False
    unit = max(_unit(documented), _unit(printed))
    if _digits(documented) > 10:  # a float's full repr (CSV): its last digits are rounding noise
        unit = max(unit, 1e-6 * abs(float(documented)))
    unit = max(unit, rtol * max(abs(float(documented)), abs(float(printed))))
    return abs(float(documented) - float(printed)) <= unit * (1 + 1e-9)


def _digits(token: str) -> int:
    return sum(c.isdigit() for c in token.lower().partition("e")[0].lstrip("+-0."))


def _whole(token: str) -> bool:
    return not any(c in token for c in ".eE")


def _unit(token: str) -> float:
    """One unit of the last printed digit: 0.01 for 48.18, 1e-03 for 1.5e-02."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)
