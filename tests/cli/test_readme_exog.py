"""The README's regressors section is a test: every `forecast ...` example in it is run and its
output compared with the documented output (trailing spaces aside), so the manual cannot go
stale."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SECTION = re.compile(
    r"<!-- tested: tests/cli/test_readme_exog.py.*?<!-- end of tested section -->", re.S
)
EXAMPLE = re.compile(r"```sh\n(forecast [^\n]+)\n```\n\n```\n(.*?)\n```", re.S)


def _examples() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = SECTION.search(text)
    assert section, "the README lost its tested regressors section"
    return EXAMPLE.findall(section.group(0))


def test_the_section_has_examples() -> None:
    assert len(_examples()) >= 2


@pytest.mark.slow
@pytest.mark.parametrize("command, documented", _examples(), ids=lambda v: str(v)[:40])
def test_readme_example(command: str, documented: str) -> None:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    args = [sys.executable, "-m", "forecast", *command.split()[1:]]
    out = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert out.returncode == 0, out.stderr
    got = [line.rstrip() for line in out.stdout.rstrip("\n").splitlines()]
    assert got == documented.splitlines()
