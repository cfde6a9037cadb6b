"""Cold start: `forecast --help` against `python -c "import typer, rich"` (target: <= 2x).

Each command runs in a fresh interpreter, 7 times after a warm-up; medians are compared.
"""

from __future__ import annotations

from _util import FORECAST, PYTHON, machine, median_time


def main() -> None:
    reference = median_time([PYTHON, "-c", "import typer, rich"])
    rows = [("python -c 'import typer, rich'", reference)]
    for label, cmd in (
        ("forecast --help", [FORECAST, "--help"]),
        ("forecast diagnose --help", [FORECAST, "diagnose", "--help"]),
    ):
        rows.append((label, median_time(cmd)))
    print(f"# cold start ({machine()}), median of 7")
    for label, seconds in rows:
        print(f"{label:40s} {seconds:7.3f} s  {seconds / reference:5.2f}x")


if __name__ == "__main__":
    main()
