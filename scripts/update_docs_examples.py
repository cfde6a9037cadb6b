"""Rerun every marked `forecast` example of the manual (README.md and every page under docs/;
`<!-- example -->`, see tests/docs_examples.py) and write its real output back into its page;
tests/test_docs_examples.py compares them. `--check` only reports the examples that differ
(exit 1 if any).

    python scripts/update_docs_examples.py [--check] [--only TEXT]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import docs_examples as rx  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report differences, write nothing")
    parser.add_argument("--only", help="only the examples whose command contains this text")
    args = parser.parse_args()
    every = rx.examples()
    chosen = [e for e in every if not args.only or args.only in e.command]
    outputs: dict[tuple[str, int], str] = {}  # (page, line) -> what the command printed
    failed = differs = False
    with tempfile.TemporaryDirectory() as tmp:
        cwd = rx.workdir(Path(tmp))
        for example in chosen:
            for writer in rx.writers(example, every, cwd):  # the files it reads (air.fcm)
                rx.run(writer, cwd)
            out = rx.run(example, cwd)
            if out.returncode != 0:
                sys.stderr.write(f"{example.where}: exit {out.returncode}\n{out.stderr}")
                failed = True
                continue
            got = rx.printed(out.stdout)
            problems = rx.differences(
                example.output, got, "structure" in example.modes, rtol=example.rtol
            )
            if problems:
                differs = True
                sys.stderr.write(f"{example.where}: {example.command}\n")
                sys.stderr.writelines(f"  {p}\n" for p in problems[:5])
            outputs[(example.page, example.line)] = got
    if args.check:
        return 1 if failed or differs else 0
    for page in {page for page, _ in outputs}:
        path = rx.ROOT / page
        path.write_text(_written(path.read_text(encoding="utf-8"), page, outputs), "utf-8")
    return 1 if failed else 0


def _written(text: str, page: str, outputs: dict[tuple[str, int], str]) -> str:
    """``text`` with the output block of every example of ``page`` in ``outputs`` replaced."""

    def replace(m: re.Match[str]) -> str:
        line = text.count("\n", 0, m.start()) + 1
        if (page, line) not in outputs:
            return m.group(0)
        return m.group(0)[: m.start("output") - m.start()] + outputs[(page, line)] + m["close"]

    return rx.EXAMPLE.sub(replace, text)


if __name__ == "__main__":
    raise SystemExit(main())
