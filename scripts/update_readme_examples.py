"""Rerun every marked `forecast` example of the README (`<!-- example -->`, see
tests/readme_examples.py) and write its real output back into the README; tests/test_readme.py
compares them. `--check` only reports the examples that differ (exit 1 if any).

    python scripts/update_readme_examples.py [--check] [--only TEXT]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import readme_examples as rx  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report differences, write nothing")
    parser.add_argument("--only", help="only the examples whose command contains this text")
    args = parser.parse_args()
    text = rx.README.read_text(encoding="utf-8")
    outputs: dict[int, str] = {}
    failed = differs = False
    every = rx.examples(text)
    chosen = [e for e in every if not args.only or args.only in e.command]
    with tempfile.TemporaryDirectory() as tmp:
        cwd = rx.workdir(Path(tmp))
        for example in chosen:
            for earlier in every[: every.index(example)]:  # the files it reads (air.fcm)
                if any(f in example.args and not (cwd / f).exists() for f in earlier.writes):
                    rx.run(earlier, cwd)
            out = rx.run(example, cwd)
            if out.returncode != 0:
                sys.stderr.write(f"README line {example.line}: exit {out.returncode}\n{out.stderr}")
                failed = True
                continue
            got = rx.printed(out.stdout)
            problems = rx.differences(
                example.output, got, "structure" in example.modes, rtol=example.rtol
            )
            if problems:
                differs = True
                sys.stderr.write(f"README line {example.line}: {example.command}\n")
                sys.stderr.writelines(f"  {p}\n" for p in problems[:5])
            outputs[example.line] = got
    if args.check:
        return 1 if failed or differs else 0
    updated = rx.EXAMPLE.sub(
        lambda m: (
            m.group(0)
            if (line := text.count("\n", 0, m.start()) + 1) not in outputs
            else m.group(0)[: m.start("output") - m.start()] + outputs[line] + m["close"]
        ),
        text,
    )
    rx.README.write_text(updated, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
