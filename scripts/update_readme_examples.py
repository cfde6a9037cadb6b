"""Rerun every `forecast` example of the README's tested sections (panels, regressors) and write
their real output back into the README (tests/panel/test_readme_panel.py and
tests/cli/test_readme_exog.py compare them)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [
    re.compile(
        rf"<!-- tested: {re.escape(test)}.*?<!-- end of tested section -->",
        re.S,
    )
    for test in ("tests/panel/test_readme_panel.py", "tests/cli/test_readme_exog.py")
]
EXAMPLE = re.compile(r"(```sh\n(forecast [^\n]+)\n```\n\n```\n)(.*?)(\n```)", re.S)


def run(command: str) -> str:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    args = [sys.executable, "-m", "forecast", *command.split()[1:]]
    out = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    return "\n".join(line.rstrip() for line in out.stdout.rstrip("\n").splitlines())


def main() -> None:
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    for pattern in SECTIONS:
        section = pattern.search(text)
        assert section is not None
        updated = EXAMPLE.sub(lambda m: m.group(1) + run(m.group(2)) + m.group(4), section.group(0))
        text = text.replace(section.group(0), updated)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
